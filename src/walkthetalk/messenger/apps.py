from django.apps import AppConfig


class MessengerConfig(AppConfig):
    name = "walkthetalk.messenger"
    label = "messenger"
