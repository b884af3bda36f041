from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views import i18n as i18n_views
from django.views.generic import RedirectView

from walkthetalk.conversations import urls as conversations_urls
from walkthetalk.pulse import urls as pulse_urls
from walkthetalk.reports import urls as reports_urls
from walkthetalk.site import account_views, views
from walkthetalk.site.api import api

handler400 = "walkthetalk.site.faults.bad_request"
handler404 = "walkthetalk.site.faults.page_not_found"
handler500 = "walkthetalk.site.faults.server_error"

urlpatterns = [
    # First: the vote page is the address asked for most, and no other pattern matches it.
    path(
        "conversations/",
        include(
            (
                conversations_urls.urlpatterns + reports_urls.conversation_urlpatterns,
                "conversations",
            )
        ),
    ),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("language/", i18n_views.set_language, name="set_language"),
    path(
        "favicon.ico", RedirectView.as_view(url=static("walkthetalk/favicon.svg"), permanent=True)
    ),
    path("welcome/", views.welcome, name="welcome"),
    path("glossary/", views.glossary, name="glossary"),
    path("welcome/follow-through.json", views.follow_through, name="follow_through"),
    path("api/", api.urls),
    path("accounts/login/", account_views.SignInView.as_view(), name="login"),
    path("accounts/two-factor/", account_views.two_factor_setup, name="two_factor"),
    path("accounts/two-factor/verify/", account_views.two_factor_verify, name="two_factor_verify"),
    path("accounts/sign-in-pauses/", account_views.sign_in_pauses, name="sign_in_pauses"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="site/password_change.html", success_url="/?password=changed"
        ),
        name="password_change",
    ),
    path("", include("walkthetalk.caremap.urls")),
    # Report pages live in walkthetalk.reports but keep the addresses and names of the app
    # whose figures they show.
    path("pulse/", include((pulse_urls.urlpatterns + reports_urls.pulse_urlpatterns, "pulse"))),
    path("reports/", include("walkthetalk.reports.urls")),
    path("agenda/", include("walkthetalk.agenda.urls")),
    path("messenger/", include("walkthetalk.messenger.urls")),
]
