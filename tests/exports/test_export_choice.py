"""Which exporter answers: the core by format name or the subject's default, the REST
transport also by the Accept header."""

import pytest

from api.negotiation import accepted_media_types, exporter_for
from core.errors import ValidationFailed
from core.exports.exporters import Exporter, choose


def _exporter(name: str, media_type: str, *subjects: str) -> Exporter:
    return Exporter(
        name=name,
        media_type=media_type,
        extension=name,
        subjects=frozenset(subjects or ("value_stream", "map")),
        render=lambda _subject, _data: [],
    )


EXPORTERS = {
    "csv": _exporter("csv", "text/csv"),
    "json": _exporter("json", "application/json"),
    "svg": _exporter("svg", "image/svg+xml", "map"),
}


def test_the_core_chooses_by_format_name() -> None:
    chosen = choose(EXPORTERS, "value_stream", name="csv")

    assert chosen.name == "csv"


@pytest.mark.parametrize(("subject", "default"), [("value_stream", "json"), ("map", "svg")])
def test_without_a_name_the_core_chooses_the_subjects_default(subject: str, default: str) -> None:
    chosen = choose(EXPORTERS, subject, name=None)

    assert chosen.name == default


def test_a_format_the_subject_lacks_is_refused_naming_the_ones_it_has() -> None:
    with pytest.raises(ValidationFailed) as refused:
        choose(EXPORTERS, "value_stream", name="svg")

    [problem] = refused.value.problems
    assert problem.field == "format"
    assert problem.allowed == ["csv", "json"]


def test_accept_picks_the_exporter_of_the_preferred_media_type() -> None:
    chosen = exporter_for(
        EXPORTERS, "value_stream", name=None, accept="text/csv;q=0.4, application/json"
    )

    assert chosen.name == "json"


def test_a_format_name_wins_over_accept() -> None:
    chosen = exporter_for(EXPORTERS, "value_stream", name="csv", accept="application/json")

    assert chosen.name == "csv"


def test_accept_of_anything_falls_back_to_the_subjects_default() -> None:
    chosen = exporter_for(EXPORTERS, "map", name=None, accept="*/*")

    assert chosen.name == "svg"


def test_media_types_are_ranked_by_quality_then_order_without_wildcards_or_refusals() -> None:
    ranked = accepted_media_types("text/html;q=0.1, image/*, text/csv, application/json;q=0")

    assert ranked == ["text/csv", "text/html"]
