import os
from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created

PRIVATE_FILE_MODE = 0o600


def keep_sqlite_file_private(sender: Any, connection: Any, **kwargs: Any) -> None:
    """The SQLite database file (and its WAL/shared-memory files) readable by its owner only."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name.startswith("file:") or ":memory:" in name:
        return
    for path in (name, f"{name}-wal", f"{name}-shm"):
        try:
            if os.stat(path).st_mode & 0o777 != PRIVATE_FILE_MODE:
                os.chmod(path, PRIVATE_FILE_MODE)
        except FileNotFoundError:
            pass


class SiteConfig(AppConfig):
    name = "walkthetalk.site"
    label = "site"
    verbose_name = "Walk the Talk site"

    def ready(self) -> None:
        connection_created.connect(keep_sqlite_file_private, dispatch_uid="wtt-sqlite-0600")
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from walkthetalk.site.row_order import keep_participant_rows_unordered

        # Sent once per app with models (this app has none): once after each migrate or flush.
        post_migrate.connect(
            keep_participant_rows_unordered,
            sender=apps.get_app_config("caremap"),
            dispatch_uid="wtt-unordered-rows",
        )
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_login_failed

        from walkthetalk.site import lockout

        user_locked_out.connect(lockout.record_pause, dispatch_uid="wtt-lockout-pause")
        user_login_failed.connect(lockout.count_device_failure, dispatch_uid="wtt-device-failure")
