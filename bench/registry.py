"""Registry benchmark: load a county of N persons, then time the household list and searches.

    .venv/bin/python bench/registry.py [--persons 1000000] [--samples 200]

`DATABASE_URL` picks the database as it does for the app (unset = SQLite). The benchmark never
touches the developer's database: SQLite runs in var/bench/registry.sqlite3 and PostgreSQL in
a database named jiuzhu_bench_registry on the same server; both are dropped and recreated each
run (unless --skip-load reuses the previous run's data).

Loading is set-based: rows from demo.population are streamed in chunks into executemany
(SQLite) or COPY (PostgreSQL), one transaction per chunk, with progress on stderr. Its baseline
is a bare insert of the same prepared rows into copies of the tables without indexes or
constraints, measured in the same run.

Each page is timed through the real view (django.test.Client, logged in as a demo user) and
compared with its baseline: the bare SQL that returns the same rows, run on the raw cursor.
The goal (issue): p95 under 100 ms for every page, and 1M persons loaded in under 5 minutes.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, sys.path[0] is bench/, where this file would shadow the `registry` app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.databases import bench_database_url, recreate_database  # noqa: E402

SQLITE_PATH = ROOT / "var" / "bench" / "registry.sqlite3"
PG_DATABASE = "jiuzhu_bench_registry"
GOAL_P95_MS = 100.0
GOAL_LOAD_SECONDS = 300.0
LOAD_GOAL_PERSONS = 1_000_000
CHUNK_PERSONS = 20_000
FIRST_PAGES = 20  # list samples pick a page among the first pages
INCOME_START = "2025-01-01"


# ---------------------------------------------------------------------------------------------
# database selection (before Django is set up)




# ---------------------------------------------------------------------------------------------
# progress and statistics


class Progress:
    """One self-overwriting line on stderr: done/total, rate, elapsed."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total = label, total
        self.start = time.perf_counter()
        self.tty = sys.stderr.isatty()
        self.last_print = 0.0

    def update(self, done: int, final: bool = False) -> None:
        now = time.perf_counter()
        if not final and now - self.last_print < (0.5 if self.tty else 10.0):
            return
        self.last_print = now
        elapsed = now - self.start
        rate = done / elapsed if elapsed else 0.0
        line = (f"{self.label}: {done:,}/{self.total:,} ({100 * done / max(self.total, 1):.0f}%)"
                f"  {rate:,.0f}/s  {elapsed:.1f}s")
        end = "\n" if final or not self.tty else ""
        sys.stderr.write(("\r" if self.tty else "") + line + end)
        sys.stderr.flush()


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# ---------------------------------------------------------------------------------------------
# loading


HOUSEHOLD_COLS = ("id", "village_code", "address", "phone", "urban_rural", "urban_rural_basis",
                  "created_at", "updated_at")
PERSON_COLS = ("id", "household_id", "name", "id_number", "id_number_old", "sex", "birth_date",
               "relation", "phone", "excluded", "excluded_reason", "created_at", "updated_at")
INCOME_COLS = ("id", "person_id", "income_type", "monthly_amount", "start_month", "excluded",
               "excluded_rule", "source", "note")
DISABILITY_COLS = ("id", "person_id", "category", "grade", "certificate_number")
TABLES = (
    ("registry_household", HOUSEHOLD_COLS),
    ("registry_person", PERSON_COLS),
    ("registry_incomerecord", INCOME_COLS),
    ("registry_disability", DISABILITY_COLS),
)

Row = tuple[Any, ...]


@dataclass
class Chunk:
    rows: tuple[list[Row], list[Row], list[Row], list[Row]] = field(
        default_factory=lambda: ([], [], [], [])
    )

    @property
    def persons(self) -> int:
        return len(self.rows[1])


