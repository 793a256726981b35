"""Ledger benchmark (issue "Tamper-evident ledger"), on PostgreSQL, against a plain INSERT.

Two figures, each a ratio against a baseline measured in the same run, on the same database:

appends
    4 writer processes each make N `ledger_record()` calls, one transaction each, so every
    commit runs the after-commit sequencer (`ledger_integrate(wait=False)`). Timed from "go"
    until every writer is done *and* a final `ledger_integrate()` has sequenced the rest.
    Baseline: the same 4 processes making the same number of single-row INSERTs, one
    transaction each, through Django's connection cursor, into `bench_plain_entry`, a copy
    of `ledger_entry` (same columns, types, defaults and indexes; no triggers, no sequencer).
    ratio = ledger appends/s ÷ plain inserts/s. Run in 3 alternating rounds (plain, ledger,
    plain, ...) because a shared VM drifts; the medians and each round are reported.

proofs
    The ledger is filled to M entries (10 million by default) with synthetic sequenced rows
    and their subtree nodes via COPY, then `store.inclusion_proof(i, M)` is timed for 200
    seeded random i, each proof verified against `store.root_at(M)`. The SQL of each proof
    is counted (about log2 M primary-key/unique-index lookups) and EXPLAINed (no Seq Scan).
    Baseline: one plain single-row INSERT in its own transaction into `bench_plain_entry`,
    interleaved with the proofs. ratio = median proof time ÷ median plain INSERT time.

The runner process is configured for the test settings (SQLite), so all Django work happens
in child processes (`python -m bench.ledger ROLE ...`) pointed at a fresh PostgreSQL database
with DATABASE_URL, migrated with the append-only triggers on, as in production.

Environment: BENCH_PG_URL (server to create the scratch database on; default
postgres://postgres@127.0.0.1:5432/postgres), BENCH_LEDGER_PER_WRITER, BENCH_LEDGER_ROUNDS,
BENCH_LEDGER_SIZE.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
WRITERS = 4
PER_WRITER, PER_WRITER_QUICK = 2000, 200
ROUNDS, ROUNDS_QUICK = 3, 1
SIZE, SIZE_QUICK = 10_000_000, 100_000
SAMPLES, WARMUP = 200, 5
SEED = 20261123
CHUNK = 200_000

PLAIN_TABLE = "bench_plain_entry"
PLAIN_COLUMNS = (
    "created_at", "actor_label", "actor_org_label", "action", "object_type", "object_id",
    "object_sha256", "reason", "detail",
)  # fmt: skip
PLAIN_INSERT = (
    f"INSERT INTO {PLAIN_TABLE} ({', '.join(PLAIN_COLUMNS)}) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb)"
)
# Synthetic rows: every NOT NULL column set; CSV needs "" for an empty string (bare is NULL).
COPY_ENTRIES = (
    "COPY ledger_entry (seq, leaf_hash, created_at, actor_label, actor_org_label, action, "
    "object_type, object_id, object_sha256, reason, detail) FROM STDIN (FORMAT csv)"
)
ENTRY_SUFFIX = ',2026-01-01 00:00:00+00,bench,"",changed,bench.synthetic,"","","",{}\n'
COPY_NODES = "COPY ledger_node (level, index, hash) FROM STDIN (FORMAT csv)"
SYNTHETIC_NOTE = (
    "proof timings use synthetic entries: leaf_hash = SHA-256(b'leaf' || seq as 8-byte "
    "big-endian), not the canonical encoding of the row; subtree nodes and the root are "
    "computed from those leaves as the sequencer would, and every proof is verified"
)


def _log(message: str) -> None:
    print(f"  [ledger {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value else default


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


# --------------------------------------------------------------------------------------------
# The runner side: scratch database, children, results
# --------------------------------------------------------------------------------------------


def run(quick: bool) -> dict[str, Any]:
    import psycopg

    per_writer = _env_int("BENCH_LEDGER_PER_WRITER", PER_WRITER_QUICK if quick else PER_WRITER)
    rounds = _env_int("BENCH_LEDGER_ROUNDS", ROUNDS_QUICK if quick else ROUNDS)
    size = _env_int("BENCH_LEDGER_SIZE", SIZE_QUICK if quick else SIZE)
    if size < rounds * WRITERS * per_writer:
        raise ValueError("BENCH_LEDGER_SIZE must be at least the number of appended entries")
    name = f"lantern_bench_{uuid.uuid4().hex[:10]}"
    url = urlsplit(ADMIN_URL)._replace(path=f"/{name}").geturl()
    timeout = 900 if quick else 4 * 3600
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
                "LEDGER_DB_GUARDS": "true",
                "DEBUG": "false",
                "LANTERN_DEMO": "false",
            }
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "-v0", "--skip-checks"],
                cwd=ROOT,
                env=env,
                check=True,
                timeout=600,
            )
            _log("migrated (append-only triggers installed)")
            appends = _child(env, ["appends", str(per_writer), str(rounds)], timeout)
            load = _child(env, ["load", str(size)], timeout)
            proofs = _child(env, ["proofs", str(size), str(SAMPLES), load["root"]], timeout)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _log(f"dropped database {name}")
    proofs["load_seconds"] = load["load_seconds"]
    proofs["vacuum_analyze_seconds"] = load["vacuum_analyze_seconds"]
    proofs["rows_loaded"] = {"entries": load["entries"], "nodes": load["nodes"]}
    # The flat names of issue #12 (bench/__main__ keeps only "metrics" when it is given).
    metrics: dict[str, Any] = {
        "appends_per_s": appends["appends_per_s"],
        "ratio_vs_insert": appends["ratio"],
        "plain_inserts_per_s": appends["plain_inserts_per_s"],
        "proof_ms": proofs["proof_median_ms"],
        "proof_p95_ms": proofs["proof_p95_ms"],
        "proof_ratio_vs_insert": proofs["ratio"],
        "proof_queries": proofs["queries_per_proof"],
        "entries_for_proofs": proofs["entries"],
    }
    if proofs["entries"] >= 10_000_000:
        metrics["proof_ms_at_10m"] = proofs["proof_median_ms"]
    return {
        "metrics": metrics,
        "postgresql": server[0] if server else "?",
        "appends": appends,
        "proofs": proofs,
        "notes": [
            "appends ratio = ledger appends/s ÷ plain inserts/s (higher is better, 1 = free)",
            "proofs ratio = median proof time ÷ median plain INSERT time",
            SYNTHETIC_NOTE,
        ],
    }


def _child(env: dict[str, str], args: list[str], timeout: float) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.ledger", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
        timeout=timeout,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------------------------
# Child processes (Django configured against the scratch database)
# --------------------------------------------------------------------------------------------


def _setup() -> None:
    import django

    django.setup()


def _writer(kind: str, wid: int, count: int) -> None:
    """One writer: get ready, wait for "go" on stdin, write, report "done"."""
    _setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from lantern.ledger.services import ledger_record

    connection.ensure_connection()
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    label = f"writer{wid}"
    if kind == "ledger":
        for i in range(count):
            with transaction.atomic():
                ledger_record(
                    action="changed",
                    actor_label=label,
                    object_type="bench.thing",
                    object_id=f"{wid}-{i}",
                    detail={"i": i},
                )
    elif kind == "plain":
        for i in range(count):
            params: list[Any] = [timezone.now(), label, "", "changed", "bench.thing"]
            params += [f"{wid}-{i}", "", ""]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(PLAIN_INSERT, [*params, json.dumps({"i": i})])
    else:
        raise ValueError(kind)
    print("done", flush=True)


def _expect(process: subprocess.Popen[str], word: str) -> None:
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if line != word:
        process.wait(timeout=60)
        raise RuntimeError(f"writer said {line!r}, not {word!r} (exit {process.returncode})")


def _run_writers(kind: str, per_writer: int) -> float:
    """Start the writers, wait until all are connected, then time them; returns the start."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.ledger", "writer", kind, str(w), str(per_writer)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(WRITERS)
    ]
    try:
        for process in processes:
            _expect(process, "ready")
        began = time.perf_counter()
        for process in processes:
            stdin: IO[str] | None = process.stdin
            assert stdin is not None
            stdin.write("go\n")
            stdin.flush()
        for process in processes:
            _expect(process, "done")
        return began
    finally:
        for process in processes:
            if process.stdin:
                process.stdin.close()
        for process in processes:
            try:
                process.wait(timeout=600)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if any(p.returncode for p in processes):
            raise RuntimeError(f"a {kind} writer failed: {[p.returncode for p in processes]}")


