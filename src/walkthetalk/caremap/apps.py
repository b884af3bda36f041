from django.apps import AppConfig


class CaremapConfig(AppConfig):
    name = "walkthetalk.caremap"
    label = "caremap"
    verbose_name = "Care map"
