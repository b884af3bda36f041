from django.urls import URLPattern, URLResolver, path

from walkthetalk.pulse import views

app_name = "pulse"
urlpatterns: list[URLPattern | URLResolver] = [
    path("w/<int:wave_id>/", views.answer, name="answer"),
    path("w/<int:wave_id>/thanks/", views.thanks, name="thanks"),
    path("<slug:slug>/", views.waves, name="waves"),
    path("<slug:slug>/new/", views.new_wave, name="new_wave"),
    path("<slug:slug>/waves/<int:wave_id>/", views.wave_detail, name="wave"),
    path(
        "<slug:slug>/waves/<int:wave_id>/sheet/",
        views.invitation_sheet,
        name="invitation_sheet",
    ),
    path(
        "<slug:slug>/waves/<int:wave_id>/links.csv",
        views.invitation_links_csv,
        name="invitation_links_csv",
    ),
    path("<slug:slug>/waves/<int:wave_id>/close/", views.close_wave, name="close_wave"),
    path("<slug:slug>/waves/<int:wave_id>/min-size/", views.min_size, name="min_size"),
]
