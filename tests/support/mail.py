"""Reading back the e-mails the file adapter wrote (`app.adapters.email.FileEmailSender`)."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path


def sent_mails(directory: Path) -> list[EmailMessage]:
    """The `.eml` files in `directory`, oldest first (their names sort by the time they were written).

    Parsed with the modern policy, so `get_content()` gives the body decoded from its transfer encoding.
    """
    messages: list[EmailMessage] = []
    for path in sorted(directory.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        messages.append(message)
    return messages
