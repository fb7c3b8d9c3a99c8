"""The core names bad input in the domain's words; each transport renames it for its clients."""

import pytest

from api.fields import renamed
from core.delivery.batches import parse, refuse
from core.delivery.kinds import WORK_ITEMS
from core.errors import FieldProblem, ValidationFailed
from core.pagination import check_limit


def test_a_bad_work_item_is_named_by_its_place_in_the_batch_of_work_items() -> None:
    batch = [
        {"external_id": "A-1", "type": "feature", "created": "2025-01-01T00:00:00Z"},
        {"external_id": "A-2", "type": "chore", "created": "2025-01-01T00:00:00Z"},
    ]

    with pytest.raises(ValidationFailed) as refused:
        parse(WORK_ITEMS.adapter, batch, what="work items", batch="work_items")

    assert [p.field for p in refused.value.problems] == ["work_items[1].type"]


def test_a_page_size_out_of_bounds_names_the_page_size() -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_limit(0)

    [problem] = refused.value.problems
    assert problem.field == "page_size"
    assert "limit" not in refused.value.detail


def test_a_transport_renames_paths_in_fields_messages_and_detail() -> None:
    error = refuse(
        "work items",
        [
            FieldProblem("work_items[2].started", "is before created"),
            FieldProblem("work_items[3].external_id", "repeats work_items[0].external_id"),
        ],
    )

    answer = renamed(error, {"work_items": "items"})

    assert [(p.field, p.message) for p in answer.problems] == [
        ("items[2].started", "is before created"),
        ("items[3].external_id", "repeats items[0].external_id"),
    ]
    assert answer.detail == (
        "the work items are not valid: items[2].started: is before created; "
        "items[3].external_id: repeats items[0].external_id"
    )
    assert isinstance(answer, ValidationFailed)


def test_a_field_that_is_the_name_itself_is_renamed_and_others_are_left_alone() -> None:
    error = ValidationFailed("send at most 5000 deployments per request", field="deployments")
    other = ValidationFailed("bad", field="deployments_total")

    assert renamed(error, {"deployments": "items"}).problems[0].field == "items"
    assert renamed(error, {"deployments": "items"}).detail == error.detail
    assert renamed(other, {"deployments": "items"}).problems[0].field == "deployments_total"
