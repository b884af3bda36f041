"""An independent, exact disclosure auditor (written apart from walkthetalk.analysis.privacy).

It knows nothing of atoms or ledgers. It takes every released figure as the set of contributors
it sums over and asks: does the row space of the contributor-incidence matrix (over the
rationals) hold a nonzero vector whose support has fewer than ``k`` contributors? If so, some
linear combination of the released figures is a count or a sum over that small set.

Method: contributors in exactly the same figures have identical columns, so any vector of the
row space is constant on each such class; a support is a union of classes. For every union of
classes smaller than ``k`` (few, for test-sized inputs), the row space holds a nonzero vector
vanishing outside it exactly when dropping its columns lowers the rank. Ranks are computed by
Gaussian elimination in ``fractions.Fraction`` — no floating point anywhere.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from fractions import Fraction
from itertools import combinations


def rank(rows: Sequence[Sequence[Fraction]]) -> int:
    """Exact rank of a rational matrix (row reduction)."""
    m = [list(r) for r in rows if any(r)]
    if not m:
        return 0
    width = len(m[0])
    r = 0
    for col in range(width):
        pivot = next((i for i in range(r, len(m)) if m[i][col] != 0), None)
        if pivot is None:
            continue
        m[r], m[pivot] = m[pivot], m[r]
        lead = m[r][col]
        m[r] = [x / lead for x in m[r]]
        for i in range(len(m)):
            if i != r and m[i][col] != 0:
                f = m[i][col]
                m[i] = [a - f * b for a, b in zip(m[i], m[r], strict=True)]
        r += 1
        if r == len(m):
            break
    return r


def column_classes(cells: Sequence[frozenset[Hashable]]) -> list[tuple[frozenset[int], int]]:
    """(the cells a class of contributors is in, how many contributors) for each class."""
    where: dict[Hashable, list[int]] = {}
    for i, cell in enumerate(cells):
        for who in cell:
            where.setdefault(who, []).append(i)
    sizes: dict[frozenset[int], int] = {}
    for rows in where.values():
        key = frozenset(rows)
        sizes[key] = sizes.get(key, 0) + 1
    return list(sizes.items())


def find_small_support(
    cells: Iterable[Iterable[Hashable]], k: int, *, max_classes: int | None = None
) -> tuple[int, ...] | None:
    """Sizes of the classes of a union of fewer than ``k`` contributors whose total is
    determined by the cells, or ``None`` if there is none. Every union smaller than ``k`` has
    at most ``k - 1`` classes, so the default search is complete."""
    sets = [frozenset(c) for c in cells]
    sets = [s for s in sets if s]
    if not sets:
        return None
    classes = column_classes(sets)
    matrix = [
        [Fraction(1) if i in rows else Fraction(0) for rows, _ in classes] for i in range(len(sets))
    ]
    full = rank(matrix)
    small = [j for j, (_, size) in enumerate(classes) if size < k]
    limit = k - 1 if max_classes is None else max_classes
    for width in range(1, min(limit, len(small)) + 1):
        for pick in combinations(small, width):
            total = sum(classes[j][1] for j in pick)
            if total >= k:
                continue
            keep = [j for j in range(len(classes)) if j not in pick]
            rest = [[row[j] for j in keep] for row in matrix]
            if rank(rest) < full:
                return tuple(classes[j][1] for j in pick)
    return None


def audit(cells: Iterable[Iterable[Hashable]], k: int) -> None:
    """Raise AssertionError naming the disclosed set sizes, if any."""
    found = find_small_support(cells, k)
    assert found is None, f"a combination of released figures sums over {sum(found)} contributor(s)"


def determined(cells: Iterable[Iterable[Hashable]], target: Iterable[Hashable]) -> bool:
    """True if the sum over ``target`` is a linear combination of the sums over ``cells``: its
    indicator lies in the cells' row space (exact ranks over the rationals)."""
    rows = [frozenset(c) for c in cells]
    goal = frozenset(target)
    people = sorted({who for c in [*rows, goal] for who in c}, key=repr)

    def row(cell: frozenset[Hashable]) -> list[Fraction]:
        return [Fraction(int(who in cell)) for who in people]

    known = [row(c) for c in rows]
    return rank(known) == rank([*known, row(goal)])
