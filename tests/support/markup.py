"""Reading the HTML the pages answer with, as the tests look at it."""

from __future__ import annotations

import re


def element_by_id(page: str, element_id: str) -> str:
    """The markup of the element with this id, from its start tag to its matching end tag.

    Elements of the same kind nested inside (a list in a card that is a list item) are counted,
    so the whole element comes back, not the text up to the first inner end tag.
    """
    start = re.search(rf'<(\w+)\b[^>]*\bid="{re.escape(element_id)}"', page)
    assert start, f"no #{element_id} in the page"
    tag, depth = start.group(1), 0
    for tag_match in re.finditer(rf"<(/?){tag}\b[^>]*>", page[start.start() :]):
        depth += -1 if tag_match.group(1) else 1
        if depth == 0:
            return page[start.start() : start.start() + tag_match.end()]
    raise AssertionError(f"#{element_id} is never closed")


def field_error(page: str, field: str) -> str:
    """The message in a form field's error slot (`<p class="field-error" id="error-FIELD">`)."""
    match = re.search(rf'id="error-{re.escape(field)}"[^>]*>([^<]*)<', page)
    assert match, f"no error slot for {field}"
    return match.group(1)