def _appends(per_writer: int, rounds: int) -> dict[str, Any]:
    _setup()
    from django.db import connection

    from lantern.ledger.models import Entry, LedgerState
    from lantern.ledger.store import ledger_integrate, ledger_verify_live

    batch = WRITERS * per_writer
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {PLAIN_TABLE} (LIKE ledger_entry "
            "INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES)"
        )
    measured = []
    for number in range(1, rounds + 1):  # alternate, so drift on a shared VM hits both sides
        _log(f"round {number}/{rounds}: plain INSERT, {WRITERS} writers x {per_writer}")
        began = time.perf_counter()
        _run_writers("plain", per_writer)
        plain_seconds = time.perf_counter() - began
        _log(f"  {batch / plain_seconds:,.0f} rows/s")
        _log(f"round {number}/{rounds}: ledger_record, {WRITERS} writers x {per_writer}")
        began = _run_writers("ledger", per_writer)
        writers_done = time.perf_counter()
        left_over = ledger_integrate()
        ended = time.perf_counter()
        ledger_seconds = ended - began
        _log(f"  {batch / ledger_seconds:,.0f} entries/s ({left_over} left to the final integrate)")
        measured.append(
            {
                "appends_per_s": round(batch / ledger_seconds, 1),
                "plain_inserts_per_s": round(batch / plain_seconds, 1),
                "ratio": round(plain_seconds / ledger_seconds, 3),
                "final_integrate_seconds": round(ended - writers_done, 3),
                "sequenced_by_final_integrate": left_over,
            }
        )

    # Sanity: every entry sequenced exactly once, 0..n-1, and the tree verifies.
    total = rounds * batch
    seqs = list(Entry.objects.order_by("seq").values_list("seq", flat=True))
    if seqs != list(range(total)):
        missing = sorted(set(range(total)) - {s for s in seqs if s is not None})[:10]
        raise RuntimeError(f"seq is not 0..{total - 1} without gaps (missing e.g. {missing})")
    if LedgerState.objects.get(pk=1).size != total:
        raise RuntimeError("LedgerState.size does not match the number of entries")
    report = ledger_verify_live()
    if not report.ok:
        raise RuntimeError(f"ledger_verify_live failed: {report.problems[:3]}")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {PLAIN_TABLE}")
        row = cursor.fetchone()
    if row is None or row[0] != total:
        raise RuntimeError(f"{PLAIN_TABLE} has {row} rows, expected {total}")

    def median(key: str) -> float:
        return round(statistics.median(r[key] for r in measured), 3)

    return {
        "writers": WRITERS,
        "per_writer": per_writer,
        "rounds": rounds,
        "entries": total,
        "appends_per_s": median("appends_per_s"),
        "plain_inserts_per_s": median("plain_inserts_per_s"),
        "ratio": median("ratio"),
        "by_round": [
            f"{r['appends_per_s']:,.0f} vs {r['plain_inserts_per_s']:,.0f}/s = {r['ratio']}, "
            f"final integrate {r['final_integrate_seconds']} s "
            f"for {r['sequenced_by_final_integrate']} entries"
            for r in measured
        ],
        "seq_gapless_and_verified": True,
    }


