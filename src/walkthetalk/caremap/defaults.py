"""Defaults: the levels of the helping relationship, the sectors, and the six agreements."""

DEFAULT_LEVELS: tuple[str, ...] = (
    "Funders and regulators",
    "Leadership",
    "Supervisors",
    "Direct care",
    "Persons served",
)

DEFAULT_SECTORS: tuple[tuple[str, str], ...] = (
    ("government", "Government"),
    ("prevention", "Prevention"),
    ("harm-reduction", "Harm reduction"),
    ("treatment", "Treatment"),
    ("recovery-community", "Recovery community"),
)

# The six agreements of the essay the product comes from, in the product's own words. Every
# conversation and gathering starts from these; a facilitator may reword them for one.
DEFAULT_AGREEMENTS: tuple[str, ...] = (
    "We start from here: the way things are now is wearing on us and on our work. "
    "Together, we want a system of care that meets our needs better.",
    "We offer everyone positive regard — the same warmth and respect we hope others show us.",
    "We listen to what challenges us, especially where we hold our own views most tightly.",
    "Where we disagree, we keep looking for common ground until we find it. At heart we want "
    "the same things, and we put our roots down there.",
    "We ask what others mean, even when we are sure we understand. We often use the same words "
    "to mean different things.",
    "We accept that change is hard — and that we change too, so we can better help the people "
    "we serve to change.",
)


def default_agreements() -> list[str]:
    return list(DEFAULT_AGREEMENTS)
