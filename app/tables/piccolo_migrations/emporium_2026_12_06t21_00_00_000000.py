"""The relay's mark moves into the commit: rows are written published, and unmarked only if Redis refuses the job.

A unit of work with a relay now writes its outbox rows with `published_at` and one publish attempt
(one statement and one commit fewer per operation: the mark after every enqueue is gone).
`outbox_mark_unpublished` undoes that for a batch whose job Redis did not take, so the dashboard and
the sweeper see it waiting, as before. A process that dies between the commit and the enqueue
leaves its rows marked published with no job: the sweeper's lost-job check (published, undelivered,
no job in Redis after the grace period) enqueues them, as it does for jobs a Redis restart lost.

`outbox_mark_published` stays for web processes of the previous release during a rolling deploy;
nothing in this release calls it, and the next migration that touches the outbox may drop it.
Like the other outbox functions, the new one sets the tenant for its own implicit transaction and
runs as its caller, so row-level security holds inside it.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.tables.piccolo_migrations.sql import TENANT_SETTING, sql_migration

ID = "2026-12-06T21:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox rows written published"

FORWARDS = f"""
CREATE FUNCTION outbox_mark_unpublished(p_tenant_id uuid, p_event_ids uuid[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    marked integer;
BEGIN
    PERFORM set_config('{TENANT_SETTING}', p_tenant_id::text, true);
    UPDATE outbox SET published_at = NULL, publish_attempts = greatest(publish_attempts - 1, 0)
     WHERE event_id = ANY(p_event_ids) AND published_at IS NOT NULL AND delivered_at IS NULL;
    GET DIAGNOSTICS marked = ROW_COUNT;
    RETURN marked;
END
$$;
"""

BACKWARDS = """
DROP FUNCTION outbox_mark_unpublished(uuid, uuid[]);
"""


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
