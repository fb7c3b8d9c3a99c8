"""The project's Markdown renders as written: every code block that opens also closes."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted(
    [ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("bench/*.md")],
    key=lambda path: str(path),
)
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def fence_problems(text: str) -> list[str]:
    """Code fences that never close, or a closing fence with text after it (which
    CommonMark reads as no closing fence at all, so the rest of the page turns into code)."""
    problems: list[str] = []
    opened: tuple[int, str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if match is None:
            continue
        marker, rest = match.groups()
        if opened is None:
            opened = (number, marker)
        elif marker[0] == opened[1][0] and len(marker) >= len(opened[1]):
            if rest.strip():
                problems.append(f"line {number}: text after the closing fence: {line!r}")
            opened = None
    if opened is not None:
        problems.append(f"line {opened[0]}: a code block that never closes")
    return problems


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_code_block_closes(document: Path) -> None:
    assert fence_problems(document.read_text(encoding="utf-8")) == []


def test_the_check_sees_a_fence_closed_with_text_after_it() -> None:
    text = "```sh\nmake run\n``` More prose.\n\nA paragraph.\n"

    assert fence_problems(text) == [
        "line 3: text after the closing fence: '``` More prose.'",
    ]


def test_the_check_sees_a_fence_left_open() -> None:
    assert fence_problems("intro\n\n```sh\nmake run\n") == [
        "line 3: a code block that never closes",
    ]
