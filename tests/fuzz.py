"""Schemathesis over every REST operation of a running server, as `make fuzz` runs it.

    python -m tests.fuzz                       # a fresh SQLite database
    python -m tests.fuzz --database-url URL    # a private database on that PostgreSQL server

The server is started with `vsm serve` on a free port, on a freshly migrated
database holding one organization with one engagement of each kind of record,
whose ids are handed to schemathesis so it reaches real objects, not only 404s.
It fails on any server error, any answer the OpenAPI document does not describe
(status, content type, headers, body schema), any invalid input accepted, and
any error or traceback in the server's log.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from tests import dbs
from tests.scratch import make_scratch, remove_scratch

ROOT = Path(__file__).resolve().parent.parent
VSM = Path(sys.executable).parent / "vsm"
ST = Path(sys.executable).parent / "st"
LOG_ALARMS = ("Traceback", "ERROR", "aclose()", "Task exception was never retrieved")

CONFIG = """\
# Statuses that depend on what is stored, which a generator cannot know, are answers
# to valid input too: 404 (no such id), 409 (a rule or a gate), 412 (a stale
# If-Match), 422 (a rule of the domain the schema cannot express).
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "412", "422", "428"]

# Invalid input may also meet a precondition or a missing object first (RFC 9110 13.2.1).
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "409", "412", "422", "428"]

# A missing If-Match is 428 Precondition Required (RFC 6585), not a 400.
[checks.missing_required_header]
expected-statuses = ["400", "401", "403", "422", "428"]

{operations}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def fresh_database(base_url: str | None, folder: Path) -> Any:
    if base_url and make_url(base_url).get_backend_name() == "postgresql":
        url = dbs.create_postgres_database(base_url)
        try:
            yield url
        finally:
            dbs.drop_postgres_database(base_url, url)
    else:
        yield dbs.sqlite_url(folder / "fuzz.db")


def run_cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(VSM), *args], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    return done.stdout


@contextmanager
def serving(env: dict[str, str], port: int, log: Path) -> Any:
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(VSM), "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=out,
            cwd=ROOT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        stop(server)


def stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (granian and its workers), SIGKILL if need be."""
    with suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def seed(base: str, token: str) -> dict[str, str]:
    """One record of each kind through the API, as a team would make them."""
    client = httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"})

    def post(path: str, body: Any) -> dict[str, Any]:
        answer = client.post(path, json=body)
        assert answer.status_code in (200, 201), f"{path}: {answer.status_code} {answer.text}"
        return dict(answer.json())

    person = post("/people", {"name": "Fuzz Person", "email": "fuzz@example.com"})
    team = post("/teams", {"name": "Fuzz Team", "member_ids": [person["id"]]})
    stream = post("/value-streams", {"name": "Fuzz stream", "owner_id": person["id"]})
    vs = f"/value-streams/{stream['id']}"
    participant = post(f"{vs}/participants", {"person_id": person["id"], "role": "sponsor"})
    deliverable = post(f"{vs}/deliverables", {"kind": "business_case", "status": "done"})
    risk = post(f"{vs}/risks", {"title": "A risk"})
    action = post(f"{vs}/action-items", {"title": "An action"})
    signoff = post(f"{vs}/signoffs", {"sponsor_id": person["id"], "statement": "Aligned."})
    stream_map = post(f"{vs}/maps", {"kind": "current", "name": "Now"})
    maps = f"/maps/{stream_map['id']}"
    first = post(f"{maps}/steps", {"name": "Build", "process_time": "2 h", "wait_time": "1 d"})
    second = post(f"{maps}/steps", {"name": "Test", "process_time": "1 h", "wait_time": "3 d"})
    handoff = post(f"{maps}/handoffs", {"from_step_id": first["id"], "to_step_id": second["id"]})
    item = post(f"{vs}/backlog-items", {"title": "Automate tests"})
    other = post(f"{vs}/backlog-items", {"title": "Shorten reviews"})
    milestone = post(f"{vs}/milestones", {"name": "Pilot", "due_date": "2027-03-31"})
    target = post(
        f"{vs}/targets",
        {
            "metric": "lead_time",
            "baseline": 20,
            "target": 10,
            "direction": "lower_is_better",
            "unit": "days",
            "due_date": "2027-06-30",
        },
    )
    token_row = post("/tokens", {"name": "fuzz viewer", "role": "viewer"})
    return {
        "person_id": person["id"],
        "team_id": team["id"],
        "value_stream_id": stream["id"],
        "participant": participant["id"],
        "deliverable": deliverable["id"],
        "risk": risk["id"],
        "action": action["id"],
        "signoff": signoff["id"],
        "map_id": stream_map["id"],
        "step": first["id"],
        "handoff": handoff["id"],
        "item": item["id"],
        "other_item": other["id"],
        "milestone": milestone["id"],
        "target": target["id"],
        "token_id": token_row["id"],
    }


def operations(ids: dict[str, str]) -> str:
    """Which id each path parameter takes, by the path it appears in."""
    by_prefix = [
        ("^/api/v1/value-streams/", {"parent_id": ids["value_stream_id"]}),
        ("^/api/v1/maps/", {"parent_id": ids["map_id"], "map_id": ids["map_id"]}),
        ("^/api/v1/targets/", {"parent_id": ids["target"], "item_id": ids["target"]}),
        ("^/api/v1/backlog-items/", {"item_id": ids["item"], "depends_on_id": ids["other_item"]}),
        ("^/api/v1/participants/", {"item_id": ids["participant"]}),
        ("^/api/v1/deliverables/", {"item_id": ids["deliverable"]}),
        ("^/api/v1/risks/", {"item_id": ids["risk"]}),
        ("^/api/v1/action-items/", {"item_id": ids["action"]}),
        ("^/api/v1/signoffs/", {"item_id": ids["signoff"]}),
        ("^/api/v1/steps/", {"item_id": ids["step"]}),
        ("^/api/v1/handoffs/", {"item_id": ids["handoff"]}),
        ("^/api/v1/milestones/", {"item_id": ids["milestone"]}),
    ]
    blocks = [
        "[parameters]\n"
        + "".join(
            f'"path.{name}" = "{ids[name]}"\n'
            for name in ("person_id", "team_id", "value_stream_id", "token_id")
        )
    ]
    for pattern, values in by_prefix:
        lines = "".join(f'"path.{name}" = "{value}"\n' for name, value in values.items())
        blocks.append(
            f'[[operations]]\ninclude-path-regex = "{pattern}"\n[operations.parameters]\n{lines}'
        )
    return "\n".join(blocks)


def alarms(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if any(a in line for a in LOG_ALARMS)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--max-examples", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261206)
    args = parser.parse_args()
    folder = make_scratch("vsm-fuzz-")
    try:
        with fresh_database(args.database_url, folder) as url:
            return fuzz(url, folder, args.max_examples, args.seed)
    finally:
        remove_scratch(folder)


def fuzz(url: str, folder: Path, max_examples: int, seed_value: int) -> int:
    env = {
        **os.environ,
        "VSM_DATABASE_URL": url,
        "VSM_RATE_LIMIT_REQUESTS": "0",
        "VSM_AUTH_FAILURES_PER_MINUTE": "0",
        "VSM_LOG_LEVEL": "warning",
        # The exports and webhooks the fuzzer queues would run beside it and slow it; the
        # answers of the API are what this stage checks, and the suite runs the jobs.
        "VSM_JOBS_IN_PROCESS": "false",
    }
    run_cli(env, "db", "upgrade")
    token = run_cli(env, "bootstrap", "--slug", "fuzz").strip().rsplit(" ", 1)[-1]
    port = free_port()
    log = folder / "server.log"
    with serving(env, port, log) as base:
        config = folder / "schemathesis.toml"
        config.write_text(CONFIG.format(operations=operations(seed(base, token))))
        # One worker: Python 3.11's AST parser keeps its recursion depth per process, and
        # hypothesis parses sources from two schemathesis threads at once now and then
        # ("AST constructor recursion depth mismatch"), an error of the tool, not of ours.
        command = [
            str(ST),
            "--config-file",
            str(config),
            "--no-color",
            "run",
            f"{base}/schema/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            str(max_examples),
            "--seed",
            str(seed_value),
            "--generation-deterministic",
            "--generation-allow-x00",
            "false",
            "--workers",
            "1",
            "--suppress-health-check",
            "all",
        ]
        status = subprocess.run(command, cwd=folder, check=False).returncode
    found = alarms(log)
    if found:
        print(f"!! the server logged {len(found)} errors; the first ones:", *found[:20], sep="\n")
    print(
        f"== fuzz on {make_url(url).get_backend_name()}: schemathesis exit {status}, "
        f"{len(found)} server log errors =="
    )
    return 1 if status or found else 0


if __name__ == "__main__":
    sys.exit(main())
