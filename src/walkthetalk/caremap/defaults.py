"""Defaults for a new care system: the levels of the helping relationship and the sectors."""

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
