"""Report addresses, mounted by :mod:`walkthetalk.site.urls` inside the namespaces of the apps
whose figures they show (the pages keep their addresses and names)."""

from django.urls import URLPattern, URLResolver, path

from walkthetalk.reports import views

pulse_urlpatterns: list[URLPattern | URLResolver] = [
    path("<slug:slug>/waves/<int:wave_id>/dashboard/", views.pulse_dashboard, name="dashboard"),
    path("<slug:slug>/waves/<int:wave_id>/export.csv", views.pulse_export_csv, name="export_csv"),
]

conversation_urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:public_id>/manage/results/", views.conversation_results, name="results"),
    path(
        "<str:public_id>/manage/results/status/",
        views.conversation_results_status,
        name="results_status",
    ),
    path(
        "<str:public_id>/manage/results/map.svg",
        views.conversation_opinion_map,
        name="opinion_map",
    ),
    path(
        "<str:public_id>/manage/results/export.<str:fmt>",
        views.conversation_export,
        name="export",
    ),
]
