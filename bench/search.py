"""Offender gallery and search benchmark (issue "Intelligence sharing"), on PostgreSQL.

A scratch database is migrated (trigram indexes included) and filled with COPY:
200,000 profiles (1 or 2 areas each, a third with an alias, one in ten with a warning
marker, half with a picture row) and 2,000,000 incident links (90 % confirmed, spread over
18 months), then every profile's `last_incident_at` and `partner_visible_until` are set in
SQL by the same rule as `services.profile_refresh()` (2 confirmed incidents within 6 months,
the last within 12), and the tables ANALYZEd.

Four cases are timed, SAMPLES times each, interleaved with their baseline:

gallery      a store user's "active in your area" page (partner rules: approval, threshold,
             expiry, the store's area, the force's approval of the retailer)
description  a police search of descriptions and modus operandi for a feature
name         a police search of names and aliases for a surname
marker       a store user's gallery filtered to one warning marker

Measured: `selectors.gallery_page()`, the function the page calls: the ORM query with its
partner-scope subqueries and the prefetches of pictures and markers the cards show (3
queries). Baseline: one hand-written SQL query returning the same page (profile columns,
picture ids and markers as arrays) through the same connection's cursor, with the store's
area ids already known. ratio = p95 of the function ÷ p95 of the bare query. Both return the
same profiles in the same order (checked).

Not included: the ledger entry each search writes (one INSERT; see bench.ledger) and
template rendering.

Environment: BENCH_PG_URL (server for the scratch database, default
postgres://postgres@127.0.0.1:5432/postgres), BENCH_SEARCH_PROFILES, BENCH_SEARCH_INCIDENTS.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PROFILES, PROFILES_QUICK = 200_000, 20_000
INCIDENTS, INCIDENTS_QUICK = 2_000_000, 200_000
AREAS = 200
SAMPLES, SAMPLES_QUICK, WARMUP = 200, 40, 5
SEED = 20261124
CHUNK = 50_000

FIRST = "Jon Dan Lee Sam Kim Ann Mary Paul Mark Luke Ryan Kyle Dean Amy Zoe Kate Emma Liam Noah Jack".split()  # noqa: E501, SIM905
SURNAMES = [
    f"{a}{b}"
    for a in "Smith Jones Brown Taylor Wilson Evans Thomas Roberts Walker Wright".split()  # noqa: SIM905
    for b in ("", "son", "ley", "ton", "wood", "field", "er", "man", "ford", "by")
]
BUILDS = ["slim", "medium build", "heavy build", "athletic", "stocky"]
HAIR = ["shaved head", "short dark hair", "long blond hair", "ginger hair", "grey ponytail"]
CLOTHES = ["red jacket", "grey hoodie", "black puffer coat", "green parka", "blue tracksuit"]
FEATURES = [f"{mark} on the {side} {part}" for mark in ("tattoo", "scar", "birthmark", "burn")
            for side in ("left", "right") for part in ("hand", "cheek", "neck", "arm", "wrist",
                                                        "ear", "temple", "brow")]  # fmt: skip
MO = ["foil-lined bag", "distraction in pairs", "push-out with a trolley", "refund fraud",
      "security tag removal", "threatens staff with a syringe"]  # fmt: skip
MARKERS = ["violence", "weapons", "threats", "drugs"]


def _log(message: str) -> None:
    print(f"  [search {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value else default


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


# --------------------------------------------------------------------------------------------
# The runner side
# --------------------------------------------------------------------------------------------


def run(quick: bool) -> dict[str, Any]:
    import psycopg

    profiles = _env_int("BENCH_SEARCH_PROFILES", PROFILES_QUICK if quick else PROFILES)
    incidents = _env_int("BENCH_SEARCH_INCIDENTS", INCIDENTS_QUICK if quick else INCIDENTS)
    samples = SAMPLES_QUICK if quick else SAMPLES
    name = f"lantern_bench_{uuid.uuid4().hex[:10]}"
    url = urlsplit(ADMIN_URL)._replace(path=f"/{name}").geturl()
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        server = admin.execute("SHOW server_version").fetchone()
        admin.execute(f'CREATE DATABASE "{name}"')
    _log(f"created database {name}")
    try:
        with tempfile.TemporaryDirectory(prefix="lantern-bench-") as var_dir:
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "LANTERN_ENV": "development",
                "LANTERN_VAR_DIR": var_dir,
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DEBUG": "false",
                "LANTERN_DEMO": "false",
            }
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "-v0", "--skip-checks"],
                cwd=ROOT, env=env, check=True, timeout=900,
            )  # fmt: skip
            _log("migrated")
            load = _child(env, ["load", str(profiles), str(incidents)])
            measured = _child(env, ["measure", str(samples)])
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _log(f"dropped database {name}")
    worst = max(measured["cases"].values(), key=lambda c: c["ratio_p95"])
    return {
        "postgresql": server[0] if server else "?",
        "profiles": profiles,
        "incidents": incidents,
        "load": load,
        "cases": measured["cases"],
        # Headline figures (flattened as search.p95_ms, search.ratio_p95_vs_sql): the p95 and
        # the ratio of the case with the worst ratio.
        "metrics": {"p95_ms": worst["p95_ms"], "ratio_p95_vs_sql": worst["ratio_p95"]},
        "notes": [
            "ratio = p95 of selectors.gallery_page() ÷ p95 of one bare SQL query for the "
            "same page, interleaved in the same run (lower is better; target <= 2)",
            "headline p95_ms and ratio_p95_vs_sql are from the case with the worst ratio",
            "excludes the ledger entry every search writes, and template rendering",
        ],
    }


def _child(env: dict[str, str], args: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.search", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=True, timeout=4 * 3600,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------------------------
# Children (Django set up against the scratch database)
# --------------------------------------------------------------------------------------------


def _setup() -> None:
    import django

    django.setup()


def _csv(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return '"' + text.replace('"', '""') + '"'


def _copy(cursor: Any, table: str, columns: list[str], rows: Any) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)") as copy:
        batch: list[str] = []
        for row in rows:
            batch.append(",".join(_csv(v) for v in row) + "\n")
            count += 1
            if len(batch) >= CHUNK:
                copy.write("".join(batch))
                batch.clear()
        if batch:
            copy.write("".join(batch))
    return count


def _load(profiles: int, incidents: int) -> dict[str, Any]:
    _setup()
    from django.db import connection, transaction

    from lantern.accounts.models import (
        Area,
        Membership,
        Organisation,
        PartnerApproval,
        Store,
        User,
    )

    rng = random.Random(SEED)
    began = time.perf_counter()
    now = datetime.now(UTC)
    with transaction.atomic():
        force = Organisation.objects.create(kind="force", name="Bench force", slug="bench-force")
        retail = Organisation.objects.create(kind="retail", name="Bench shops", slug="bench-shops")
        PartnerApproval.objects.create(force=force, partner=retail, status="approved")
        areas = Area.objects.bulk_create(
            Area(force=force, name=f"Area {i}", code=f"A{i}") for i in range(AREAS)
        )
        stores = Store.objects.bulk_create(
            Store(company=retail, name=f"Store {i}", area=areas[i % AREAS], line_1="1 High St",
                  town="Town", postcode="AB1 2CD")
            for i in range(AREAS * 2)
        )  # fmt: skip
        officer = User.objects.create(username="bench-officer")
        staff = User.objects.create(username="bench-staff")
        Membership.objects.create(user=officer, organisation=force, role="analyst")
        m = Membership.objects.create(user=staff, organisation=retail, role="store_staff")
        m.stores.add(stores[0])
    area_ids = [a.pk for a in areas]
    raw = connection.connection
    assert raw is not None
    with raw.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM intelligence_profile")
        base = int(cursor.fetchone()[0])  # type: ignore[index]
        ids = range(base + 1, base + profiles + 1)

        def profile_rows() -> Any:
            for pk in ids:
                approved = rng.random() < 0.6
                name = f"{rng.choice(FIRST)} {rng.choice(SURNAMES)}" if rng.random() < 0.7 else ""
                desc = ", ".join([rng.choice(BUILDS), rng.choice(HAIR), rng.choice(CLOTHES),
                                  rng.choice(FEATURES)])  # fmt: skip
                yield (pk, force.pk, f"IP-B{pk:07d}", name, None, desc, rng.choice(MO), False, "",
                       now.isoformat() if approved else None, officer.pk if approved else None,
                       None, None, officer.pk, now.isoformat())  # fmt: skip

        _copy(cursor, "intelligence_profile",
              ["id", "force_id", "reference", "name", "date_of_birth", "description",
               "modus_operandi", "names_shared", "names_shared_reason", "approved_at",
               "approved_by_id", "last_incident_at", "partner_visible_until", "created_by_id",
               "created_at"], profile_rows())  # fmt: skip
        _log(f"{profiles:,} profiles")
        pairs = []
        for pk in ids:
            first = rng.choice(area_ids)
            pairs.append((pk, first))
            if rng.random() < 0.5:
                second = rng.choice(area_ids)
                if second != first:
                    pairs.append((pk, second))
        _copy(cursor, "intelligence_profilearea", ["profile_id", "area_id"], pairs)
        area_of = {pk: a for pk, a in pairs}
        _copy(cursor, "intelligence_alias", ["profile_id", "name"],
              ((pk, f"{rng.choice(FIRST)} {rng.choice(SURNAMES)}") for pk in ids
               if rng.random() < 0.33))  # fmt: skip
        _copy(cursor, "intelligence_warningmarker",
              ["profile_id", "marker", "note", "added_by_id", "added_at"],
              ((pk, rng.choice(MARKERS), "", officer.pk, now.isoformat()) for pk in ids
               if rng.random() < 0.1))  # fmt: skip
        _copy(cursor, "intelligence_profileimage",
              ["profile_id", "file", "content_type", "sha256", "source_label", "added_by_id",
               "added_at"],
              ((pk, f"intelligence/images/bench/{pk}.png", "image/png", "0" * 64,
                "Uploaded by the police", officer.pk, now.isoformat()) for pk in ids
               if rng.random() < 0.5))  # fmt: skip
        _log("areas, aliases, markers, pictures")
        span = 18 * 30 * 86400
        # Skewed: a few prolific people hold many incidents (as in life).
        weights = [1 / (i + 1) ** 0.6 for i in range(profiles)]
        chosen = rng.choices(list(ids), weights=weights, k=incidents)

        def link_rows() -> Any:
            for pk in chosen:
                when = now - timedelta(seconds=rng.randrange(span))
                status = "confirmed" if rng.random() < 0.9 else "suggested"
                yield (pk, "CAD-bench", "", when.isoformat(), area_of[pk], rng.randrange(20000),
                       rng.random() < 0.1, status, officer.pk, "", now.isoformat())  # fmt: skip

        started = time.perf_counter()
        _copy(cursor, "intelligence_incidentlink",
              ["profile_id", "event_reference", "summary", "occurred_at", "area_id",
               "value_pence", "violent", "status", "suggested_by_id", "decision_note",
               "created_at"], link_rows())  # fmt: skip
        links_seconds = time.perf_counter() - started
        _log(f"{incidents:,} incidents in {links_seconds:.0f} s")
        # profile_refresh() in SQL: the 2nd newest confirmed incident + 6 months, capped by
        # the newest + 12 months (Policy.months: 30.44 days a month).
        cursor.execute(
            """
            WITH ranked AS (
              SELECT profile_id, occurred_at,
                     row_number() OVER (PARTITION BY profile_id ORDER BY occurred_at DESC) AS n
              FROM intelligence_incidentlink WHERE status = 'confirmed'
            ), facts AS (
              SELECT profile_id, MAX(occurred_at) FILTER (WHERE n = 1) AS last,
                     MAX(occurred_at) FILTER (WHERE n = 2) AS second
              FROM ranked WHERE n <= 2 GROUP BY profile_id
            )
            UPDATE intelligence_profile p
            SET last_incident_at = f.last,
                partner_visible_until = CASE WHEN f.second IS NULL THEN NULL ELSE
                  LEAST(f.second + interval '183 days', f.last + interval '365 days') END
            FROM facts f WHERE f.profile_id = p.id
            """
        )
        raw.commit()
        started = time.perf_counter()
        cursor.execute("ANALYZE")
        raw.commit()
        cursor.execute(
            "SELECT COUNT(*) FROM intelligence_profile WHERE approved_at IS NOT NULL "
            "AND partner_visible_until > now()"
        )
        shared = int(cursor.fetchone()[0])  # type: ignore[index]
    return {
        "load_seconds": round(time.perf_counter() - began, 1),
        "incident_copy_seconds": round(links_seconds, 1),
        "profiles_shared_with_partners": shared,
    }


# The bare queries: what a DBA would write for each page, given the store's areas.
_CARD = """
SELECT p.id, p.reference, p.name, p.description, p.last_incident_at,
       (SELECT i.id FROM intelligence_profileimage i WHERE i.profile_id = p.id
        ORDER BY i.added_at, i.id LIMIT 1) AS image,
       (SELECT string_agg(m.marker, ',') FROM intelligence_warningmarker m
        WHERE m.profile_id = p.id) AS markers