def generate_chunks(persons: int, seed: int, villages: list[tuple[str, str, bool]],
                    stamp: str) -> Iterator[Chunk]:
    """Rows for the four tables with ids assigned here, CHUNK_PERSONS persons at a time.

    Values are already in their text form (dates ISO, booleans 0/1, money as decimal strings),
    which both sqlite3 and PostgreSQL's text COPY accept as they are.
    """
    from demo.population import Population
    from registry.choices import NATIONAL_INCOME_EXCLUSIONS

    excluded = {str(t) for t in NATIONAL_INCOME_EXCLUSIONS}
    population = Population(seed, villages)
    hid = pid = iid = did = 0
    while pid < persons:
        chunk = Chunk()
        households, people, incomes, disabilities = chunk.rows
        while len(people) < CHUNK_PERSONS and pid < persons:
            row = population.household()
            hid += 1
            households.append((hid, row.village_code, row.address, row.phone, row.urban_rural,
                               "class_code", stamp, stamp))
            for m in row.members[: persons - pid]:
                pid += 1
                people.append((pid, hid, m.name, m.id_number, "", m.sex, m.birth_date.isoformat(),
                               m.relation, m.phone, 0, "", stamp, stamp))
                for kind, amount in m.incomes:
                    iid += 1
                    rule = "dibao.income_exclusions" if kind in excluded else ""
                    incomes.append((iid, pid, kind, str(amount), INCOME_START, int(bool(rule)),
                                    rule, "import", ""))
                if m.disability:
                    did += 1
                    category, grade = m.disability
                    disabilities.append((did, pid, category, grade,
                                         f"{m.id_number}{category[:1].upper()}{grade}1"))
        yield chunk


def insert_rows(vendor: str, table: str, cols: Sequence[str], rows: list[Row]) -> None:
    """Set-based insert on the open transaction: executemany (SQLite) or COPY (PostgreSQL)."""
    from django.db import connection

    if not rows:
        return
    raw: Any = connection.connection
    if vendor == "sqlite":
        marks = ", ".join("?" * len(cols))
        raw.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)
        return
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


@dataclass
class LoadResult:
    persons: int = 0
    households: int = 0
    incomes: int = 0
    disabilities: int = 0
    generate_s: float = 0.0
    insert_s: float = 0.0
    bare_insert_s: float = 0.0
    finish_s: float = 0.0  # sequence reset + (VACUUM) ANALYZE

    @property
    def load_s(self) -> float:
        return self.generate_s + self.insert_s + self.finish_s


def load(vendor: str, persons: int, seed: int) -> LoadResult:
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from regions.models import Level, Region
    from registry.models import Disability, Household, IncomeRecord, Person

    villages = [(v.code, v.name, v.is_urban)
                for v in Region.objects.filter(level=Level.VILLAGE).order_by("code")]
    now = timezone.now().replace(microsecond=0)
    stamp = (now.strftime("%Y-%m-%d %H:%M:%S") if vendor == "sqlite"
             else now.strftime("%Y-%m-%d %H:%M:%S+00"))
    with connection.cursor() as cur:
        for table, _cols in TABLES:
            cur.execute(f"CREATE TABLE bare_{table} AS SELECT * FROM {table} WHERE 1 = 0")

    result = LoadResult()
    progress = Progress("load persons", persons)
    chunks = generate_chunks(persons, seed, villages, stamp)
    while True:
        t0 = time.perf_counter()
        chunk = next(chunks, None)
        t1 = time.perf_counter()
        result.generate_s += t1 - t0
        if chunk is None:
            break
        with transaction.atomic():
            for (table, cols), rows in zip(TABLES, chunk.rows, strict=True):
                insert_rows(vendor, table, cols, rows)
        t2 = time.perf_counter()
        with transaction.atomic():
            for (table, cols), rows in zip(TABLES, chunk.rows, strict=True):
                insert_rows(vendor, f"bare_{table}", cols, rows)
        t3 = time.perf_counter()
        result.insert_s += t2 - t1
        result.bare_insert_s += t3 - t2
        for i, attr in enumerate(("households", "persons", "incomes", "disabilities")):
            setattr(result, attr, getattr(result, attr) + len(chunk.rows[i]))
        progress.update(result.persons)
    progress.update(result.persons, final=True)

    with connection.cursor() as cur:
        for table, _cols in TABLES:
            cur.execute(f"DROP TABLE bare_{table}")
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(
            no_style(), [Household, Person, IncomeRecord, Disability]
        ):
            cur.execute(sql)
        # PostgreSQL: VACUUM also sets the visibility map, as autovacuum would after a bulk
        # load, so counts can use index-only scans.
        cur.execute("ANALYZE" if vendor == "sqlite" else "VACUUM ANALYZE")
    result.finish_s = time.perf_counter() - t0
    return result


