from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "walkthetalk.reports"
    label = "reports"
    verbose_name = "Reports"
