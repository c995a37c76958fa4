"""The SAQ job queue on Redis."""

from __future__ import annotations

from saq import Queue


def build_queue(redis_url: str, name: str) -> Queue:
    return Queue.from_url(redis_url, name=name)
