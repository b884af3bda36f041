from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "walkthetalk.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from walkthetalk.reports.render import charts

        charts.configure_once()
