"""SQL statements per GraphQL request do not grow with the size of the answer.

A value stream queried with its maps, every field of their steps, their handoffs,
findings and metrics must cost the same number of statements for 3 steps as for 60,
and for 2 maps as for 6: lists load through DataLoaders, one query per level.
Statements are counted on the app's own engines, after it started.
"""

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import event

from tests.api_client import Api
from tests.factories import Factory

QUERY = """
query($id: ID!) {
  valueStream(id: $id) {
    id name phase cycle
    maps {
      id kind name notes cycle chosen hoursPerWorkingDay waitsIn version createdAt updatedAt
      steps {
        id mapId position name description role team people
        processSeconds waitSeconds processTime waitTime percentCompleteAccurate
        tools artifacts automated cicdStage valueClass queueSize version
      }
      handoffs { id mapId fromStepId toStepId artifact crossTeam version }
      findings {
        id mapId valueStreamId stepId handoffId category description evidence
        estimatedCostHoursPerWeek confidence status source classifier rule triageReason
        triagedAt version createdAt
      }
      metrics {
        leadTimeSeconds processTimeSeconds activityRatio rolledPcaPercent handoffs
        crossTeamHandoffs manualSteps stepCount totalPeople bottleneckStepId criticalPath
        stepShares leadTimeDays processTimeDays stepsMissingRole stepsMissingProcessTime
        stepsMissingWaitTime
      }
    }
  }
}
"""


@contextmanager
def counting_statements(app: Any) -> Iterator[list[str]]:
    """Every statement the app's engines send while the block runs."""
    database = app.state.vsm.db
    assert database is not None, "count inside the client's lifetime, after startup"
    engines = {id(e): e.sync_engine for e in (database.write_engine, database.read_engine)}
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    for engine in engines.values():
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines.values():
            event.remove(engine, "before_cursor_execute", record)


def _fill_map(factory: Factory, stream_map: dict[str, Any], steps: int) -> None:
    """`steps` steps with every field set, a chain of handoffs, and classifier findings."""
    made = []
    for n in range(steps):
        made.append(
            factory.step(
                stream_map,
                name=f"Step {n} status report" if n % 5 == 0 else f"Step {n}",
                description="Work happens here.",
                role=f"Role {n % 4}",
                team=f"Team {n % 3}",
                people=1 + n % 4,
                process_time=f"{1 + n % 3} h",
                wait_time=f"{(n * 7) % 30} h",
                percent_complete_accurate=70 + n % 30,
                tools=["Jira", "Git"][: 1 + n % 2],
                artifacts=[f"artifact {n % 6}"],
                automated=n % 4 == 0,
                cicd_stage=n % 3 == 0,
                value_class=("value_add", "necessary_non_value_add", "unnecessary_non_value_add")[
                    n % 3
                ],
                queue_size=n % 15,
            )
        )
    api = factory.api
    for n, (a, b) in enumerate(itertools.pairwise(made)):
        body = {"from_step_id": a["id"], "to_step_id": b["id"], "cross_team": n % 2 == 0}
        api.ok(api.post(f"/api/v1/maps/{stream_map['id']}/handoffs", body), 201)
    api.ok(api.post(f"/api/v1/maps/{stream_map['id']}/classify"))


def _stream(factory: Factory, maps: int, steps: int) -> dict[str, Any]:
    stream = factory.value_stream()
    for n in range(maps):
        kind = "current" if n == 0 else "desired"
        stream_map = factory.map(stream, kind=kind, name=f"Map {n}", chosen=n == 1)
        _fill_map(factory, stream_map, steps)
    return stream


def _statements_for(app: Any, api: Api, stream: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The fewer of two requests' counts: authentication writes a token's `last_used_at`
    at most once a minute, which would add its own statements to one of them."""
    counts = []
    for _ in range(2):
        with counting_statements(app) as statements:
            result = api.graphql(QUERY, {"id": stream["id"]})
        assert "errors" not in result, result
        counts.append(len(statements))
    return min(counts), result["data"]["valueStream"]


def test_statements_do_not_grow_with_the_number_of_steps(
    app: Any, client: TestClient[Any], editor: Api, factory: Factory
) -> None:
    small = _stream(factory, maps=1, steps=3)
    large = _stream(factory, maps=1, steps=60)
    _statements_for(app, editor, small)  # warm-up: first-use work is not what is measured

    small_count, small_answer = _statements_for(app, editor, small)
    large_count, large_answer = _statements_for(app, editor, large)

    assert len(small_answer["maps"][0]["steps"]) == 3
    assert len(large_answer["maps"][0]["steps"]) == 60
    assert len(large_answer["maps"][0]["handoffs"]) == 59
    assert large_answer["maps"][0]["findings"], "the large map should have findings"
    assert large_answer["maps"][0]["metrics"]["stepCount"] == 60
    assert large_count == small_count, (small_count, large_count)


def test_statements_do_not_grow_with_the_number_of_maps(
    app: Any, client: TestClient[Any], editor: Api, factory: Factory
) -> None:
    two = _stream(factory, maps=2, steps=3)
    six = _stream(factory, maps=6, steps=3)
    _statements_for(app, editor, two)

    two_count, two_answer = _statements_for(app, editor, two)
    six_count, six_answer = _statements_for(app, editor, six)

    assert len(two_answer["maps"]) == 2 and len(six_answer["maps"]) == 6
    assert all(len(m["steps"]) == 3 and m["findings"] for m in six_answer["maps"])
    assert six_count == two_count, (two_count, six_count)


def test_the_count_is_small_and_names_each_level_once(
    app: Any, client: TestClient[Any], editor: Api, factory: Factory
) -> None:
    """A bound, so a regression that adds a query per map or per step shows at once."""
    stream = _stream(factory, maps=2, steps=3)
    _statements_for(app, editor, stream)

    with counting_statements(app) as statements:
        result = editor.graphql(QUERY, {"id": stream["id"]})

    assert "errors" not in result, result
    statements = [s for s in statements if "api_token" not in s]  # the once-a-minute touch
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    on_steps = [s for s in selects if "FROM map_step" in s]
    assert len(statements) <= 12, statements
    assert len(on_steps) <= 2, on_steps
