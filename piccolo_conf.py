"""Piccolo's configuration, used by the migration runner (`python -m app.cli migrate`).

Migrations run as the owner role (MIGRATION_DATABASE_URL, else DATABASE_URL). The web app and
worker build their own engine, as the application role, in the composition root (app/main.py).
"""

import os

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine

DB = PostgresEngine(config={"dsn": os.environ.get("MIGRATION_DATABASE_URL") or os.environ.get("DATABASE_URL", "")})
APP_REGISTRY = AppRegistry(apps=["app.tables.piccolo_app"])
