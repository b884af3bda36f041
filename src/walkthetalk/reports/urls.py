"""Report addresses, mounted by :mod:`walkthetalk.site.urls` inside the namespaces of the apps
whose figures they show (the pages keep their addresses and names)."""

from django.urls import URLPattern, URLResolver, path

from walkthetalk.reports import views

pulse_urlpatterns: list[URLPattern | URLResolver] = [
    path("<slug:slug>/waves/<int:wave_id>/dashboard/", views.pulse_dashboard, name="dashboard"),
    path(
        "<slug:slug>/waves/<int:wave_id>/charts/<str:name>.svg",
        views.pulse_chart,
        name="dashboard_chart",
    ),
    path("<slug:slug>/waves/<int:wave_id>/export.csv", views.pulse_export_csv, name="export_csv"),
    path("<slug:slug>/waves/<int:wave_id>/brief.pdf", views.pulse_brief_pdf, name="brief_pdf"),
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
    path(
        "<str:public_id>/manage/results/report.pdf",
        views.conversation_report_pdf,
        name="report_pdf",
    ),
    path("<str:public_id>/manage/results/share/", views.conversation_share, name="share_report"),
]

app_name = "reports"
urlpatterns: list[URLPattern | URLResolver] = [
    path("shared/<str:token>/", views.shared_report, name="shared"),
    path("shared/<str:token>/report.pdf", views.shared_report_pdf, name="shared_pdf"),
    path("<slug:slug>/you-said-we-did.pdf", views.you_said_we_did_pdf, name="you_said_we_did_pdf"),
]