FROM intelligence_profile p
"""
_PARTNER = """
WHERE p.force_id = %(force)s AND p.approved_at IS NOT NULL AND p.partner_visible_until > now()
  AND EXISTS (SELECT 1 FROM intelligence_profilearea pa
              WHERE pa.profile_id = p.id AND pa.area_id = ANY(%(areas)s))
"""
BARE = {
    "gallery": _CARD + _PARTNER,
    "marker": _CARD
    + _PARTNER
    + """
  AND EXISTS (SELECT 1 FROM intelligence_warningmarker w
              WHERE w.profile_id = p.id AND w.marker = %(marker)s)""",
    "description": _CARD
    + """
WHERE p.force_id = %(force)s AND (UPPER(p.description) LIKE UPPER(%(like)s)
                                  OR UPPER(p.modus_operandi) LIKE UPPER(%(like)s))""",
    "name": _CARD
    + """
WHERE p.force_id = %(force)s AND (UPPER(p.name::text) LIKE UPPER(%(like)s)
  OR EXISTS (SELECT 1 FROM intelligence_alias a WHERE a.profile_id = p.id
             AND UPPER(a.name::text) LIKE UPPER(%(like)s)))""",
}
ORDER = " ORDER BY p.last_incident_at DESC NULLS LAST, p.id DESC LIMIT 25"


def _measure(samples: int) -> dict[str, Any]:
    _setup()
    from django.db import connection

    from lantern.accounts.models import Membership, Store
    from lantern.intelligence.selectors import Search, gallery_page

    rng = random.Random(SEED + 1)
    staff = Membership.objects.select_related("organisation").get(user__username="bench-staff")
    police = Membership.objects.select_related("organisation").get(user__username="bench-officer")
    force = police.organisation_id
    areas = list(Store.objects.filter(staff=staff).values_list("area", flat=True))

    def case(kind: str) -> tuple[Search, Any, dict[str, Any]]:
        if kind == "gallery":
            return Search(), staff, {"force": force, "areas": areas}
        if kind == "marker":
            marker = rng.choice(MARKERS)
            return Search(markers=[marker]), staff, {"force": force, "areas": areas,
                                                    "marker": marker}  # fmt: skip
        if kind == "description":
            text = rng.choice(FEATURES)
            return Search(text=text), police, {"force": force, "like": f"%{text}%"}
        text = rng.choice(SURNAMES)
        return Search(name=text), police, {"force": force, "like": f"%{text}%"}

    results: dict[str, Any] = {}
    for kind in ("gallery", "marker", "description", "name"):
        orm_times: list[float] = []
        sql_times: list[float] = []
        sql = BARE[kind] + ORDER
        plan = ""
        for i in range(samples + WARMUP):
            search, membership, params = case(kind)
            began = time.perf_counter()
            page = gallery_page(membership, search)
            cards = [(p.pk, p.card_image_id, p.card_markers) for p in page]  # type: ignore[attr-defined]
            orm = time.perf_counter() - began
            with connection.cursor() as cursor:
                began = time.perf_counter()
                cursor.execute(sql, params)
                rows = cursor.fetchall()
                bare = time.perf_counter() - began
                if i == 0:
                    cursor.execute("EXPLAIN " + sql, params)
                    plan = "\n".join(r[0] for r in cursor.fetchall())
            # The ORM page fetches one extra row to know whether there is a next page.
            if [c[0] for c in cards[:25]] != [r[0] for r in rows]:
                raise RuntimeError(f"{kind}: the ORM and the bare query disagree")
            if i >= WARMUP:
                orm_times.append(orm)
                sql_times.append(bare)
        results[kind] = {
            "p50_ms": _ms(statistics.median(orm_times)),
            "p95_ms": _ms(_p95(orm_times)),
            "sql_p50_ms": _ms(statistics.median(sql_times)),
            "sql_p95_ms": _ms(_p95(sql_times)),
            "ratio_p95": round(_p95(orm_times) / _p95(sql_times), 3),
            "seq_scan_in_plan": "Seq Scan on intelligence_profile " in plan,
        }
        _log(f"{kind}: {results[kind]}")
    return {"cases": results}


def main(argv: list[str]) -> None:
    role, *args = argv
    if role == "load":
        result = _load(int(args[0]), int(args[1]))
    elif role == "measure":
        result = _measure(int(args[0]))
    else:
        raise SystemExit(f"unknown role {role!r}")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
