"""Defaults: the levels of the helping relationship, the sectors, and the six agreements.

They are stored as written here (in English); :func:`shown` gives a default in the language of
the page (see ``locale/``), while anything a steward or facilitator wrote stays as written.
"""

from django.utils.translation import gettext, gettext_noop

DEFAULT_LEVELS: tuple[str, ...] = (
    gettext_noop("Funders and regulators"),
    gettext_noop("Leadership"),
    gettext_noop("Supervisors"),
    gettext_noop("Direct care"),
    gettext_noop("Persons served"),
)

DEFAULT_SECTORS: tuple[tuple[str, str], ...] = (
    ("government", gettext_noop("Government")),
    ("prevention", gettext_noop("Prevention")),
    ("harm-reduction", gettext_noop("Harm reduction")),
    ("treatment", gettext_noop("Treatment")),
    ("recovery-community", gettext_noop("Recovery community")),
)

# The six agreements of the essay the product comes from, in the product's own words. Every
# conversation and gathering starts from these; a facilitator may reword them for one.
DEFAULT_AGREEMENTS: tuple[str, ...] = (
    gettext_noop(
        "We start from here: the way things are now is wearing on us and on our work. "
        "Together, we want a system of care that meets our needs better."
    ),
    gettext_noop(
        "We offer everyone positive regard — the same warmth and respect we hope others show us."
    ),
    gettext_noop(
        "We listen to what challenges us, especially where we hold our own views most tightly."
    ),
    gettext_noop(
        "Where we disagree, we keep looking for common ground until we find it. At heart we want "
        "the same things, and we put our roots down there."
    ),
    gettext_noop(
        "We ask what others mean, even when we are sure we understand. We often use the same "
        "words to mean different things."
    ),
    gettext_noop(
        "We accept that change is hard — and that we change too, so we can better help the "
        "people we serve to change."
    ),
)


def default_agreements() -> list[str]:
    return list(DEFAULT_AGREEMENTS)


_DEFAULT_TEXTS = frozenset(
    DEFAULT_LEVELS + tuple(name for _, name in DEFAULT_SECTORS) + DEFAULT_AGREEMENTS
)


def shown(text: str) -> str:
    """``text`` in the page's language when it is one of the defaults above, else as written."""
    return gettext(text) if text in _DEFAULT_TEXTS else text
