"""Development console tracebacks show the code path, never the values of local variables."""

from __future__ import annotations

import structlog

from app.log_config import console_renderer


def test_console_traceback_does_not_print_local_variables() -> None:
    session_secret = "s3cr3t-session-id-value"
    try:
        raise RuntimeError(f"failed after reading {len(session_secret)} characters")
    except RuntimeError as error:
        exc_info = (type(error), error, error.__traceback__)
    line = console_renderer()(None, "error", {"event": "unhandled_error", "exc_info": exc_info})
    assert "RuntimeError: failed after reading 23 characters" in str(line)
    assert "s3cr3t-session-id-value" not in str(line)


def test_console_renderer_uses_the_plain_formatter() -> None:
    renderer = console_renderer()
    assert renderer._exception_formatter is structlog.dev.plain_traceback
