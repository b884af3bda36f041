"""Signals of the conversations app: how services ask for background work without importing it.

Services sit below tasks (an app's tasks call its services, never the other way round), so a
service that makes results outdated says so with :data:`results_outdated`, after its
transaction commits; :mod:`walkthetalk.conversations.tasks` receives it and enqueues the
refresh.
"""

from django.dispatch import Signal

results_outdated = Signal()
"""Sent with ``conversation_id`` and ``now`` (run at once rather than in the next batch)."""