def existing_counts() -> LoadResult:
    from registry.models import Disability, Household, IncomeRecord, Person

    return LoadResult(persons=Person.objects.count(), households=Household.objects.count(),
                      incomes=IncomeRecord.objects.count(), disabilities=Disability.objects.count())


# ---------------------------------------------------------------------------------------------
# page timings


@dataclass
class Case:
    key: str  # summary group: list, id_search, name_search, info
    label: str
    username: str
    # Per sample: the page's query parameters, and the baseline's SQL and parameters.
    samples: list[tuple[dict[str, str], str, list[Any]]]


@dataclass
class Timing:
    case: Case
    page_ms: list[float]
    base_ms: list[float]

    def p(self, which: str, q: float) -> float:
        return percentile(self.page_ms if which == "page" else self.base_ms, q)


LIST_SQL = ("SELECT h.id, h.village_code, h.address, h.phone, h.urban_rural FROM registry_household h"
            " WHERE h.village_code BETWEEN %s AND %s {extra} ORDER BY h.id DESC LIMIT %s OFFSET %s")
ID_SQL = ("SELECT h.id, h.village_code, h.address, h.phone, h.urban_rural FROM registry_household h"
          " JOIN registry_person p ON p.household_id = h.id"
          " WHERE h.village_code BETWEEN %s AND %s AND p.id_number = %s")
NAME_SQL = ("SELECT h.id, h.village_code, h.address, h.phone, h.urban_rural FROM registry_household h"
            " WHERE h.village_code BETWEEN %s AND %s AND h.id IN"
            " (SELECT p.household_id FROM registry_person p WHERE p.name BETWEEN %s AND %s)"
            " ORDER BY h.id DESC LIMIT %s")


