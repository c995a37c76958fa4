"""The checkout form's one-time token moves to the idempotency records: `customer_order.checkout_token` goes.

The form's token is now an idempotency key like API v2's (docs/patterns/idempotency-keys.md): its
record commits with the order and is kept 24 h. The column and its unique index
(`customer_order_checkout_token_key`) were a second way to say "this form placed this order".
Dropping the column drops the index with it.

Deploy it with the code that stops writing the column (migrate, then start the new processes, as
`make run` and docker-compose do): code from before this migration inserts the column and would fail.
A form rendered before the deploy and resubmitted after it finds no record; its first submit
emptied the cart, so the repeat is refused as an empty cart rather than placing a second order.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.tables.piccolo_migrations.sql import sql_migration

ID = "2026-12-02T18:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "checkout token as an idempotency key"

FORWARDS = """
ALTER TABLE customer_order DROP COLUMN checkout_token;
"""

# The tokens themselves are not restored: orders placed since have none, as orders from the API never had.
BACKWARDS = """
ALTER TABLE customer_order ADD COLUMN checkout_token uuid;
CREATE UNIQUE INDEX customer_order_checkout_token_key ON customer_order (tenant_id, user_id, checkout_token)
    WHERE checkout_token IS NOT NULL;
"""


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
