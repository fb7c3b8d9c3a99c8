"""The readout's registers: who leads the engagement, the risks by exposure, the open
action items and parking lot, the lessons learned, and who is responsible for the top of
the backlog."""

from typing import Any

from core.exports.snapshots import ValueStreamSnapshot
from plugins.readout.wording import when, words

TOP_ITEMS_WITH_RACI = 10
LEADING_ROLES = ("sponsor", "champion", "facilitator", "coach", "change_agent")


def _value(value: Any) -> str:
    return str(getattr(value, "value", value))


def _name(snapshot: ValueStreamSnapshot, person_id: Any) -> str:
    person = snapshot.person(person_id)
    return person.name if person else "—"


def register_context(snapshot: ValueStreamSnapshot) -> dict[str, Any]:
    cycle = snapshot.value_stream.cycle
    leaders = sorted(
        (p for p in snapshot.participants if _value(p.role) in LEADING_ROLES),
        key=lambda p: (LEADING_ROLES.index(_value(p.role)), _name(snapshot, p.person_id)),
    )
    risks = sorted(
        (r for r in snapshot.risks if _value(r.status) == "open"),
        key=lambda r: (-r.exposure, r.title),
    )
    open_items = [a for a in snapshot.action_items if _value(a.status) != "done"]
    lessons = [
        d for d in snapshot.deliverables if d.kind == "lessons_learned" and (d.text or d.link)
    ]
    live = [i for i in snapshot.backlog if _value(i.status) not in ("done", "dropped")]
    return {
        "leaders": [
            {
                "name": _name(snapshot, p.person_id),
                "role": words(p.role).capitalize(),
                "kind": words(p.champion_kind) if p.champion_kind else "",
            }
            for p in leaders
        ],
        "risk_register": [
            {
                "title": r.title,
                "likelihood": r.likelihood,
                "impact": r.impact,
                "exposure": r.exposure,
                "owner": _name(snapshot, r.owner_id),
                "mitigation": r.mitigation or "",
            }
            for r in risks
        ],
        "actions": [_action(snapshot, a) for a in open_items if _value(a.kind) == "action"],
        "parking_lot": [
            _action(snapshot, a) for a in open_items if _value(a.kind) == "parking_lot"
        ],
        "lessons": [
            {
                "cycle": d.cycle,
                "title": d.title or "Lessons learned",
                "text": d.text or "",
                "link": d.link,
                "current": d.cycle == cycle,
            }
            for d in sorted(lessons, key=lambda d: -d.cycle)
        ],
        "raci": [
            {
                "title": item.title,
                "status": words(item.status),
                **{
                    role: ", ".join(
                        _name(snapshot, r.person_id) for r in item.raci if _value(r.role) == role
                    )
                    or "—"
                    for role in ("R", "A", "C", "I")
                },
            }
            for item in live[:TOP_ITEMS_WITH_RACI]
        ],
        "raci_more": max(0, len(live) - TOP_ITEMS_WITH_RACI),
    }


def _action(snapshot: ValueStreamSnapshot, item: Any) -> dict[str, Any]:
    return {
        "title": item.title,
        "owner": _name(snapshot, item.owner_id),
        "due": when(item.due_date),
        "overdue": bool(item.overdue),
        "status": words(item.status),
        "cycle": item.cycle,
    }
