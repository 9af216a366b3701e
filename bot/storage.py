"""Where the durable rows live — feedback, the question log, staff-approved answers — through one SQLAlchemy engine
per database: SQLite in WAL mode under ``Settings.data_dir`` by default (one file per store), or one PostgreSQL
database for every store and every replica with ``BOT_DATABASE_URL=postgresql://…``.

Each store declares its tables and an ordered list of migrations; ``Database.migrate`` applies the ones a database
has not seen, on start, under a lock (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL), so two
replicas starting together migrate once. Versions are kept per store in ``schema_versions``.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, create_engine, event, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.pool import QueuePool

from .errors import StorageUnavailable

log = logging.getLogger("bot.storage")

Migration = Callable[[Connection], None]

versions_metadata = MetaData()
schema_versions = Table(
    "schema_versions", versions_metadata,
    Column("component", String(40), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("migrated_at", Float, nullable=False),
)


def engine_url(url: str) -> str:
    """``postgresql://`` (and ``postgres://``) through psycopg 3; any other SQLAlchemy URL as it is."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _sqlite_engine(path: Path, synchronous: str = "FULL") -> Engine:
    # a small pool: opening a connection (and its PRAGMAs) cost the question log a millisecond a row
    engine = create_engine(f"sqlite:///{path}", poolclass=QueuePool, pool_size=4, max_overflow=16,
                           connect_args={"timeout": 30, "check_same_thread": False})
    _forget_after_fork(engine)

    @event.listens_for(engine, "connect")
    def _connect(dbapi: Any, _: Any) -> None:
        dbapi.isolation_level = None  # transactions are begun below, not by the driver
        cur = dbapi.cursor()
        cur.execute("PRAGMA busy_timeout=30000")  # first: every statement below waits for a lock instead of failing
        # switching to WAL takes a lock even when the file is WAL already ("database is locked" while other
        # connections write): switch only a database that is not
        _to_wal(cur)
        # FULL: a committed row survives a power cut too; NORMAL (WAL): it survives the process being killed
        # (kill -9), and the last commits before a power cut may be lost — without an fsync per commit
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # a writer takes the write lock at BEGIN, so it waits (busy_timeout) instead of failing half-way
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine


def _to_wal(cur: Any, wait_s: float = 30.0) -> None:
    """Switch a database to WAL unless it is already. The switch does not wait on busy_timeout: connections opening a
    new file together ("database is locked" for all but one, seen with 8 threads on a loaded machine) retry until the
    one that won has switched it, or until ``wait_s``."""
    import sqlite3
    import time

    deadline, pause = time.monotonic() + wait_s, 0.005
    while str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
        try:
            cur.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)


def _forget_after_fork(engine: Engine) -> None:
    """A forked child opens its own connections (never one its parent holds)."""
    import os

    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))


_shared: dict[str, Engine] = {}
_shared_lock = threading.Lock()


def _server_engine(url: str) -> Engine:
    """One engine (and connection pool) per server URL in this process, shared by the stores."""
    with _shared_lock:
        engine = _shared.get(url)
        if engine is None:
            engine = _shared[url] = create_engine(engine_url(url), pool_pre_ping=True, pool_size=5,
                                                  max_overflow=10, pool_timeout=10,
                                                  connect_args={"connect_timeout": 5}
                                                  if url.startswith(("postgresql", "postgres")) else {})
            _forget_after_fork(engine)
        return engine


