"""An incident: an unhandled error (HTTP 500) worth telling the operators about."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class Incident:
    error_type: str
    message: str
    method: str
    path: str
    user_id: UUID | None
    request_id: str | None
    occurred_at: datetime
    traceback: str
    route: str = ""
    """The route template (`/products/{product_id:uuid}`); empty when no route matched."""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["user_id"] = str(self.user_id) if self.user_id else None
        data["occurred_at"] = self.occurred_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Incident:
        return cls(
            **{
                **data,
                "user_id": UUID(data["user_id"]) if data.get("user_id") else None,
                "occurred_at": datetime.fromisoformat(data["occurred_at"]),
            }
        )

    @property
    def fingerprint(self) -> str:
        """What makes two incidents the same one, for de-duplication: error type and route."""
        return f"{self.error_type} {self.route or self.path}"

    @property
    def subject(self) -> str:
        return f"[INCIDENT] {self.error_type} on {self.path}"

    def body(self) -> str:
        return (
            f"An unhandled error answered a request with HTTP 500.\n\n"
            f"Error type: {self.error_type}\n"
            f"Message:    {self.message}\n"
            f"Method:     {self.method}\n"
            f"Path:       {self.path}\n"
            f"User id:    {self.user_id or 'anonymous'}\n"
            f"Request id: {self.request_id}\n"
            f"Timestamp:  {self.occurred_at.isoformat()}\n\n"
            f"Traceback:\n{self.traceback}\n"
        )


@dataclass(frozen=True)
class IncidentWindow:
    """One incident's de-duplication window once it has ended: its first occurrence and how many there were."""

    first: Incident
    occurrences: int
    first_mailed: bool

    @property
    def unmailed(self) -> int:
        """Occurrences no e-mail has told anyone about yet."""
        return self.occurrences - (1 if self.first_mailed else 0)

    @property
    def subject(self) -> str:
        return f"[INCIDENT] {self.first.error_type} on {self.first.route or self.first.path}: {self.occurrences} times"

    def body(self, window_seconds: int) -> str:
        told = (
            "The first was mailed on its own; these are the repeats."
            if self.first_mailed
            else "None was mailed before (the per-minute cap was reached)."
        )
        return (
            f"The same unhandled error happened {self.occurrences} times within {window_seconds} s "
            f"of {self.first.occurred_at.isoformat()}. {told}\n\n"
            f"Unmailed occurrences: {self.unmailed}\n\nThe first of them:\n\n{self.first.body()}"
        )
