"""Product pictures and descriptions: the uploaded image's size, which image the thumbnails were made for."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.tables.piccolo_migrations.sql import sql_migration

ID = "2026-12-02T05:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "product description and image size"

# New columns of a table with row-level security: the tenant_isolation policy covers them as is.
# `thumbnails_key` is written by the worker alone (never by the aggregate's save): the thumbnails
# are ready when it equals `image_key`, so a new upload makes them "not ready" without a second write.
FORWARDS = """
ALTER TABLE product
    ADD COLUMN description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    ADD COLUMN image_width integer CHECK (image_width > 0),
    ADD COLUMN image_height integer CHECK (image_height > 0),
    ADD COLUMN thumbnails_key varchar(100);
"""

BACKWARDS = """
ALTER TABLE product
    DROP COLUMN thumbnails_key,
    DROP COLUMN image_height,
    DROP COLUMN image_width,
    DROP COLUMN description;
"""


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
