from django.apps import AppConfig


class AgendaConfig(AppConfig):
    name = "walkthetalk.agenda"
    label = "agenda"
