"""User groups, their members, feature flags and the groups they target."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.tables.piccolo_migrations.sql import sql_migration

ID = "2026-11-26T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "groups and feature flags"

FORWARDS = """
CREATE TABLE user_group (
    id           uuid PRIMARY KEY,
    tenant_id    uuid         NOT NULL REFERENCES tenant (id),
    name         varchar(100) NOT NULL,
    description  varchar(500) NOT NULL DEFAULT '',
    created_at   timestamptz  NOT NULL DEFAULT now(),
    version      integer      NOT NULL DEFAULT 1,
    UNIQUE (tenant_id, name)
);

CREATE TABLE user_group_member (
    group_id   uuid        NOT NULL REFERENCES user_group (id) ON DELETE CASCADE,
    user_id    uuid        NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    tenant_id  uuid        NOT NULL REFERENCES tenant (id),
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX user_group_member_user_idx ON user_group_member (user_id);

CREATE TABLE feature_flag (
    id           uuid PRIMARY KEY,
    tenant_id    uuid         NOT NULL REFERENCES tenant (id),
    name         varchar(100) NOT NULL,
    enabled      boolean      NOT NULL DEFAULT false,
    description  varchar(500) NOT NULL DEFAULT '',
    created_at   timestamptz  NOT NULL DEFAULT now(),
    updated_at   timestamptz  NOT NULL DEFAULT now(),
    version      integer      NOT NULL DEFAULT 1,
    UNIQUE (tenant_id, name)
);

CREATE TABLE feature_flag_target (
    flag_id    uuid NOT NULL REFERENCES feature_flag (id) ON DELETE CASCADE,
    group_id   uuid NOT NULL REFERENCES user_group (id) ON DELETE CASCADE,
    tenant_id  uuid NOT NULL REFERENCES tenant (id),
    PRIMARY KEY (flag_id, group_id)
);
CREATE INDEX feature_flag_target_group_idx ON feature_flag_target (group_id);
"""

BACKWARDS = """
DROP TABLE feature_flag_target, feature_flag, user_group_member, user_group;
"""


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