def build_cases(samples: int, seed: int) -> list[Case]:
    from django.conf import settings
    from django.db import connection

    from accounts.models import User
    from regions.models import Level, Region
    from regions.scoping import code_range
    from registry.selectors import name_prefix_range

    rng = random.Random(seed)
    size = settings.PAGE_SIZE
    admin = User.objects.select_related("region").get(username="county_admin")
    clerk = User.objects.select_related("region").get(username="clerk_a")
    assert admin.region is not None and clerk.region is not None
    county, township = code_range(admin.region.prefix), code_range(clerk.region.prefix)
    villages = list(Region.objects.filter(level=Level.VILLAGE).values_list("code", flat=True))

    def people(n: int, within: tuple[str, str]) -> list[tuple[str, str]]:
        """(id_number, name) of n random existing persons under a code range."""
        with connection.cursor() as cur:
            cur.execute("SELECT max(id) FROM registry_person")
            top = cur.fetchone()[0]
            found: list[tuple[str, str]] = []
            while len(found) < n:
                ids = [rng.randint(1, top) for _ in range(n)]
                cur.execute(
                    "SELECT p.id_number, p.name FROM registry_person p"
                    " JOIN registry_household h ON h.id = p.household_id"
                    f" WHERE h.village_code BETWEEN %s AND %s AND p.id IN ({', '.join(['%s'] * n)})",
                    [*within, *ids],
                )
                found.extend(cur.fetchall())
        rng.shuffle(found)
        return found[:n]

    def page() -> int:
        return rng.randint(1, FIRST_PAGES)

    def list_sample(scope: tuple[str, str], village: str = "") -> tuple[dict[str, str], str, list[Any]]:
        n = page()
        params: dict[str, str] = {"page": str(n)}
        extra, args = "", [*scope]
        if village:
            params["village"] = village
            extra, args = "AND h.village_code = %s", [*args, village]
        return params, LIST_SQL.format(extra=extra), [*args, size, (n - 1) * size]

    def name_sample(scope: tuple[str, str], name: str) -> tuple[dict[str, str], str, list[Any]]:
        return {"q": name}, NAME_SQL, [*scope, *name_prefix_range(name), size]

    admin_people = people(samples, county)
    clerk_people = people(samples, township)
    # A full name, or the surname and the first given character, alternately.
    names = [n if i % 2 else n[:2] for i, (_id, n) in enumerate(admin_people)]
    clerk_names = [n if i % 2 else n[:2] for i, (_id, n) in enumerate(clerk_people)]
    return [
        Case("list", "household list, county", "county_admin",
             [list_sample(county) for _ in range(samples)]),
        Case("list", "household list, township", "clerk_a",
             [list_sample(township) for _ in range(samples)]),
        Case("list", "household list, village filter", "county_admin",
             [list_sample(county, rng.choice(villages)) for _ in range(samples)]),
        Case("id_search", "search by full ID number", "county_admin",
             [({"q": i}, ID_SQL, [*county, i]) for i, _n in admin_people]),
        Case("name_search", "search by name, county", "county_admin",
             [name_sample(county, n) for n in names]),
        Case("name_search", "search by name, township", "clerk_a",
             [name_sample(township, n) for n in clerk_names]),
        Case("info", "search by surname alone (info)", "county_admin",
             [name_sample(county, n[:1]) for _i, n in admin_people]),
    ]


def time_cases(cases: list[Case], warmup: int) -> list[Timing]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User

    url = reverse("registry:household_list")
    clients: dict[str, Client] = {}
    for username in {c.username for c in cases}:
        clients[username] = Client()
        clients[username].force_login(User.objects.get(username=username))

    def run_page(client: Client, params: dict[str, str]) -> float:
        t0 = time.perf_counter()
        response = client.get(f"{url}?{urlencode(params)}")
        elapsed = time.perf_counter() - t0
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}?{urlencode(params)} -> {response.status_code}")
        return elapsed * 1000

    def run_sql(sql: str, args: list[Any]) -> float:
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(sql, args)
            cur.fetchall()
        return (time.perf_counter() - t0) * 1000

    timings = []
    for case in cases:
        client = clients[case.username]
        for params, sql, args in case.samples[:warmup]:
            run_page(client, params)
            run_sql(sql, args)
        page_ms, base_ms = [], []
        for params, sql, args in case.samples:  # interleaved: both see the same cache state
            page_ms.append(run_page(client, params))
            base_ms.append(run_sql(sql, args))
        timing = Timing(case, page_ms, base_ms)
        timings.append(timing)
        sys.stderr.write(f"timed: {case.label}: p95 {timing.p('page', 95):.1f} ms\n")
    return timings


def check_results(cases: list[Case]) -> None:
    """The ID search finds the person's household: the page shows what the baseline returns."""
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="county_admin"))
    case = next(c for c in cases if c.key == "id_search")
    for params, sql, args in case.samples[:5]:
        with connection.cursor() as cur:
            cur.execute(sql, args)
            (household_id, *_rest) = cur.fetchone()
        body = client.get(f"{reverse('registry:household_list')}?{urlencode(params)}").content.decode()
        detail = reverse("registry:household_detail", args=[household_id])
        if f'href="{detail}"' not in body:
            raise RuntimeError(f"ID search for {params['q']} did not list household {household_id}")


