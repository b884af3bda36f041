from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "walkthetalk.site"
    label = "site"
    verbose_name = "Walk the Talk site"

    def ready(self) -> None:
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
