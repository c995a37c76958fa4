"""The accounts the e2e server is started with: (username, password)."""

ADMIN = ("admin", "admin")
CUSTOMER = ("customer", "customer")

OUTLET = ("outlet", "Emporium Outlet", "outlet.localhost")
"""A second shop (slug, name, host) with the same two accounts: *.localhost is loopback in Chromium."""
