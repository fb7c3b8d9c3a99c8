"""`vsm export` and `vsm report`: files from the database, as the organization's admin."""

import os
import sys
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from api.cli.runner import Runner, fail, load_settings, run
from core.config import Settings
from core.errors import DomainError, NotFound
from core.exports import snapshot_builders as snapshots
from core.exports.exporters import Exporter, choose, collect_exporters, file_name
from core.plugins import build_plugin_manager
from core.workflow import phases as workflow

T = TypeVar("T")


def configured_exporters(settings: Settings) -> dict[str, Exporter]:
    """The exporters of the plugins these settings leave enabled, as the server has them."""
    return collect_exporters(build_plugin_manager(disabled=settings.disabled_plugins))


def _exporter(exporters: dict[str, Exporter], subject: str, name: str) -> Exporter:
    try:
        return choose(exporters, subject, name=name)
    except DomainError as exc:
        raise fail(exc.detail) from exc


def _stream_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise fail(f"--value-stream {value!r} is not a value stream id") from exc


def _write(path: Path, chunks: Iterable[bytes]) -> int:
    """Write next to `path`, then rename: a reader never sees half a file."""
    partial = path.with_name(path.name + ".part")
    size = 0
    try:
        with partial.open("wb") as file:
            for chunk in chunks:
                file.write(chunk)
                size += len(chunk)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return size


def export(
    org: Annotated[str, typer.Option(help="organization slug")],
    format: Annotated[str, typer.Option("--format", "-f", help="an exporter name, e.g. xlsx")],
    value_stream: Annotated[
        str | None, typer.Option(help="id of the value stream to export")
    ] = None,
    portfolio: Annotated[
        bool, typer.Option("--portfolio", help="export the portfolio instead")
    ] = False,
    backlog: Annotated[
        bool, typer.Option("--backlog", help="only the value stream's backlog")
    ] = False,
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="file or folder; '-' for standard output"),
    ] = None,
) -> None:
    """Write one export of a value stream (or its backlog) or of the portfolio."""
    if (value_stream is None) == (not portfolio):
        raise fail("give either --value-stream ID or --portfolio")
    if backlog and value_stream is None:
        raise fail("--backlog needs --value-stream ID")
    subject = "portfolio" if portfolio else "backlog" if backlog else "value_stream"
    settings = load_settings()
    exporter = _exporter(configured_exporters(settings), subject, format)
    stream_id = _stream_id(value_stream) if value_stream is not None else None

    async def snapshot(runner: Runner) -> tuple[Any, str]:
        async with runner.as_admin(org, write=False) as work:
            if stream_id is None:
                data: Any = await snapshots.portfolio_snapshot(
                    work.session, work.actor, workflow.PortfolioFilter()
                )
                return data, "portfolio"
            data = await snapshots.value_stream_snapshot(work.session, work.actor, stream_id)
            return data, data.value_stream.name

    data, title = run(snapshot, settings)
    chunks = exporter.chunks(subject, data)
    if output == "-":
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        return
    name = file_name(exporter, subject, title)
    path = Path(output) if output else Path(name)
    if path.is_dir():
        path = path / name
    size = _write(path, chunks)
    typer.echo(f"wrote {path} ({size} bytes)")


def report(
    org: Annotated[str, typer.Option(help="organization slug")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="folder for the reports (created if missing)")
    ],
    format: Annotated[
        str, typer.Option("--format", "-f", help="html, pdf or markdown (any readout format)")
    ] = "html",
    value_stream: Annotated[
        str | None,
        typer.Option(help="only this value stream; default: every one, plus the portfolio"),
    ] = None,
) -> None:
    """Write a readout per value stream, and a portfolio report, into a folder.

    Meant for a scheduler: e.g. weekly, then mail the folder's files to the leaders.
    """
    settings = load_settings()
    exporter = _exporter(configured_exporters(settings), "value_stream", format)
    stream_id = _stream_id(value_stream) if value_stream is not None else None
    used: set[str] = set()

    def place(subject: str, title: str, ident: object) -> Path:
        name = file_name(exporter, subject, title)
        if name in used:
            stem, _, extension = name.rpartition(".")
            name = f"{stem}-{str(ident)[:8]}.{extension}"
        used.add(name)
        return output / name

    def write(path: Path, subject: str, data: Any) -> None:
        size = _write(path, exporter.chunks(subject, data))
        written.append(f"wrote {path} ({size} bytes)")

    written: list[str] = []

    async def readouts(runner: Runner) -> None:
        """One short unit per snapshot: a long report never holds one transaction open."""
        admin = await runner.admin_of(org)
        if stream_id is not None:
            async with runner.work(admin, write=False) as work:
                data = await snapshots.value_stream_snapshot(work.session, work.actor, stream_id)
            output.mkdir(parents=True, exist_ok=True)
            write(
                place("value_stream", data.value_stream.name, data.value_stream.id),
                "value_stream",
                data,
            )
            return
        async with runner.work(admin, write=False) as work:
            overview = await snapshots.portfolio_snapshot(
                work.session, work.actor, workflow.PortfolioFilter()
            )
        output.mkdir(parents=True, exist_ok=True)
        if "portfolio" in exporter.subjects:
            write(place("portfolio", "portfolio", ""), "portfolio", overview)
        else:
            written.append(f"no portfolio report: the {format} exporter makes none")
        with _progress(overview.rows, "value streams") as rows:
            for row in rows:
                try:
                    async with runner.work(admin, write=False) as work:
                        data = await snapshots.value_stream_snapshot(
                            work.session, work.actor, row.id
                        )
                except NotFound:
                    written.append(f"skipped {row.name}: deleted meanwhile")
                    continue
                write(place("value_stream", row.name, row.id), "value_stream", data)

    run(readouts, settings)
    for line in written:
        typer.echo(line)


@contextmanager
def _progress(items: list[T], label: str) -> Iterator[Iterable[T]]:
    """A progress bar on a terminal; nothing where no one watches (a scheduler mails
    whatever reaches standard error, so it stays empty when all went well)."""
    if not sys.stderr.isatty():
        yield items
        return
    with typer.progressbar(items, label=label, file=sys.stderr, show_pos=True) as bar:
        yield bar
