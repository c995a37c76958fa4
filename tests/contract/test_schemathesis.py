"""schemathesis against API v2's OpenAPI document: what the document allows, the app answers as documented.

Bounded and deterministic (a few derandomized examples per operation), through the real app on
PostgreSQL and Redis with a logged-in customer's session and CSRF token. Every response must pass
schemathesis' checks: no 5xx, status codes, content types, headers and bodies as documented.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from litestar import Litestar
from litestar.testing import TestClient
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.controllers.api.reference import version_document
from app.domain.users import Role
from app.settings import get_settings

PASSWORD = "schemathesis-password-1"
EXCLUDED_CHECKS: dict[str, list[Any]] = {
    # An address the schema allows (any strings) may still be one the address check refuses with a
    # 422 naming each field (blank, unknown state, malformed postal code): a domain rule, with its
    # own messages, that a JSON Schema cannot state. Every other check still runs on this operation.
    "v2PlaceOrder": [positive_data_acceptance],
}


@pytest.fixture
def v2_schema(app: Litestar) -> Any:
    return schemathesis.openapi.from_dict(version_document(app.openapi_schema.to_schema(), "v2"))


@pytest.fixture
def customer_client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    """The app on its own loop (Litestar's sync client), logged in as a customer through v2's session call."""
    with TestClient(app=app, base_url="http://127.0.0.1:8000") as client:
        client.follow_redirects = False
        auth = app.state.container.auth
        tenant_id = get_settings().app.default_tenant_id
        client.blocking_portal.call(auth.ensure_user, tenant_id, "sam", PASSWORD, Role("customer"))
        yield client


def log_in(client: TestClient[Litestar]) -> None:
    login = client.post("/api/v2/session", json={"username": "sam", "password": PASSWORD})
    assert login.status_code == 200, login.text
    client.headers["X-CSRFToken"] = login.json()["csrf_token"]


EXAMPLES = settings(
    max_examples=8,
    derandomize=True,  # the same examples on every run: a failure here is reproducible
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def test_api_v2_answers_as_its_openapi_document_says(v2_schema: Any, customer_client: TestClient[Litestar]) -> None:
    # One app and one session for every operation (schemathesis' pytest loader, `from_fixture`,
    # does not run on pytest 9's nodes), so each operation's examples run here, one after another.
    failures: list[str] = []
    sent: list[str] = []
    operations = [result.ok() for result in v2_schema.get_all_operations()]
    assert len(operations) >= 11
    for operation in operations:
        log_in(customer_client)  # again: the examples of `DELETE /api/v2/session` log the session out

        @EXAMPLES
        @given(case=operation.as_strategy())
        def answers_as_documented(case: Any) -> None:
            sent.append(case.operation.label)
            send_and_validate(case, customer_client)

        try:
            answers_as_documented()
        except (Exception, BaseExceptionGroup) as error:  # the checks that failed, each with a curl line
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
    assert set(sent) == {operation.label for operation in operations}


def send_and_validate(case: Any, client: TestClient[Litestar]) -> None:
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url))
    response = client.request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params"),
        headers={**client.headers, **(kwargs.get("headers") or {})},
        json=kwargs.get("json"),
        content=kwargs.get("data"),
    )
    operation_id = case.operation.definition.raw.get("operationId")
    case.validate_response(response, excluded_checks=EXCLUDED_CHECKS.get(operation_id, []))
