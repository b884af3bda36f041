from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "walkthetalk.conversations"
    label = "conversations"

    def ready(self) -> None:
        # Connects the receiver that deletes finished refresh task rows.
        from walkthetalk.conversations import tasks  # noqa: F401
