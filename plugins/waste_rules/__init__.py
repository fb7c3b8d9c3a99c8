"""The built-in waste classifier: explainable rules over a map's numbers.

The package is the plugin registered under the name ``waste_rules`` (``core/plugins.py``
lists it like an entry point would name it), so it carries the hook implementations of
``hooks``; the rest is what they call: ``thresholds`` (the tunable numbers and how the
classifier config is read), ``rules`` (one pure function per pattern of waste),
``evidence`` (how a rule writes its numbers and weekly cost) and ``classifier`` (every
rule over a map, merged into one finding per category and target).
"""

from plugins.waste_rules.hooks import check_config, classify_waste

__all__ = ["check_config", "classify_waste"]