# ---------------------------------------------------------------------------------------------
# report


def report(vendor: str, loaded: LoadResult, did_load: bool, timings: list[Timing],
           samples: int) -> None:
    from django.db import connection

    print(f"\nregistry benchmark  db={vendor} ({connection.settings_dict['NAME']})  "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    print(f"data: persons={loaded.persons:,} households={loaded.households:,} "
          f"incomes={loaded.incomes:,} disabilities={loaded.disabilities:,}")
    if did_load:
        ratio = loaded.insert_s / loaded.bare_insert_s if loaded.bare_insert_s else float("nan")
        projected = loaded.load_s * LOAD_GOAL_PERSONS / max(loaded.persons, 1)
        verdict = "ok" if projected < GOAL_LOAD_SECONDS else "MISSED"
        print("\nload (seconds)")
        print(f"  generate rows (demo.population)   {loaded.generate_s:8.1f}")
        print(f"  insert into registry tables       {loaded.insert_s:8.1f}"
              f"   baseline: same rows into bare tables (no indexes/constraints)"
              f" {loaded.bare_insert_s:.1f} s, ratio {ratio:.2f}x")
        print(f"  reset sequences, (VACUUM) ANALYZE {loaded.finish_s:8.1f}")
        print(f"  total                             {loaded.load_s:8.1f}"
              f"   {loaded.persons / loaded.load_s:,.0f} persons/s;"
              f" goal {LOAD_GOAL_PERSONS:,} persons < {GOAL_LOAD_SECONDS:.0f} s"
              f" (projected {projected:.0f} s): {verdict}")

    print(f"\npages (ms over {samples} samples; baseline = bare SQL for the same rows, raw cursor)")
    header = f"  {'page':<34} {'user':<13} {'p50':>7} {'p95':>7} {'base p50':>9} {'base p95':>9}"
    print(header + f" {'p95 ratio':>10}  goal p95<{GOAL_P95_MS:.0f}")
    for t in timings:
        page95, base95 = t.p("page", 95), t.p("base", 95)
        verdict = "ok" if page95 < GOAL_P95_MS else "MISSED"
        if t.case.key == "info":
            verdict = "(info)"
        print(f"  {t.case.label:<34} {t.case.username:<13} {t.p('page', 50):7.1f} {page95:7.1f}"
              f" {t.p('base', 50):9.2f} {base95:9.2f} {page95 / base95:9.1f}x  {verdict}")

    def worst(key: str) -> str:
        values = [t.p("page", 95) for t in timings if t.case.key == key]
        return f"{max(values):.1f}" if values else "NA"

    load_s = f"{loaded.load_s:.1f}" if did_load else "NA"
    print(f"\nregistry: db={vendor} persons={loaded.persons} households={loaded.households}"
          f" load_seconds={load_s} list_p95_ms={worst('list')}"
          f" id_search_p95_ms={worst('id_search')} name_search_p95_ms={worst('name_search')}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--skip-load", action="store_true",
                        help="reuse the data of the previous run instead of reloading")
    args = parser.parse_args(argv)

    vendor, url = bench_database_url(SQLITE_PATH, PG_DATABASE)
    if not args.skip_load:
        recreate_database(vendor, url, SQLITE_PATH, PG_DATABASE)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # django.test.Client's host

    from demo.reference import load_reference_data

    if args.skip_load:
        loaded, did_load = existing_counts(), False
    else:
        call_command("migrate", verbosity=0, interactive=False)
        load_reference_data()
        loaded, did_load = load(vendor, args.persons, args.seed), True
    cases = build_cases(args.samples, args.seed)
    check_results(cases)
    timings = time_cases(cases, args.warmup)
    report(vendor, loaded, did_load, timings, args.samples)


if __name__ == "__main__":
    main()