def _load(size: int) -> dict[str, Any]:
    """Fill the ledger to `size` sequenced entries and their subtree nodes, with COPY.

    Memory: one level of the tree at a time as a bytearray of 32-byte hashes (320 MB for
    10 million leaves, plus half that for the level being built).
    """
    import psycopg

    url = os.environ["DATABASE_URL"]
    began = time.perf_counter()
    sha256 = hashlib.sha256
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        state = cursor.execute("SELECT size FROM ledger_ledgerstate WHERE id = 1").fetchone()
        pending = cursor.execute("SELECT count(*) FROM ledger_entry WHERE seq IS NULL").fetchone()
        if state is None or pending is None or pending[0]:
            raise RuntimeError("the ledger must be fully sequenced before loading")
        start = int(state[0])
        if size < start:
            raise RuntimeError(f"the ledger already has {start} > {size} entries")
        level = bytearray(size * 32)
        for seq, value in cursor.execute(
            "SELECT seq, leaf_hash FROM ledger_entry WHERE seq IS NOT NULL ORDER BY seq"
        ):
            level[seq * 32 : seq * 32 + 32] = value
        _log(f"loading entries {start:,}..{size - 1:,} with COPY")
        report_every = max(size // 10, CHUNK)
        with cursor.copy(COPY_ENTRIES) as copy:
            for first in range(start, size, CHUNK):
                last = min(first + CHUNK, size)
                seqs = range(first, last)
                hashes = [sha256(b"leaf" + s.to_bytes(8, "big")).digest() for s in seqs]
                level[first * 32 : last * 32] = b"".join(hashes)
                copy.write(
                    "".join(
                        [
                            f"{s},\\x{h.hex()}{ENTRY_SUFFIX}"
                            for s, h in zip(seqs, hashes, strict=True)
                        ]
                    )
                )
                if last // report_every != first // report_every or last == size:
                    elapsed = time.perf_counter() - began
                    _log(f"  entries: {last:,} ({(last - start) / elapsed:,.0f}/s)")
        entries_seconds = time.perf_counter() - began
        _log(f"entries copied in {entries_seconds:.1f} s; now the subtree nodes")

        # Every complete aligned subtree root, level by level. Nodes whose leaves were all
        # in the ledger already ((index + 1) << level <= start) are in ledger_node already.
        peaks = []  # roots of the complete subtrees that make up [0, size), smallest first
        count, height, nodes = size, 0, 0
        if count & 1:
            peaks.append(bytes(level[(count - 1) * 32 : count * 32]))
        with cursor.copy(COPY_NODES) as copy:
            while count > 1:
                parents, height = count // 2, height + 1
                existing = start >> height
                above = bytearray(parents * 32)
                for first in range(0, parents, CHUNK):
                    last = min(first + CHUNK, parents)
                    indices = range(first, last)
                    hashes = [
                        sha256(b"\x01" + level[64 * j : 64 * j + 64]).digest() for j in indices
                    ]
                    above[first * 32 : last * 32] = b"".join(hashes)
                    rows = [
                        f"{height},{j},\\x{h.hex()}\n"
                        for j, h in zip(indices, hashes, strict=True)
                        if j >= existing
                    ]
                    nodes += len(rows)
                    if rows:
                        copy.write("".join(rows))
                level, count = above, parents
                if count & 1:
                    peaks.append(bytes(level[(count - 1) * 32 : count * 32]))
                if height <= 3 or count == 1:
                    _log(f"  level {height}: {parents:,} nodes")
        del level
        root = peaks[0]
        for left in peaks[1:]:
            root = sha256(b"\x01" + left + root).digest()
        cursor.execute("UPDATE ledger_ledgerstate SET size = %s WHERE id = 1", [size])
    load_seconds = time.perf_counter() - began
    _log(f"loaded {size - start:,} entries and {nodes:,} nodes in {load_seconds:.1f} s")
    began = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        # As autovacuum would after a bulk insert; done now so it does not run mid-measurement.
        conn.execute("VACUUM (ANALYZE) ledger_entry")
        conn.execute("VACUUM (ANALYZE) ledger_node")
    vacuum_seconds = time.perf_counter() - began
    _log(f"VACUUM ANALYZE in {vacuum_seconds:.1f} s")
    return {
        "entries": size - start,
        "nodes": nodes,
        "root": root.hex(),
        "load_seconds": round(load_seconds, 1),
        "entries_copy_seconds": round(entries_seconds, 1),
        "vacuum_analyze_seconds": round(vacuum_seconds, 1),
    }


def _proofs(size: int, samples: int, expected_root: str) -> dict[str, Any]:
    _setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from lantern.ledger import store
    from lantern.ledger.merkle import verify_inclusion

    began = time.perf_counter()
    root = store.root_at(size)
    root_seconds = time.perf_counter() - began
    if root.hex() != expected_root:
        raise RuntimeError("root_at(size) differs from the root computed while loading")
    rng = random.Random(SEED)
    indices = [rng.randrange(size) for _ in range(samples)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM ledger_entry")
        bounds = cursor.fetchone()
    assert bounds is not None
    ids = [rng.randint(bounds[0], bounds[1]) for _ in range(samples)]

    def plain_insert(i: int) -> None:
        params: list[Any] = [timezone.now(), "proofs", "", "changed", "bench.thing"]
        params += [f"p-{i}", "", ""]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(PLAIN_INSERT, [*params, json.dumps({"i": i})])

    def pk_select(pk: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT leaf_hash FROM ledger_entry WHERE id = %s", [pk])
            cursor.fetchone()

    for i in range(WARMUP):  # connection, imports, plan caches: not what is being measured
        store.inclusion_proof(rng.randrange(size), size)
        plain_insert(-1 - i)
        pk_select(ids[i])
    _log(f"{samples} inclusion proofs at size {size:,}, interleaved with plain INSERTs")
    proof_times, insert_times, select_times, proofs = [], [], [], []
    perf = time.perf_counter
    for k, index in enumerate(indices):  # interleaved, so all three see the same conditions
        t0 = perf()
        proofs.append(store.inclusion_proof(index, size))
        t1 = perf()
        plain_insert(k)
        t2 = perf()
        pk_select(ids[k])
        t3 = perf()
        proof_times.append(t1 - t0)
        insert_times.append(t2 - t1)
        select_times.append(t3 - t2)

    # Untimed: every proof checks out, and what SQL a proof runs.
    reader = store.DatabaseReader(size)
    for index, proof in zip(indices, proofs, strict=True):
        if not verify_inclusion(reader.leaf_hash(index), index, size, proof, root):
            raise RuntimeError(f"the inclusion proof of entry {index} does not verify")
    query_counts = []
    for index in indices:
        with CaptureQueriesContext(connection) as captured:
            store.inclusion_proof(index, size)
        query_counts.append(len(captured.captured_queries))
    with CaptureQueriesContext(connection) as captured:
        store.inclusion_proof(indices[0], size)
    scans: set[str] = set()
    seq_scans = 0
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN " + query["sql"])
            plan = [str(row[0]) for row in cursor.fetchall()]
            seq_scans += any("Seq Scan" in line for line in plan)
            scans.update(
                line.strip().lstrip("-> ").split("  (")[0] for line in plan if "Scan" in line
            )
    if seq_scans:
        raise RuntimeError(f"{seq_scans} queries of an inclusion proof use a sequential scan")

    proof_median = statistics.median(proof_times)
    insert_median = statistics.median(insert_times)
    _log(f"  proof median {_ms(proof_median)} ms, plain INSERT median {_ms(insert_median)} ms")
    return {
        "entries": size,
        "samples": samples,
        "proof_median_ms": _ms(proof_median),
        "proof_p95_ms": _ms(_p95(proof_times)),
        "queries_per_proof": statistics.median(query_counts),
        "queries_per_proof_max": max(query_counts),
        "proof_ms_per_query": _ms(proof_median / statistics.median(query_counts)),
        "proof_length_median": statistics.median(len(p) for p in proofs),
        "log2_entries": round(math.log2(size), 1),
        "seq_scans": seq_scans,
        "index_scans_seen": sorted(scans),
        "plain_insert_median_ms": _ms(insert_median),
        "plain_insert_p95_ms": _ms(_p95(insert_times)),
        "pk_select_median_ms": _ms(statistics.median(select_times)),
        "ratio": round(proof_median / insert_median, 3),
        "root_at_ms": _ms(root_seconds),
        "all_proofs_verified": True,
    }


def main(argv: list[str]) -> None:
    role, *args = argv
    if role == "writer":
        _writer(args[0], int(args[1]), int(args[2]))
        return
    if role == "appends":
        result = _appends(int(args[0]), int(args[1]))
    elif role == "load":
        result = _load(int(args[0]))
    elif role == "proofs":
        result = _proofs(int(args[0]), int(args[1]), args[2])
    else:
        raise SystemExit(f"unknown role {role!r}")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
