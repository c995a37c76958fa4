"""Text that PostgreSQL can store: no NUL characters, no lone surrogates (invalid UTF-8)."""

from __future__ import annotations


def is_storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def storable(text: str) -> str:
    """The text without the characters PostgreSQL refuses (for lookups and searches, never for saving)."""
    return text.replace("\x00", "").encode("utf-8", "ignore").decode("utf-8")
