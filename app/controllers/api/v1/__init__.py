"""API v1: the original application's JSON API, frozen and deprecated (api-v1.md, patterns.md §5).

One module per resource family (auth, products, cart, orders, coupons, flags, groups, users,
operations) holds thin controllers: parse the v1 input (`parsing`), call one service, render the
v1 shape (`serializers`, into the typed bodies of `wire`; `openapi` documents the request
bodies). `errors` maps domain errors to v1's statuses and bodies, `conventions`
applies §1's global rules, and `router` mounts it all at `/api/v1`
(`app.web.api_versions.UnversionedApiPaths` routes `/api/…` there).
"""

from app.controllers.api.v1.router import api_v1_router

__all__ = ["api_v1_router"]
