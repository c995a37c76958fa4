"""The accounts the e2e server is started with: (username, password)."""

ADMIN = ("admin", "admin")
CUSTOMER = ("customer", "customer")
