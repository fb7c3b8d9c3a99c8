"""Readouts for leaders: a value stream's or the portfolio's status in HTML, Markdown and PDF.

A value stream readout tells where the engagement stands (phase, cycle, gate), shows the
current and the chosen desired-state map as pictures (side by side when they fit at half
width), compares their metrics, lists the costliest waste, the backlog by milestone with
owners and progress, every target with a chart of its measurements, and the recent history.

The HTML is one self-contained file (inline CSS and SVG, no external address), so it
can be mailed or archived; the PDF is that same HTML laid out by WeasyPrint; the
Markdown carries the same facts as tables, for wikis and chat. Templates live in
``plugins/templates`` and escape everything by default: names come from users.

This package is the plugin registered as ``readout``, so it carries the hook
implementation of ``hooks`` (the three formats). The rest is what they render with:
``wording`` (labels and how values are written), ``charts`` (target charts and
sparklines), ``context`` (what a template shows, built from a snapshot), ``templating``
(the Jinja environment) and one module per format (``html``, ``markdown``, ``pdf``).
The maps are drawn by the map picture's public ``map_svg_parts``.
"""

from plugins.readout.hooks import register_exporters

__all__ = ["register_exporters"]
