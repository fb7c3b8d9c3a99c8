"""Ownership rules of the transformation backlog: RACI roles, commitment and dependencies.

The transformation-plan gate needs every committed item to have one accountable owner:
with none nobody answers for it, with two each can assume the other does.
"""

import enum
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from core.graphs import reaches


class RaciRole(enum.StrEnum):
    """Responsible does the work, Accountable answers for it, Consulted and Informed."""

    R = "R"
    A = "A"
    C = "C"
    I = "I"  # noqa: E741


class BacklogStatus(enum.StrEnum):
    proposed = "proposed"
    ready = "ready"
    in_progress = "in_progress"
    blocked = "blocked"
    done = "done"
    dropped = "dropped"


COMMITTED_STATUSES: frozenset[BacklogStatus] = frozenset(
    {BacklogStatus.ready, BacklogStatus.in_progress, BacklogStatus.blocked, BacklogStatus.done}
)


def is_committed(status: BacklogStatus | str) -> bool:
    """Proposed items are still ideas and dropped ones are gone; the rest are promises."""
    return BacklogStatus(status) in COMMITTED_STATUSES


def check_assignments(assignments: Sequence[tuple[str, RaciRole]], *, committed: bool) -> list[str]:
    """Problems with one item's assignments, in a stable order; empty when fine."""
    problems: list[str] = []
    roles = [(person, RaciRole(role)) for person, role in assignments]
    accountable_people = sorted({person for person, role in roles if role is RaciRole.A})
    if len(accountable_people) > 1:
        names = ", ".join(accountable_people)
        problems.append(
            f"only one person may be accountable, found {len(accountable_people)}: {names}"
        )
    elif committed and not accountable_people:
        problems.append("a committed item needs exactly one accountable owner, found none")
    for (person, role), count in sorted(Counter(roles).items()):
        if count > 1:
            problems.append(f"{person} is assigned role {role} {count} times")
    return problems


def accountable(assignments: Sequence[tuple[str, RaciRole]]) -> str | None:
    """The item's accountable owner, ``None`` if it has none.

    Raises when several people are accountable, because picking one would hide the
    conflict `check_assignments` exists to report.
    """
    people = {person for person, role in assignments if RaciRole(role) is RaciRole.A}
    if len(people) > 1:
        raise ValueError(f"several people are accountable: {', '.join(sorted(people))}")
    return next(iter(people), None)


def has_cycle(edges: Iterable[tuple[str, str]], new_edge: tuple[str, str]) -> bool:
    """Whether adding ``new_edge`` (from depends on to) closes a dependency cycle.

    A cycle would make every item on it wait for itself, so none could ever start.
    """
    source, target = new_edge
    if source == target:
        return True
    graph: defaultdict[str, set[str]] = defaultdict(set)
    for before, after in edges:
        graph[before].add(after)
    return reaches(graph, target, source)
