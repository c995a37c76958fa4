"""Domain errors: each has a stable machine `code` and a message a person understands.

They are mapped to HTTP statuses in exactly one place (`app.web.refusals`).
"""

from __future__ import annotations

from uuid import UUID


class DomainError(Exception):
    code: str = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(DomainError):
    """Input breaks a rule of the domain; `field` names the input at fault."""

    code = "validation_error"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.errors: dict[str, str] = {field: message}
        """Every field at fault (forms show them all); `field`/`message` name the first."""

    @classmethod
    def combine(cls, errors: list[ValidationError]) -> ValidationError:
        combined = cls(errors[0].field, errors[0].message)
        combined.errors = {}
        for error in errors:
            combined.errors.update({k: v for k, v in error.errors.items() if k not in combined.errors})
        return combined


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """The request is well formed but clashes with the current state."""

    code = "conflict"


class PermissionDenied(DomainError):
    """The caller's role may not do `action`; the message is `reason`, in words for a person (API v1
    words it as the original did, naming the action: `app.controllers.api.v1.errors`)."""

    code = "permission_denied"

    def __init__(self, action: str, reason: str) -> None:
        super().__init__(reason)
        self.action = action
        self.reason = reason


class AuthenticationRequired(DomainError):
    code = "authentication_required"

    def __init__(self) -> None:
        super().__init__("Authentication required")


class InvalidCredentials(DomainError):
    code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__("Invalid username or password")


class ProductNotFound(NotFound):
    code = "product_not_found"

    def __init__(self, product_id: UUID | str) -> None:
        super().__init__(f"Product with ID '{product_id}' not found")
        self.product_id = product_id


class DuplicateProductName(ValidationError):
    code = "duplicate_product_name"

    def __init__(self, name: str) -> None:
        super().__init__("name", f"A product named '{name}' already exists")


class ProductAlreadyDeleted(Conflict):
    code = "product_already_deleted"

    def __init__(self, product_id: UUID) -> None:
        super().__init__("Product is already deleted")
        self.product_id = product_id


class ProductNotDeleted(Conflict):
    code = "product_not_deleted"

    def __init__(self, product_id: UUID) -> None:
        super().__init__("Product is not deleted")
        self.product_id = product_id


class InsufficientStock(Conflict):
    code = "insufficient_stock"

    def __init__(self, product_id: UUID, product_name: str, requested: int, available: int) -> None:
        super().__init__(f"Insufficient stock for '{product_name}': requested {requested}, available {available}")
        self.product_id = product_id
        self.product_name = product_name
        self.requested = requested
        self.available = available


class StaleVersion(Conflict):
    """Optimistic concurrency: the aggregate changed since the caller read it."""

    code = "stale_version"

    def __init__(self, aggregate: str, aggregate_id: UUID) -> None:
        super().__init__(f"This {aggregate} was changed by someone else; reload and try again")
        self.aggregate = aggregate
        self.aggregate_id = aggregate_id


class StockContention(Conflict):
    """Optimistic stock locking lost the race for a product every time it tried: the shopper may try again."""

    code = "stock_contention"

    def __init__(self, product_id: UUID) -> None:
        super().__init__("Many shoppers are buying this product right now; please try again in a moment")
        self.product_id = product_id
