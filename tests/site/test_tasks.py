"""The worker heartbeat used by `walkthetalk check-workers` (and the CI's production topology)."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_worker_heartbeat_notices_a_task_run_twice() -> None:
    from django.core.cache import cache

    from walkthetalk.site.tasks import heartbeat, heartbeat_keys

    ran, again = heartbeat_keys("t1")
    pid = heartbeat.call("t1")
    assert cache.get(ran) == pid and cache.get(again) is None
    heartbeat.call("t1")  # the same task a second time
    assert cache.get(again) == pid
