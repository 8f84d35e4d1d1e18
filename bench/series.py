"""Set-based loading helpers the benchmarks share: one INSERT … SELECT per chunk of keys."""

from __future__ import annotations

import os
import sys
from typing import Any

LOAD_CHUNK = 1_000_000


def say(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def load_note() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min)"


def insert_series(vendor: str, model: Any, lo: int, hi: int, values: dict[str, str],
                  joins: str = "", stamp: Any = None) -> int:
    """INSERT INTO model's table SELECT … for k in [lo, hi], one statement.

    `values` gives SQL expressions (over k and the joins) by column; every other column gets its
    field's default as a parameter, NULL when nullable without default, the stamp for auto_now.
    Columns with neither are refused, so a field added to a model later fails loudly here.
    """
    from django.db import connection

    cols, exprs, params = [], [], []
    for f in model._meta.concrete_fields:
        if f.column in values:
            cols.append(f.column)
            exprs.append(values[f.column])
        elif f.primary_key:
            continue
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            cols.append(f.column)
            exprs.append("%s")
            params.append(stamp)
        elif f.null and not f.has_default():
            continue
        else:
            default = f.get_default()
            if default is None:
                raise RuntimeError(f"{model.__name__}.{f.name}: no value and no default")
            cols.append(f.column)
            exprs.append("%s")
            params.append(f.get_db_prep_save(default, connection))
    if vendor == "sqlite":
        sql = (f"WITH RECURSIVE g(k) AS (SELECT {lo} UNION ALL SELECT k + 1 FROM g WHERE k < {hi}) "
               f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) "
               f"SELECT {', '.join(exprs)} FROM g {joins}")
    else:
        sql = (f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) "
               f"SELECT {', '.join(exprs)} FROM generate_series({lo}::bigint, {hi}::bigint) AS g(k)"
               f" {joins}")
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def chunked(lo: int, hi: int, size: int = LOAD_CHUNK) -> list[tuple[int, int]]:
    return [(a, min(a + size - 1, hi)) for a in range(lo, hi + 1, size)]
