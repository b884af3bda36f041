"""Background work for the messenger (django-tasks): escalating unanswered concerns."""

from __future__ import annotations

from django.core.cache import cache
from django_tasks import task

from walkthetalk.caremap import clock
from walkthetalk.messenger import services


@task()
def escalate_concerns() -> int:
    """Escalate every concern left unanswered past its care system's number of days."""
    return services.escalate_concerns()


def schedule_daily_escalation() -> bool:
    """Enqueue the escalation task at most once a day (called when leaders open their page).

    The worker runs it; production should also run ``walkthetalk escalate-concerns`` daily.
    """
    key = f"messenger:escalation-enqueued:{clock.today().isoformat()}"
    if not cache.add(key, True, timeout=60 * 60 * 26):
        return False
    escalate_concerns.enqueue()
    return True
