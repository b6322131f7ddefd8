"""Shared by the resident-form tests: what an AppTest run shows as errors, read from the page's HTML."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

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


def widget_keys(at) -> set[str]:
    """Keys of the widgets on the page, and of each tick-box group (its boxes are keyed "<group>__<n>")."""
    kinds = ("radio", "checkbox", "text_input", "text_area", "selectbox", "multiselect", "date_input")
    keys = {element.key for kind in kinds for element in at.get(kind) if getattr(element, "key", None)}
    return keys | {key.split("__")[0] for key in keys if "__" in key}


def page_fields(page_file: str) -> dict[str, tuple[str, str]]:
    """The page's FIELDS (what the error summary calls each field, and where its link goes), read from its
    source: importing a page file would run it."""
    tree = ast.parse(Path(page_file).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "FIELDS" for t in node.targets):
            return ast.literal_eval(_without_markers(node.value))
    raise AssertionError(f"{page_file} has no FIELDS")


def _without_markers(node: ast.expr) -> ast.expr:
    """The expression with each ``N_("text")`` (the translation marker, docs/languages.md) as ``"text"``."""

    class Unwrap(ast.NodeTransformer):
        def visit_Call(self, call: ast.Call) -> ast.AST:
            if getattr(call.func, "id", "") == "N_" and len(call.args) == 1:
                return call.args[0]
            return self.generic_visit(call)

    return Unwrap().visit(node)
