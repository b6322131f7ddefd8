"""Shared by the resident-form tests: what an AppTest run shows as errors, read from the page's HTML."""

from __future__ import annotations

import html
import re

_ENTRY = re.compile(r'<li>(?:<a href="#[^"]*" data-hcsp-target="([^"]*)">)?(.*?)(?:</a>)?</li>', re.S)


def field_errors(at) -> list[str]:
    """Messages shown beside fields (ui.field_error renders them as html, after a hidden "Error:")."""
    return [html.unescape(e.proto.body) for e in at.get("html") if 'class="hcsp-field-error"' in e.proto.body]


def error_summary(at) -> list[tuple[str, str]]:
    """The error summary's entries, top to bottom: (text, keys of the widgets its link moves to)."""
    bodies = [e.proto.body for e in at.get("html") if 'class="hcsp-error-summary"' in e.proto.body]
    assert len(bodies) <= 1, "one error summary per page"
    if not bodies:
        return []
    assert "There is a problem" in bodies[0]
    return [(html.unescape(text), html.unescape(targets)) for targets, text in _ENTRY.findall(bodies[0])]
