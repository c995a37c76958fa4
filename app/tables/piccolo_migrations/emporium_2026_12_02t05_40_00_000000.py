"""One-statement functions for what every request or event pays: knowing the user, the outbox's bookkeeping.

`session_context`: the session, its user, the user's groups and flags.

A request used to spend 8 statements on it (two transactions, each BEGIN, set the tenant, SELECT,
COMMIT). A function call outside any transaction is its own transaction: it sets the tenant
transaction-locally (row-level security applies as before: the function runs as its caller, the
application role), reads, renews `last_seen_at` when it is older than the touch interval, and ends.
`enabled_flag_names` is the feature-flag rule, used by this function and by the flags reader.
`outbox_mark_published`: the relay's bookkeeping after enqueueing (was BEGIN, tenant, UPDATE, COMMIT);
`outbox_event` and `outbox_mark_delivered`: the worker's read of an event and its mark once delivered.
Both run as their caller, so row-level security holds inside them.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.tables.piccolo_migrations.sql import CURRENT_TENANT, TENANT_SETTING, sql_migration

ID = "2026-12-02T05:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "session context in one statement"

FORWARDS = f"""
CREATE FUNCTION enabled_flag_names(p_group_ids uuid[]) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(f.name::text ORDER BY f.name COLLATE "C"), '{{}}')
    FROM feature_flag f
    WHERE f.tenant_id = {CURRENT_TENANT} AND f.enabled
      AND (NOT EXISTS (SELECT 1 FROM feature_flag_target x WHERE x.flag_id = f.id)
           OR EXISTS (SELECT 1 FROM feature_flag_target x
                      WHERE x.flag_id = f.id AND x.group_id = ANY(p_group_ids)))
$$;

CREATE FUNCTION session_context(
    p_tenant_id uuid, p_key text, p_idle_seconds int, p_absolute_seconds int, p_touch_after_seconds int,
    p_with_flags boolean
) RETURNS TABLE (data jsonb, rotate_requested boolean, user_id uuid, username text, role text,
                 group_ids uuid[], flags text[])
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    found_session record;
    groups uuid[];
BEGIN
    PERFORM set_config('{TENANT_SETTING}', p_tenant_id::text, true);
    SELECT s.data, s.rotate_requested, s.user_id,
           s.last_seen_at < now() - make_interval(secs => p_touch_after_seconds) AS needs_touch
      INTO found_session
      FROM session s
     WHERE s.id = p_key
       AND s.last_seen_at > now() - make_interval(secs => p_idle_seconds)
       AND s.created_at > now() - make_interval(secs => p_absolute_seconds);
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF found_session.needs_touch THEN
        UPDATE session SET last_seen_at = now() WHERE id = p_key;
    END IF;
    RETURN QUERY
    SELECT found_session.data, found_session.rotate_requested, u.id, u.username::text, u.role::text,
           g.ids, CASE WHEN p_with_flags THEN enabled_flag_names(g.ids) END
      FROM (SELECT 1) AS one
      LEFT JOIN app_user u ON u.id = found_session.user_id AND u.tenant_id = p_tenant_id AND u.is_active
      CROSS JOIN LATERAL (
          SELECT coalesce(array_agg(m.group_id), '{{}}') AS ids
          FROM user_group_member m WHERE m.user_id = u.id AND m.tenant_id = p_tenant_id
      ) AS g;
END
$$;

CREATE FUNCTION outbox_mark_published(p_tenant_id uuid, p_event_ids uuid[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    marked integer;
BEGIN
    PERFORM set_config('{TENANT_SETTING}', p_tenant_id::text, true);
    UPDATE outbox SET published_at = now(), publish_attempts = publish_attempts + 1
     WHERE event_id = ANY(p_event_ids) AND published_at IS NULL;
    GET DIAGNOSTICS marked = ROW_COUNT;
    RETURN marked;
END
$$;

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
"""

BACKWARDS = """
DROP FUNCTION outbox_mark_delivered(uuid, uuid);
DROP FUNCTION outbox_event(uuid, uuid);
DROP FUNCTION outbox_mark_published(uuid, uuid[]);
DROP FUNCTION session_context(uuid, text, int, int, int, boolean);
DROP FUNCTION enabled_flag_names(uuid[]);
"""


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
