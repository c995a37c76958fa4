"""docs/api/v2.md served as HTML: the migration guide that v1's `Link: rel="deprecation"` points to.

The page is rendered from the document itself (its "Migrating from v1" section, by markdown-it-py
in CommonMark mode plus tables), so what a v1 client is sent to and what the repository says cannot
drift. The document is read once per process; the Dockerfile copies it into the image.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from markdown_it import MarkdownIt

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api" / "v2.md"
MIGRATION_HEADING = "## Migrating from v1"


@cache
def migration_guide_html() -> str:
    """The section from its heading to the next `## ` heading, as HTML (raw HTML in it is escaped)."""
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index(MIGRATION_HEADING)
    end = text.find("\n## ", start + len(MIGRATION_HEADING))
    section = text[start : end if end != -1 else len(text)]
    return str(MarkdownIt("commonmark", {"html": False}).enable("table").render(section))
