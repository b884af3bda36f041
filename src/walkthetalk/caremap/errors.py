"""The one error base class of the apps' business rules, and what every page does with it.

A :class:`ServiceError` is a request a business rule refuses (a closed wave, a statement with
personal details, an expired form). Its message is written for the person who made the request:
plain, kind, and saying what to do next. Each app's error (``PulseError``, ``ConversationError``,
…) derives from it, so views show it the same way everywhere: beside the form or as a message
where they can, as a 400 page (:mod:`walkthetalk.site.errors`) if one escapes a view, and as
``{"detail": message}`` with status 400 from the API.
"""

from __future__ import annotations


class ServiceError(ValueError):
    """A request a business rule refuses; ``str(error)`` is the message to show."""

    status = 400
