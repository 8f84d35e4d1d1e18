"""The throwaway database a benchmark runs in, chosen from DATABASE_URL like the app's own."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def bench_database_url(sqlite_path: Path, pg_database: str) -> tuple[str, str]:
    """(vendor, URL of the benchmark database): a file of its own, or a database of its own on
    the PostgreSQL server DATABASE_URL names, never the application's database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url or url.startswith("sqlite"):
        return "sqlite", f"sqlite:///{sqlite_path}"
    parts = urlsplit(url)
    if not parts.scheme.startswith(("postgres", "pgsql")):
        raise SystemExit(f"unsupported DATABASE_URL scheme: {parts.scheme}")
    return "postgresql", urlunsplit(parts._replace(path="/" + pg_database))


def recreate_database(vendor: str, url: str, sqlite_path: Path, pg_database: str) -> None:
    if vendor == "sqlite":
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    admin_url = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{pg_database}"')
