"""What a readout shows of a stream's delivery: the spread of every duration, the aging
work in progress now and week by week, and when the work in progress is likely done."""

from typing import Any

from core.exports.snapshots import DeliveryAnalytics
from core.metrics.flow import FlowBucket
from core.metrics.percentiles import Distribution
from plugins.formatting import duration, number
from plugins.readout.wording import when, words

SPREAD_LEVELS = ("p50", "p85", "p95")


def _spread(label: str, what: str, spread: Distribution | None) -> dict[str, Any]:
    """One duration's row: how many were measured, the mean and the percentiles."""
    row: dict[str, Any] = {
        "label": label,
        "what": what,
        "count": spread.count if spread else 0,
        "mean": duration(spread.mean) if spread else "—",
    }
    for level in SPREAD_LEVELS:
        row[level] = duration(getattr(spread, level)) if spread else "—"
    return row


def _spreads(overall: FlowBucket) -> list[dict[str, Any]]:
    states = overall.time_in_state
    return [
        _spread("Flow time", "work items finished, from start to finish", overall.flow_time),
        _spread(
            "Lead time for changes",
            "commits of successful deployments, from commit to deploy",
            overall.lead_time_for_changes,
        ),
        _spread(
            "Time to restore",
            "incidents resolved, from opened to resolved",
            overall.time_to_restore,
        ),
        *(
            _spread(
                f"Time {state}",
                "finished items with state changes",
                getattr(states, state) if states else None,
            )
            for state in ("active", "waiting", "blocked")
        ),
    ]


def _week(bucket: FlowBucket) -> dict[str, Any]:
    aging = bucket.aging
    age = aging.age if aging else None
    flow = bucket.flow_time
    return {
        "week": bucket.start.date().isoformat(),
        "finished": bucket.flow_velocity,
        "flow_p50": duration(flow.p50) if flow else "—",
        "flow_p85": duration(flow.p85) if flow else "—",
        "in_progress": aging.in_progress if aging else bucket.flow_load,
        "over_p85": aging.over_p85 if aging else "—",
        "age_p50": duration(age.p50) if age else "—",
        "age_p85": duration(age.p85) if age else "—",
        "partial": bucket.window_end < bucket.end,
    }


def _age(delivery: DeliveryAnalytics) -> dict[str, Any]:
    report = delivery.work_item_age
    spread = report.age
    return {
        "at": when(report.at),
        "history_start": when(report.history_start),
        "in_progress": report.in_progress,
        "over_p85": report.over_p85,
        **{level: duration(getattr(spread, level)) if spread else "—" for level in SPREAD_LEVELS},
        "by_type": [
            {
                "type": words(t.type),
                "in_progress": t.in_progress,
                "over_p85": t.over_p85,
                "age_p85": duration(t.age.p85) if t.age else "—",
                "flow_p85": duration(t.flow_time.p85) if t.flow_time else "—",
                "finished": t.finished,
            }
            for t in report.by_type
        ],
        "oldest": [
            {
                "id": item.external_id,
                "title": item.title or "",
                "type": words(item.type),
                "age": duration(item.age_seconds),
                "flow_p85": duration(item.type_p85_flow_seconds),
                "over_p85": item.over_p85,
            }
            for item in report.oldest
        ],
    }


def _forecast(delivery: DeliveryAnalytics) -> dict[str, Any]:
    forecast = delivery.forecast
    view: dict[str, Any] = {
        "question": delivery.forecast_question,
        "note": delivery.forecast_note,
        "dates": [],
    }
    if forecast is None:
        return view
    view["dates"] = [
        {
            "confidence": d.confidence,
            "on": d.on.isoformat() if d.on else "not within ten years",
            "days": d.days,
        }
        for d in forecast.when or []
    ]
    view["method"] = forecast.method
    view["basis"] = (
        f"{forecast.trials:,} trials (seed {forecast.seed}) over the daily throughput of "
        f"{forecast.history_start.isoformat()} to the day before {forecast.start.isoformat()}: "
        f"{forecast.history_items} items finished in {forecast.history_days} days"
    )
    return view


def delivery_view(delivery: DeliveryAnalytics | None) -> dict[str, Any] | None:
    """The delivery part of a readout, formatted; None without delivery data."""
    if delivery is None:
        return None
    overall = delivery.overall
    return {
        "start": when(delivery.start),
        "end": when(delivery.end),
        "weeks_count": len(delivery.buckets),
        "method": delivery.median_method,
        "method_key": delivery.percentile_method,
        "finished": overall.flow_velocity,
        "deployments": overall.deployment_count,
        "per_day": number(overall.deployments_per_day, 2),
        "spreads": _spreads(overall),
        "weeks": [_week(b) for b in delivery.buckets],
        "age": _age(delivery),
        "forecast": _forecast(delivery),
    }
