"""A throwaway PostgreSQL server for the tests: Debian's postgresql package, initdb in a temp folder, listening on
127.0.0.1 only (trust auth for one user), stopped and deleted afterwards. As root it runs as the ``postgres`` user
(initdb refuses root). Missing binaries skip the tests — or fail them under CI=true (.ci/run installs the package)."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.testing import free_port


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _need_binaries() -> Path:
    folder = binaries()
    if folder is None:
        message = "PostgreSQL is missing — `apt-get install postgresql` (.ci/run does)"
        pytest.fail(message) if os.environ.get("CI", "").lower() == "true" else pytest.skip(message)
    return folder


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yields ``postgresql://bot@127.0.0.1:PORT/postgres``. The server's folder is a fresh one under the system temp
    folder (pytest's are private to root, and the server runs as ``postgres``)."""
    import tempfile

    bin_dir = _need_binaries()
    folder = Path(tempfile.mkdtemp(prefix="bot-pg-"))
    if os.geteuid() == 0:
        pg = pwd.getpwnam("postgres")
        os.chown(folder, pg.pw_uid, pg.pw_gid)
    data, port = folder / "data", free_port()
    subprocess.run(_as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "bot", "--auth=trust",
                                 "-E", "UTF8", "--no-locale"]), check=True, capture_output=True, timeout=120)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on"
    subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                                 str(folder / "server.log"), "-w", "-t", "60", "start"]),
                   check=True, capture_output=True, timeout=120)
    try:
        yield f"postgresql://bot@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """A new empty database on the server; returns its URL."""
    import psycopg

    name = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(server_url.replace("postgresql://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + f"/{name}"
