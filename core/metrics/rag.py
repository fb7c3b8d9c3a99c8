"""Red, amber or green for a value stream and each of its targets, with the reason, and
the decisions a steering meeting has to take: pure rules over a readout's figures.

The rule, as a readout states it (`RAG_RULE`): a stream is red when it is past its
phase's timebox or a target is off track; amber when its gate is blocked, a target is at
risk or has no data yet, or an open risk's exposure (likelihood times impact) reaches
`HIGH_EXPOSURE`; green otherwise. A target is red off track, amber at risk or without
data, green on track or achieved.
"""

from dataclasses import dataclass, field
from enum import StrEnum

HIGH_EXPOSURE = 15
"""Of 25: likelihood and impact both high (for example 3 and 5, or 4 and 4)."""

RAG_RULE = (
    "Red: past the phase's timebox, or a target off track. Amber: the gate is blocked, a "
    "target is at risk or has no data yet, or an open risk's exposure (likelihood times impact) "
    f"is {HIGH_EXPOSURE} or more of 25. Green: none of these."
)


class Rag(StrEnum):
    red = "red"
    amber = "amber"
    green = "green"


@dataclass(frozen=True)
class TargetFigures:
    name: str
    status: str
    reason: str


@dataclass(frozen=True)
class RiskFigures:
    title: str
    exposure: int
    owner: str | None


@dataclass(frozen=True)
class StreamFigures:
    """What the rules look at, from a readout's snapshot."""

    name: str
    phase: str
    next_phase: str | None
    overdue: bool
    days_in_phase: float
    timebox_days: float | None
    gate_passed: bool
    blocking: tuple[str, ...]
    targets: tuple[TargetFigures, ...] = ()
    open_risks: tuple[RiskFigures, ...] = ()


@dataclass(frozen=True)
class Rated:
    rag: Rag
    reasons: tuple[str, ...] = field(default_factory=tuple)


def target_rag(status: str) -> Rag:
    if status == "off_track":
        return Rag.red
    if status in ("at_risk", "no_data"):
        return Rag.amber
    return Rag.green


def high_risks(figures: StreamFigures) -> list[RiskFigures]:
    return sorted(
        (r for r in figures.open_risks if r.exposure >= HIGH_EXPOSURE),
        key=lambda r: -r.exposure,
    )


def stream_rag(figures: StreamFigures) -> Rated:
    """The stream's colour and every reason for it, worst first."""
    red, amber = [], []
    if figures.overdue:
        red.append(f"{_days(figures.days_in_phase)} in {figures.phase}, past its timebox")
    for target in figures.targets:
        if target.status == "off_track":
            red.append(f"target {target.name} is off track")
        elif target.status == "at_risk":
            amber.append(f"target {target.name} is at risk")
        elif target.status == "no_data":
            amber.append(f"target {target.name} has no measurement yet")
    if not figures.gate_passed:
        amber.append(
            f"the gate to {figures.next_phase or 'the next phase'} is blocked by "
            f"{_count(len(figures.blocking), 'criterion', 'criteria')}"
        )
    for risk in high_risks(figures):
        amber.append(f"risk {risk.title} has exposure {risk.exposure}")
    if red:
        return Rated(Rag.red, tuple(red + amber))
    if amber:
        return Rated(Rag.amber, tuple(amber))
    return Rated(Rag.green, ("on course: the gate passes, no target is behind",))


def decisions(figures: StreamFigures) -> list[str]:
    """What the steering meeting has to decide about this stream, most pressing first."""
    needed = []
    if figures.overdue and figures.timebox_days is not None:
        needed.append(
            f"{figures.name} has been in {figures.phase} for {_days(figures.days_in_phase)}, "
            f"past its timebox of {_days(figures.timebox_days)}: extend the timebox, move on, "
            "or stop"
        )
    for target in figures.targets:
        if target.status == "off_track":
            needed.append(f"Target {target.name} is off track ({target.reason}): change course "
                          "or the target")  # fmt: skip
    if not figures.gate_passed and figures.blocking:
        needed.append(
            f"The gate to {figures.next_phase or 'the next phase'} is blocked by "
            f"{', '.join(figures.blocking)}: who unblocks it, by when"
        )
    for risk in high_risks(figures):
        owner = f" (owner: {risk.owner})" if risk.owner else " (no owner)"
        needed.append(f"Risk {risk.title}, exposure {risk.exposure} of 25{owner}: accept, "
                      "mitigate or escalate")  # fmt: skip
    return needed


def _days(days: float) -> str:
    rounded = round(days)
    return "1 day" if rounded == 1 else f"{rounded} days"


def _count(n: int, one: str, many: str) -> str:
    return f"1 {one}" if n == 1 else f"{n} {many}"


def portfolio_rag(*, overdue: bool, blocking: int, target_counts: dict[str, int]) -> Rated:
    """A portfolio row's colour by the same rule, from its counts (a row does not list its
    risks, so they are left to the stream's own readout)."""
    red, amber = [], []
    if overdue:
        red.append("past its timebox")
    if target_counts.get("off_track"):
        red.append(_count(target_counts["off_track"], "target", "targets") + " off track")
    if blocking:
        amber.append("gate blocked by " + _count(blocking, "criterion", "criteria"))
    for status, words_ in (("at_risk", "at risk"), ("no_data", "without data")):
        if target_counts.get(status):
            amber.append(_count(target_counts[status], "target", "targets") + f" {words_}")
    if red:
        return Rated(Rag.red, tuple(red + amber))
    if amber:
        return Rated(Rag.amber, tuple(amber))
    return Rated(Rag.green, ("on course",))
