"""Handler dependencies resolved one after another, not in an anyio task group per request.

Litestar resolves the dependencies of one level of a handler's dependency graph concurrently
(`KwargsModel.resolve_dependencies`: an anyio task group, one task per dependency) whenever a level
has more than one, which every handler here has (`user` and a service at least). Ours do no I/O
worth overlapping: the services are singletons (`Provide(lambda: service)`), `user` reads the scope,
`payload` reads the one request body. The task group, its tasks and cancel scopes were about a
tenth of a JSON list request's CPU (bench/inprocess.py's profile, docs/performance.md), so
`resolve_dependencies_in_turn()` replaces it with the same resolution in turn: the same batches in
the same order, each dependency given the values of the batches before it, the first exception
raised as it is (the task group re-raised the first one of its group).

Litestar is pinned (pyproject.toml); tests/unit/test_dependencies.py checks that the method it
replaces still has the signature it expects, so an upgrade that changes it fails there first.
"""

from __future__ import annotations

from typing import Any

from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.connection import ASGIConnection

LITESTAR_RESOLVE = KwargsModel.resolve_dependencies


async def _resolve_in_turn(
    self: KwargsModel, connection: ASGIConnection[Any, Any, Any, Any], kwargs: dict[str, Any]
) -> DependencyCleanupGroup:
    cleanup_group = DependencyCleanupGroup()
    for batch in self.dependency_batches:
        for dependency in batch:
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


def resolve_dependencies_in_turn() -> None:
    """Install the sequential resolution for every Litestar app of this process (idempotent)."""
    KwargsModel.resolve_dependencies = _resolve_in_turn  # type: ignore[method-assign]
