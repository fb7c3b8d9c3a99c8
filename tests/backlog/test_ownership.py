"""RACI assignment rules, committed statuses and dependency cycles."""

import pytest

from core.backlog.ownership import (
    COMMITTED_STATUSES,
    BacklogStatus,
    RaciRole,
    accountable,
    check_assignments,
    has_cycle,
    is_committed,
)

A, R, C, I = RaciRole.A, RaciRole.R, RaciRole.C, RaciRole.I  # noqa: E741


def test_committed_statuses() -> None:
    assert {
        BacklogStatus.ready,
        BacklogStatus.in_progress,
        BacklogStatus.blocked,
        BacklogStatus.done,
    } == COMMITTED_STATUSES
    assert BacklogStatus.proposed not in COMMITTED_STATUSES
    assert BacklogStatus.dropped not in COMMITTED_STATUSES
    assert is_committed("in_progress")
    assert not is_committed(BacklogStatus.proposed)
    with pytest.raises(ValueError):
        is_committed("unknown")


def test_role_values_are_the_letters() -> None:
    assert [role.value for role in RaciRole] == ["R", "A", "C", "I"]
    assert RaciRole("A") is RaciRole.A


def test_a_well_staffed_committed_item_has_no_problems() -> None:
    assignments = [("ana", A), ("ana", R), ("bo", R), ("cy", C), ("di", I)]
    assert check_assignments(assignments, committed=True) == []
    assert accountable(assignments) == "ana"


def test_committed_item_without_accountable_owner() -> None:
    problems = check_assignments([("bo", R), ("cy", C)], committed=True)
    assert problems == ["a committed item needs exactly one accountable owner, found none"]


def test_proposed_item_may_lack_an_accountable_owner() -> None:
    assert check_assignments([("bo", R)], committed=False) == []
    assert check_assignments([], committed=False) == []
    assert accountable([("bo", R)]) is None


def test_empty_committed_item_needs_an_owner() -> None:
    assert len(check_assignments([], committed=True)) == 1


@pytest.mark.parametrize("committed", [True, False])
def test_never_more_than_one_accountable(committed: bool) -> None:
    problems = check_assignments([("bo", A), ("ana", A), ("cy", R)], committed=committed)
    assert problems == ["only one person may be accountable, found 2: ana, bo"]


def test_same_person_twice_with_the_same_role() -> None:
    problems = check_assignments([("ana", A), ("bo", R), ("bo", R), ("bo", R)], committed=True)
    assert problems == ["bo is assigned role R 3 times"]


def test_duplicate_accountable_person_is_reported_once_as_a_duplicate() -> None:
    problems = check_assignments([("ana", A), ("ana", A)], committed=True)
    assert problems == ["ana is assigned role A 2 times"]
    assert accountable([("ana", A), ("ana", A)]) == "ana"


def test_problems_come_in_a_stable_order() -> None:
    assignments = [("zed", I), ("zed", I), ("bo", A), ("ana", A), ("ana", C), ("ana", C)]
    assert check_assignments(assignments, committed=True) == [
        "only one person may be accountable, found 2: ana, bo",
        "ana is assigned role C 2 times",
        "zed is assigned role I 2 times",
    ]


def test_roles_may_be_given_as_strings() -> None:
    assert check_assignments([("ana", "A")], committed=True) == []  # type: ignore[list-item]


def test_accountable_refuses_to_pick_among_several() -> None:
    with pytest.raises(ValueError, match="ana, bo"):
        accountable([("bo", A), ("ana", A)])


def test_self_dependency_is_a_cycle() -> None:
    assert has_cycle([], ("a", "a"))


def test_direct_back_edge_is_a_cycle() -> None:
    assert has_cycle([("b", "a")], ("a", "b"))


def test_long_cycle_is_found() -> None:
    chain = [(str(i), str(i + 1)) for i in range(1_000)]
    assert has_cycle(chain, ("1000", "0"))
    assert not has_cycle(chain, ("0", "1000"))


def test_diamond_is_not_a_cycle() -> None:
    edges = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]
    assert not has_cycle(edges, ("a", "d"))
    assert has_cycle(edges, ("d", "a"))


def test_unrelated_and_duplicate_edges() -> None:
    edges = [("a", "b"), ("x", "y")]
    assert not has_cycle(edges, ("b", "x"))
    assert not has_cycle(edges, ("a", "b"))


def test_edges_may_be_a_one_shot_iterator() -> None:
    assert has_cycle(iter([("b", "c"), ("c", "a")]), ("a", "b"))
