"""Run a migration's SQL text on the migration's own connection (inside its transaction)."""

from piccolo.engine import engine_finder


async def execute(sql: str) -> None:
    engine = engine_finder()
    assert engine is not None, "piccolo_conf.py defines no engine"
    async with engine.transaction() as transaction:
        await transaction.connection.execute(sql)
