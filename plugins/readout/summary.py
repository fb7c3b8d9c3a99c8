"""The readout's executive summary: red, amber or green with the reasons, the decisions
the steering meeting has to take, and what changed since the last delivered readout."""

from collections.abc import Callable
from typing import Any

from core.exports.readout_figures import changes, figures_of
from core.exports.snapshots import ValueStreamSnapshot
from core.metrics.rag import RAG_RULE, decisions, stream_rag, target_rag
from plugins.readout.wording import STATUS_LABELS, when, words

RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green"}


def summary_context(
    snapshot: ValueStreamSnapshot,
    targets: list[dict[str, Any]],
    duration: Callable[[float], str],
) -> dict[str, Any]:
    """`targets` are the readout's target rows (their labels); `duration` writes a lead time
    as the rest of the readout does."""
    figures = figures_of(snapshot)
    rules = figures.for_rules()
    rated = stream_rag(rules)
    previous = snapshot.previous_readout
    return {
        "rag": rated.rag.value,
        "rag_label": RAG_LABELS[rated.rag.value],
        "reasons": list(rated.reasons),
        "targets": [
            {
                "label": t["label"],
                "rag": target_rag(t["status"]).value,
                "rag_label": RAG_LABELS[target_rag(t["status"]).value],
                "status": STATUS_LABELS.get(t["status"], words(t["status"])),
                "reason": t["reason"],
            }
            for t in targets
        ],
        "decisions": decisions(rules),
        "since": when(previous.at) if previous else None,
        "changes": changes(previous, figures, duration) if previous else [],
        "rule": RAG_RULE,
    }
