"""Templates hold nothing the Content-Security-Policy refuses: no inline script, handler, style or eval."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).resolve().parents[2] / "app" / "templates").rglob("*.html"))
REFUSED = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "inline event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "hx-on (compiled with eval)": re.compile(r"\b(?:hx|data-hx)-on", re.IGNORECASE),
    "js: values (eval)": re.compile(r"hx-(?:vals|headers)=['\"]\s*(?:js|javascript):", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def event_filters(text: str) -> list[str]:
    """Triggers such as `input[target.type!='checkbox']`: a bracket right after the event's name."""
    triggers = re.findall(r"hx-trigger=\"([^\"]*)\"", text)
    parts = [part for value in triggers for part in value.split(",")]
    return [part for part in parts if re.match(r"\s*(?:every\s+\S+?|[\w:.-]+)\[", part)]


def test_the_filter_check_tells_a_filter_from_a_target_selector():
    assert event_filters("hx-trigger=\"input[target.type!=='checkbox'] changed, submit\"")
    assert event_filters('hx-trigger="every 60s[ready], submit"')
    assert not event_filters('hx-trigger="change target:input[type=checkbox], submit"')


def test_the_templates_are_found():
    assert len(TEMPLATES) > 20


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_a_template_holds_nothing_the_content_security_policy_refuses(template: Path):
    text = template.read_text()

    found = {what: pattern.findall(text) for what, pattern in REFUSED.items()}
    found["htmx [filter] (compiled with eval)"] = event_filters(text)

    assert {what: hits for what, hits in found.items() if hits} == {}