class Database:
    """One database: ``read()`` and ``write()`` give a connection inside a transaction (committed on leaving);
    any driver error becomes ``StorageUnavailable`` (HTTP 503) naming the database."""

    def __init__(self, engine: Engine, where: str, path: Path | None = None) -> None:
        self.engine = engine
        self.where = where
        self.path = path  # the SQLite file, None for a server
        self._folder_made = False
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._migrated: set[str] = set()
        self._lock = threading.Lock()

    @classmethod
    def open(cls, data_dir: Path, name: str, database_url: str = "", synchronous: str = "FULL") -> "Database":
        """The PostgreSQL (or other server) database at ``database_url``, else ``<data_dir>/<name>.sqlite3``
        (``synchronous``: SQLite's FULL or NORMAL, see ``_sqlite_engine``)."""
        if database_url:
            return cls(_server_engine(database_url), _redacted(database_url))
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError("synchronous must be FULL or NORMAL")
        path = Path(data_dir) / f"{name}.sqlite3"
        return cls(_sqlite_engine(path, synchronous), str(path), path)

    def exists(self) -> bool:
        """False only for a SQLite file not created yet (nothing to read: no need to create it)."""
        return self.path is None or self.path.exists()

    def text(self, value: str) -> str:
        """Text the database can hold: lone surrogates become U+FFFD, and NUL too on PostgreSQL."""
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        return value if self.is_sqlite else value.replace("\x00", "\ufffd")

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[Connection]:
        if self.path is not None and not self._folder_made:  # made on first use, not when a store is constructed
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageUnavailable(f"cannot create {self.path.parent} ({exc.strerror or exc}) — make "
                                         "BOT_DATA_DIR writable; answers are still served") from exc
            self._folder_made = True
        try:
            with self.engine.connect() as conn:
                if write:
                    conn.execution_options(write=True)
                with conn.begin():
                    yield conn
        except OperationalError as exc:
            raise StorageUnavailable(f"the database {self.where} cannot be used ({_first_line(exc)}) — "
                                     "check that it is reachable and writable; answers are still served") from exc

    def write(self) -> Any:
        return self._transaction(True)

    def read(self) -> Any:
        return self._transaction(False)

    def migrate(self, component: str, metadata: MetaData, steps: Sequence[Migration]) -> None:
        """Apply ``steps[v:]`` where ``v`` is the component's recorded version (once per process and database)."""
        if component in self._migrated:
            return
        with self._lock:
            if component in self._migrated:
                return
            with self.write() as conn:
                if not self.is_sqlite:  # replicas starting together: one migrates, the others wait, then see it
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({zlib.crc32(component.encode())})")
                versions_metadata.create_all(conn, checkfirst=True)
                row = conn.execute(select(schema_versions.c.version)
                                   .where(schema_versions.c.component == component)).first()
                have = int(row[0]) if row else 0
                for n, step in enumerate(steps[have:], have + 1):
                    step(conn)
                    log.info("%s: %s schema migrated to version %d", self.where, component, n)
                if have < len(steps):
                    values = {"version": len(steps), "migrated_at": time.time()}
                    if row:
                        conn.execute(schema_versions.update().where(schema_versions.c.component == component)
                                     .values(**values))
                    else:
                        conn.execute(schema_versions.insert().values(component=component, **values))
            self._migrated.add(component)


def _first_line(exc: SQLAlchemyError) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200] if str(exc) else exc.__class__.__name__


def _redacted(url: str) -> str:
    """A URL without its password, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if not at:
        return url
    user = creds.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"


def create_tables(metadata: MetaData, *names: str) -> Migration:
    """A migration that creates the named tables of ``metadata`` (with their indexes) where they do not exist."""
    def step(conn: Connection) -> None:
        metadata.create_all(conn, tables=[metadata.tables[n] for n in names], checkfirst=True)
    return step


def create_index(table: Table, name: str) -> Migration:
    """A migration that creates one index of ``table`` unless it exists."""
    def step(conn: Connection) -> None:
        next(i for i in table.indexes if i.name == name).create(conn, checkfirst=True)
    return step


def add_column(table: str, column: str, ddl: str) -> Migration:
    """A migration that adds a column unless the table already has it (a file written by older code)."""
    def step(conn: Connection) -> None:
        from sqlalchemy import inspect

        if column not in {c["name"] for c in inspect(conn).get_columns(table)}:
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}")
    return step


__all__ = ["Database", "Migration", "StorageUnavailable", "add_column", "create_index", "create_tables",
           "engine_url"]
