"""Minimum group size and exact disclosure control: the one place every released figure passes.

**Guarantee.** Fix one wave (conversation, backlog issue, …) and ``k``, its minimum group size.
Take every figure released about it so far — every page, CSV, API answer and refresh, over
every breakdown (unit tree, level, sector, opinion group, and the set of people who answered
each scale or statement) — as a linear function of the contributors' values. Then no linear
combination of them determines a count or a sum over 1 to ``k − 1`` contributors.

**Method: global recoding into atoms, with a ledger.** (Hundepool et al., *Statistical
Disclosure Control*, 2012, ch. 4–5: recoding and linked tables.) Each namespace (one kind of
value summed: "took part", one scale, the votes on one statement) keeps a partition of its
contributors into *atoms* of at least ``k``; a figure may only describe a union of atoms
(:mod:`.atoms`). Then every released figure, past or present, is constant on each atom, so
every linear combination of them is too: its support is a union of atoms — empty or at least
``k`` people. A figure is served by splitting atoms (both parts at least ``k``) or by making at
least ``k`` not-yet-counted contributors a new atom; otherwise it is refused (:func:`plan_release`,
all or nothing) or released over the atoms it can describe (partial figures, :func:`plan_wave`),
so figures move in steps of at least ``k`` people. The ledger stores the atoms, not the figures.

Why not secondary suppression of linked tables (tau-ARGUS, sdcTable)? Their guarantee is an
interval of protection for each sensitive cell under the table's additive structure, found by
solving (I)LPs over *all* linked tables at once; checking the issue's exact claim for arbitrary
combinations of overlapping breakdowns and releases over time is the sparsest-vector problem,
NP-hard in general. Atoms make the claim true by construction, checkable in linear time (every
atom has at least ``k``), and planning a release is a linear pass over the candidate groups.
The price is utility: crossing breakdowns (levels × units × sectors) share atoms, so a figure
may be refused or describe only part of its group. Different namespaces are separate unknowns:
"who answered a scale" is a value summed over a group (how many of them answered), never a
breakdown smaller than ``k``.

Counts alone do not stop *group* disclosure — "all 6 peers agreed" is a sum over 6 yet tells
each peer's vote — so shares by sector also pass :func:`share_shown` / :func:`spread_shown`
(never unanimous), and a hidden one is protected from subtraction (the total minus the other
sectors) by hiding a complementary sector too (:func:`complementary_hidden`; conversations:
:func:`sector_shares`). Opinion groups' shares may be unanimous (no one is known to be in a
group), except where the released sector × group counts place a whole sector in groups that
all voted alike (:func:`placed_sectors`, :func:`group_shares`).

Modules: :mod:`.policy` (the minimum size), :mod:`.atoms` (the partition, the ledger),
:mod:`.cells` (all-or-nothing cells, sibling counts), :mod:`.wave` (a pulse wave's figures),
:mod:`.conversation` (a conversation's figures per refresh), :mod:`.shares` (group disclosure).
"""

from __future__ import annotations

from .atoms import (
    AtomSpace,
    Codes,
    Namespace,
    Planner,
    Reason,
    ReleaseLedger,
    code_of,
    codes_of,
)
from .cells import Cell, CellDecision, ReleasePlan, plan_release, suppress_counts
from .conversation import (
    EVERYONE,
    PARTICIPANTS,
    ConversationRelease,
    Tally,
    group_shares,
    placed_sectors,
    plan_refresh,
    sector_shares,
    statement_namespace,
    statement_shares,
    vote_codes,
)
from .policy import (
    ABSOLUTE_FLOOR,
    DEFAULT_MIN_SIZE,
    MinimumSizePolicy,
    PrivacyError,
    check_min_size_change,
    validate_min_size,
)
from .shares import complementary_hidden, share_shown, spread_shown
from .wave import RESPONSES, Figure, WaveRelease, plan_wave, scale_namespace

__all__ = [
    "ABSOLUTE_FLOOR",
    "DEFAULT_MIN_SIZE",
    "EVERYONE",
    "PARTICIPANTS",
    "RESPONSES",
    "AtomSpace",
    "Cell",
    "Codes",
    "CellDecision",
    "ConversationRelease",
    "Figure",
    "MinimumSizePolicy",
    "Namespace",
    "Planner",
    "PrivacyError",
    "Reason",
    "ReleaseLedger",
    "ReleasePlan",
    "Tally",
    "WaveRelease",
    "check_min_size_change",
    "code_of",
    "complementary_hidden",
    "codes_of",
    "group_shares",
    "placed_sectors",
    "plan_refresh",
    "plan_release",
    "plan_wave",
    "scale_namespace",
    "sector_shares",
    "share_shown",
    "spread_shown",
    "statement_namespace",
    "statement_shares",
    "suppress_counts",
    "validate_min_size",
    "vote_codes",
]
