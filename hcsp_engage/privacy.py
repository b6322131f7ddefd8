"""Privacy rules (DESIGN section 7): redaction of free text, small-count suppression, safe exports.

PLACEHOLDER: being implemented; ``redact`` currently returns text unchanged.
"""

from __future__ import annotations


def redact(text: str) -> str:
    return text
