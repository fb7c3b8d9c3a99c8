"""The readout's view of what the backlog has done and when the rest will be: each done
item's expected effects beside the changes measured, and the backlog's forecast."""

from typing import Any

from core.backlog.effects import EffectStatus, ItemEffects, RealisedEffect
from core.exports.snapshots import BacklogOutlook, ValueStreamSnapshot
from plugins.formatting import number
from plugins.readout.wording import METRIC_LABELS, when, words

EFFECT_STATUS_LABELS = {
    EffectStatus.measured: "measured",
    EffectStatus.not_done: "not done",
    EffectStatus.done_date_unknown: "done, date unknown",
    EffectStatus.awaiting_data: "awaiting data",
    EffectStatus.no_data: "no data",
    EffectStatus.not_measurable: "not measurable",
}


def _signed(value: float | None, unit: str | None) -> str:
    if value is None:
        return "—"
    sign = "+" if value > 0 else "-" if value < 0 else "±"
    return f"{sign}{number(abs(value), 2)}{f' {unit}' if unit else ''}"


def _plain(value: float | None, unit: str | None) -> str:
    return "—" if value is None else f"{number(value, 2)}{f' {unit}' if unit else ''}"


def _effect_row(effect: RealisedEffect) -> dict[str, Any]:
    share = effect.share_of_expected
    return {
        "metric": METRIC_LABELS.get(effect.metric, words(effect.metric).capitalize()),
        "expected": _signed(effect.expected_change, effect.unit),
        "before": _plain(effect.before, effect.unit),
        "after": _plain(effect.after, effect.unit),
        "realised": _signed(effect.change, effect.unit),
        "share": "—" if share is None else f"{number(share * 100, 0)} % of expected",
        "status": EFFECT_STATUS_LABELS[effect.status],
        "status_key": effect.status.value,
        "reason": effect.reason,
        "note": effect.note,
    }


def _item_row(item: ItemEffects) -> dict[str, Any]:
    return {
        "title": item.title,
        "done": when(item.done_at),
        "effects": [_effect_row(e) for e in item.effects],
    }


def _outlook(outlook: BacklogOutlook | None) -> dict[str, Any] | None:
    if outlook is None:
        return None
    found = outlook.forecast
    if found is None:
        return {"reason": outlook.reason, "when": []}
    return {
        "reason": None,
        "remaining": found.remaining,
        "history_days": found.history_days,
        "history_items": found.history_items,
        "history_start": when(found.history_start),
        "start": when(found.start),
        "trials": number(found.trials, 0),
        "when": [
            {
                "confidence": w.confidence,
                "on": when(w.on) if w.on else "not within the horizon",
                "days": w.days,
            }
            for w in found.when or []
        ],
    }


def effects_context(snapshot: ValueStreamSnapshot) -> dict[str, Any]:
    """What the backlog's effects and forecast section shows."""
    first = snapshot.backlog_effects[0] if snapshot.backlog_effects else None
    return {
        "backlog_effects": [_item_row(i) for i in snapshot.backlog_effects],
        "effects_window_days": first.window_days if first else None,
        "backlog_outlook": _outlook(snapshot.backlog_outlook),
    }
