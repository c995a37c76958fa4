"""Handler dependencies resolved in turn (app.web.dependencies): the same values and errors as Litestar's own."""

from __future__ import annotations

import inspect

from litestar import Litestar, get
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.di import Provide
from litestar.testing import TestClient

from app.web.dependencies import LITESTAR_RESOLVE, resolve_dependencies_in_turn


def test_the_replaced_method_still_has_the_signature_the_replacement_implements() -> None:
    assert list(inspect.signature(LITESTAR_RESOLVE).parameters) == ["self", "connection", "kwargs"]
    assert "dependency_batches" in KwargsModel.__slots__


def _app() -> Litestar:
    async def first() -> int:
        return 1

    def second() -> int:
        return 2

    async def third(first: int, second: int) -> int:  # the next batch: sees the values of the first
        return first + second

    async def broken() -> int:
        raise ValueError("no value")

    @get("/sum", sync_to_thread=False)
    def total(first: int, second: int, third: int) -> dict[str, int]:
        return {"first": first, "second": second, "third": third}

    @get("/broken", sync_to_thread=False)
    def fails(first: int, broken: int) -> int:
        return broken

    return Litestar(
        [total, fails],
        dependencies={
            "first": Provide(first),
            "second": Provide(second, sync_to_thread=False),
            "third": Provide(third),
            "broken": Provide(broken),
        },
        exception_handlers={ValueError: lambda _, error: _json_error(error)},
    )


def _json_error(error: Exception) -> object:
    from litestar import Response

    return Response({"error": str(error)}, status_code=418)


def test_every_batch_is_resolved_in_order_and_a_failure_is_raised_as_it_is() -> None:
    resolve_dependencies_in_turn()
    assert KwargsModel.resolve_dependencies is not LITESTAR_RESOLVE
    with TestClient(_app()) as client:
        assert client.get("/sum").json() == {"first": 1, "second": 2, "third": 3}
        broken = client.get("/broken")
    assert broken.status_code == 418
    assert broken.json() == {"error": "no value"}
