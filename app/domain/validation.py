"""Validate several inputs at once, so a form can show every field's error together."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.domain.errors import ValidationError


def validate_fields(**checks: Callable[[], Any]) -> dict[str, Any]:
    """Run every check; return the values, or raise one ValidationError naming every failed field."""
    values: dict[str, Any] = {}
    errors: list[ValidationError] = []
    for name, check in checks.items():
        try:
            values[name] = check()
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError.combine(errors)
    return values
