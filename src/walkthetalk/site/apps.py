from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "walkthetalk.site"
    label = "site"
    verbose_name = "Walk the Talk site"
