from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "walkthetalk.conversations"
    label = "conversations"
