"""structlog configuration: JSON lines in production and tests, pretty console in development.

Every line carries the context bound for the current request or job (request_id, user_id,
tenant_id) through structlog's contextvars. Library logs (stdlib `logging`) go through the
same processors, so the output is one format.
"""

from __future__ import annotations

import logging
import sys

import structlog

from app.settings import Settings


def configure_logging_from(settings: Settings) -> None:
    fmt = settings.log.format or ("console" if settings.app.is_development else "json")
    configure_logging(level=settings.log.level, json_output=fmt == "json")


def console_renderer() -> structlog.dev.ConsoleRenderer:
    """Pretty lines for development, with plain tracebacks: the default formatter (rich, or
    better-exceptions when installed) prints every frame's local variables, session ids and CSRF
    secrets among them."""
    return structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)


def configure_logging(*, level: str = "INFO", json_output: bool = True) -> None:
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = structlog.processors.JSONRenderer() if json_output else console_renderer()
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    final: list[structlog.types.Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if json_output:
        final.append(structlog.processors.format_exc_info)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(processors=[*final, renderer], foreign_pre_chain=shared))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # uvicorn installs its own handlers; route its lines through ours so every line is one format.
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    for noisy in ("uvicorn.access", "saq"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
