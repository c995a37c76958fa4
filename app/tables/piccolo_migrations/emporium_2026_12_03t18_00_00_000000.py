"""One commit's events travel in one delivery job: `outbox.batch_id`, and the worker's reads and marks by batch.

A unit of work writes its events in one statement; the relay now enqueues one job for all of them,
keyed by the first event (`event:<batch_id>`), instead of one job per event. `batch_id` names that
first event on every row of the commit, so the sweeper can tell from a row which job carries it.
It is NULL on rows written before this migration: each of those was published as its own job, so
its batch is itself (`coalesce(batch_id, event_id)`). Backfilling instead would rewrite every
outbox row in one transaction, and a web process of the previous release still inserting rows
without the column would fail a sale.

`outbox_events` and `outbox_mark_delivered` take the batch's event ids (they took one): the worker
reads the batch in one statement and marks it delivered in one. Like the functions they replace,
they set the tenant for their own implicit transaction and run as their caller, so row-level
security holds inside them.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.tables.piccolo_migrations.sql import TENANT_SETTING, sql_migration

ID = "2026-12-03T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox batches"

FORWARDS = f"""
ALTER TABLE outbox ADD COLUMN batch_id uuid;
COMMENT ON COLUMN outbox.batch_id IS
    'The first event of the commit that wrote this row: its delivery job is keyed event:<batch_id>. NULL: itself.';

DROP FUNCTION outbox_event(uuid, uuid);
DROP FUNCTION outbox_mark_delivered(uuid, uuid);

CREATE FUNCTION outbox_events(p_tenant_id uuid, p_event_ids uuid[]) RETURNS SETOF audit_log
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('{TENANT_SETTING}', p_tenant_id::text, true);
    RETURN QUERY SELECT * FROM audit_log WHERE event_id = ANY(p_event_ids)
                 ORDER BY array_position(p_event_ids, event_id);
END
$$;

CREATE FUNCTION outbox_mark_delivered(p_tenant_id uuid, p_event_ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('{TENANT_SETTING}', p_tenant_id::text, true);
    UPDATE outbox SET delivered_at = now() WHERE event_id = ANY(p_event_ids);
END
$$;
"""

BACKWARDS = f"""
DROP FUNCTION outbox_mark_delivered(uuid, uuid[]);
DROP FUNCTION outbox_events(uuid, uuid[]);

CREATE FUNCTION outbox_event(p_tenant_id uuid, p_event_id uuid) RETURNS SETOF audit_log
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('{TENANT_SETTING}', p_tenant_id::text, true);
    RETURN QUERY SELECT * FROM audit_log WHERE event_id = p_event_id;
END
$$;

CREATE FUNCTION outbox_mark_delivered(p_tenant_id uuid, p_event_id uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('{TENANT_SETTING}', p_tenant_id::text, true);
    UPDATE outbox SET delivered_at = now() WHERE event_id = p_event_id;
END
$$;

ALTER TABLE outbox DROP COLUMN batch_id;
"""


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
