"""E-mail adapters: SMTP for real use, `.eml` files for development and tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import aiosmtplib


def _message(sender: str, recipients: Sequence[str], subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="emporium.local")
    message.set_content(body)
    return message


class FileEmailSender:
    """Writes each message to `<directory>/<UTC time>-<id>.eml`: open it in a mail client, or read it in a test."""

    def __init__(self, directory: Path, sender: str) -> None:
        self._directory = directory
        self._sender = sender

    async def send(self, *, recipients: Sequence[str], subject: str, body: str) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        message = _message(self._sender, recipients, subject, body)
        name = f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}-{uuid.uuid4().hex[:8]}.eml"  # sorts by time
        (self._directory / name).write_bytes(bytes(message))


class SmtpEmailSender:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str = "",
        password: str = "",
        start_tls: bool = True,
        timeout: float = 15.0,
    ) -> None:
        self._host, self._port, self._sender = host, port, sender
        self._username, self._password = username or None, password or None
        self._start_tls, self._timeout = start_tls, timeout

    async def send(self, *, recipients: Sequence[str], subject: str, body: str) -> None:
        await aiosmtplib.send(
            _message(self._sender, recipients, subject, body),
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=self._password,
            start_tls=self._start_tls,
            timeout=self._timeout,
        )
