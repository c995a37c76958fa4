"""Piccolo app config: where the migrations live."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from app.tables.tables import ALL_TABLES

APP_CONFIG = AppConfig(
    app_name="emporium",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=list(ALL_TABLES),
)
