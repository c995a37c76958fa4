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
