"""API v2: typed wire types, RFC 9457 problems, ETags and idempotency keys over the same services as v1."""

from app.controllers.api.v2.router import api_v2_router

__all__ = ["api_v2_router"]
