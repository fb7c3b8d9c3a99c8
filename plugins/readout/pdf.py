"""The HTML readout laid out as PDF by WeasyPrint, in a heavy process of its own."""

import tempfile
from collections.abc import Iterator
from typing import Any

from core.offload import in_process
from plugins.readout.html import html_readout
from plugins.readout.templating import CHUNK


def render_pdf(subject: str, data: Any) -> Iterator[bytes]:
    """The HTML readout laid out as PDF, written to a temporary file and streamed from it.

    Laying out a large readout holds the interpreter for many seconds, so it happens in
    a heavy process of its own (see `core.offload.in_process`), which writes the file.
    Its peak memory is that process's (`bench/readout.py` asks it).
    """
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        in_process(write_pdf, subject, data, pdf.name)
        pdf.seek(0)
        while chunk := pdf.read(CHUNK):
            yield chunk


def write_pdf(subject: str, data: Any, path: str) -> None:
    """Lay out the readout of `data` as PDF into the file at `path`."""
    from weasyprint import HTML, URLFetcher

    # Printed: what costs most to lay out is shortened or embedded (see stream_context).
    document = html_readout(subject, data, charts="png", printed=True)
    # Self-contained: the embedded charts are data URLs; nothing else is ever fetched.
    fetcher = URLFetcher(allowed_protocols={"data"})
    HTML(string=document, url_fetcher=fetcher).write_pdf(target=path)
