"""The hook implementations of the ``waste_rules`` plugin: all the service calls.

They are what a third-party classifier writes too (see ``docs/plugins.md``): plain
functions marked with the ``vsm`` hook marker, taking the hook's arguments by name.
"""

from collections.abc import Mapping
from typing import Any

from core.hookspecs import hookimpl
from core.maps.flowmap import FlowMap
from core.waste.vocabulary import WasteSuggestion
from plugins.waste_rules.classifier import classify
from plugins.waste_rules.thresholds import CONFIG_KEY, load_thresholds


@hookimpl
def classify_waste(flow_map: FlowMap, config: Mapping[str, Any] | None) -> list[WasteSuggestion]:
    """The hook reads its thresholds on every call, so a config error names itself at once."""
    return classify(flow_map, load_thresholds(config))


@hookimpl
def check_config(config: Mapping[str, Any]) -> None:
    """An organization's thresholds are refused when stored, not at its next classify."""
    load_thresholds({CONFIG_KEY: config})
