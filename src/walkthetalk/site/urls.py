from django.contrib.auth import views as auth_views
from django.urls import include, path

from walkthetalk.site import views
from walkthetalk.site.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("welcome/", views.welcome, name="welcome"),
    path("api/", api.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="site/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="site/password_change.html", success_url="/?password=changed"
        ),
        name="password_change",
    ),
    path("", include("walkthetalk.caremap.urls")),
    path("pulse/", include("walkthetalk.pulse.urls")),
    path("conversations/", include("walkthetalk.conversations.urls")),
    path("agenda/", include("walkthetalk.agenda.urls")),
    path("messenger/", include("walkthetalk.messenger.urls")),
]
