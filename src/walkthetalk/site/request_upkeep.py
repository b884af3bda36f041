"""A request's upkeep for the answers given with plain values, without the signal machinery.

Django sends ``request_started`` when a request begins and ``request_finished`` when its answer
is closed; the receivers Django itself connects do the upkeep: the query log cleared
(``reset_queries``), a connection that had an error and is no longer usable, or is too old,
closed (``close_old_connections``), the caches' connections closed (``close_caches``) and a
per-request URLconf forgotten (``reset_urlconf``). :class:`~walkthetalk.site.vote_plain.PlainVote`
answers the commonest vote requests in a fraction of a millisecond, and sending the two signals
(a lock, the receivers' weak references, every configured connection looked up in the
thread's storage, twice) was a tenth of it.

:func:`started` and :func:`finished` do the same work directly — *only* when the signal's
receivers are exactly Django's own (any other receiver, or one missing, as in tests that keep
their connection open: the signal is sent as usual). With one database configured, the
database steps run on that connection alone, as Django's loops over the initialised ones
would; the caches are closed only when a configured backend's ``close`` does something
(``BaseCache.close`` does nothing; a cache object put in by hand, ``caches[alias] = ...``, of
another class than its configured backend is not looked for).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core import signals
from django.core.cache import caches, close_caches
from django.core.cache.backends.base import BaseCache
from django.core.handlers.base import reset_urlconf
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections, reset_queries
from django.dispatch import Signal
from django.utils.module_loading import import_string

_NONE_ID = id(None)  # the dispatcher's key for "any sender"


def _clear_queries() -> None:
    if len(connections.settings) != 1:
        reset_queries()
        return
    connections[DEFAULT_DB_ALIAS].queries_log.clear()


def _close_old() -> None:
    if len(connections.settings) != 1:
        close_old_connections()
        return
    connections[DEFAULT_DB_ALIAS].close_if_unusable_or_obsolete()


# The caches' configuration last seen, and whether a backend it names closes with work to do.
_cache_closing: tuple[object, bool] = (None, True)


def _backends_close(configured: dict[str, dict[str, Any]]) -> bool:
    """Whether a cache backend in ``configured`` (``CACHES``) has a ``close`` other than
    ``BaseCache``'s, which does nothing (the database, local-memory, file and dummy caches)."""
    try:
        return any(
            import_string(params["BACKEND"]).close is not BaseCache.close
            for params in configured.values()
        )
    except Exception:  # noqa: BLE001 — an unknown backend: close as Django does
        return True


def _close_caches() -> None:
    """``close_caches``' work: each cache used in this thread closed — nothing at all to do,
    without looking the thread's caches up, when every configured backend's ``close`` is
    ``BaseCache``'s own (worked out once per configuration; ``override_settings(CACHES=...)``
    gives the handler a new one)."""
    global _cache_closing
    configured = caches.settings
    if _cache_closing[0] is not configured:
        _cache_closing = (configured, _backends_close(configured))
    if _cache_closing[1]:
        close_caches()


def _reset_urlconf() -> None:
    reset_urlconf(sender=None)


# Django's own receivers, and the step that does each one's work.
_STEPS: dict[int, Callable[[], None]] = {
    id(reset_queries): _clear_queries,
    id(close_old_connections): _close_old,
    id(close_caches): _close_caches,
    id(reset_urlconf): _reset_urlconf,
}
# Each signal's receivers as Django connects them (the order may differ with import order).
_DJANGOS = {
    id(signals.request_started): frozenset({id(reset_queries), id(close_old_connections)}),
    id(signals.request_finished): frozenset(
        {id(close_old_connections), id(close_caches), id(reset_urlconf)}
    ),
}
_plans: dict[tuple[int, tuple[Any, ...]], tuple[Callable[[], None], ...] | None] = {}


def plan(signal: Signal) -> tuple[Callable[[], None], ...] | None:
    """The steps doing the work of ``signal``'s receivers, in their order; None unless its
    receivers are exactly Django's own, each listening to every sender."""
    keys = tuple(receiver[0] for receiver in signal.receivers)
    memo = (id(signal), keys)
    if memo not in _plans:
        ids = [key[0] for key in keys]
        found = None
        if (
            all(key[1] == _NONE_ID for key in keys)
            and len(set(ids)) == len(ids)
            and set(ids) == _DJANGOS.get(id(signal))
        ):
            found = tuple(_STEPS[i] for i in ids)
        if len(_plans) >= 64:
            _plans.clear()
        _plans[memo] = found
    return _plans[memo]


def started(sender: type, environ: dict[str, Any]) -> None:
    """``request_started``'s work."""
    steps = plan(signals.request_started)
    if steps is None:
        signals.request_started.send(sender=sender, environ=environ)
        return
    for step in steps:
        step()


def finished(sender: type) -> None:
    """``request_finished``'s work."""
    steps = plan(signals.request_finished)
    if steps is None:
        signals.request_finished.send(sender=sender)
        return
    for step in steps:
        step()
