from django.apps import AppConfig


class PulseConfig(AppConfig):
    name = "walkthetalk.pulse"
    label = "pulse"
