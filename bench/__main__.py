"""Run the benchmarks: `python -m bench [--quick] [--only NAME]` (`make bench ONLY=ingest`).

Each module listed in BENCHMARKS exposes `run(quick: bool) -> dict` and returns JSON-able
results, with every figure reported as a ratio against a baseline measured in the same run.
The runner writes them all to bench/results/latest.json, prints a table, and writes the
headline figures flat (name -> number, e.g. `ingest.mbps`) to var/bench/results.json and
as a markdown table to var/bench/results.md. A module's headline figures are its result's
"metrics" dict; a module without one contributes every number it returns.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: Benchmark name -> module, run in this order. Add a module here to register it.
BENCHMARKS = {
    "ledger": "bench.ledger",
    "ingest": "bench.tus_node",
    "search": "bench.search",
    "redaction": "bench.redaction",
    "intake": "bench.intake",
    "statement": "bench.statement",
}

#: The flat names issue #12 asks `make bench` for; a benchmark that ran without one fails.
REQUIRED = (
    "ingest.mbps",
    "ingest.ratio_vs_tus_node",
    "ingest.tuspy_ratio_vs_tus_node",
    "ingest.ratio_vs_raw",
    "ingest.rss_growth_mib",
    "intake.rps",
    "intake.ratio_vs_hello",
    "intake.p99_ms",
    "intake.scaleout_ratio_2_vs_1",
    "search.p95_ms",
    "search.ratio_p95_vs_sql",
    "ledger.appends_per_s",
    "ledger.ratio_vs_insert",
    "ledger.proof_ms_at_10m",  # full size only: --quick proves at 100,000 entries
    "statement.p95_ms",
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"
FLAT_DIR = Path(__file__).resolve().parent.parent / "var" / "bench"


def flat_metrics(name: str, result: dict[str, Any]) -> dict[str, float]:
    """The headline figures of one benchmark as `name.metric` -> number."""
    metrics = result.get("metrics")
    rows = _flatten("", metrics if isinstance(metrics, dict) else result)
    return {
        f"{name}.{key}": value
        for key, value in rows
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def markdown(flat: dict[str, float], started: str) -> str:
    lines = [f"Benchmarks run {started}", "", "| name | value |", "|---|---:|"]
    lines += [f"| `{key}` | {_format(value)} |" for key, value in flat.items()]
    return "\n".join(lines) + "\n"


def _flatten(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        rows: list[tuple[str, Any]] = []
        for key, item in value.items():
            rows.extend(_flatten(f"{prefix}.{key}" if prefix else str(key), item))
        return rows
    return [(prefix, value)]


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value == 0 or abs(value) >= 100:
            return f"{value:,.1f}"
        if abs(value) >= 1:
            return f"{value:.3f}".rstrip("0").rstrip(".")
        return f"{value:.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def table(results: dict[str, Any]) -> str:
    lines = []
    for name, result in results.items():
        rows = _flatten("", result)
        width = max((len(key) for key, _ in rows), default=10)
        lines.append(f"== {name}")
        for key, value in rows:
            text = _format(value).replace("\n", "\n" + " " * (width + 4))
            lines.append(f"  {key.ljust(width)}  {text}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument(
        "--only",
        metavar="NAME",
        action="append",
        help="run only this benchmark (e.g. ledger); may be repeated",
    )
    args = parser.parse_args(argv)
    selected = dict(BENCHMARKS)
    if args.only:
        wanted = {n for item in args.only for n in item.replace(",", " ").split()}
        unknown = wanted - set(BENCHMARKS)
        if unknown:
            names = ", ".join(BENCHMARKS)
            parser.error(f"unknown benchmark {', '.join(sorted(unknown))} (known: {names})")
        selected = {n: m for n, m in BENCHMARKS.items() if n in wanted}

    started = datetime.now(UTC)
    report: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "quick": args.quick,
        "host": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "benchmarks": {},
    }
    failed = []
    flat: dict[str, float] = {}
    for name, module_name in selected.items():
        print(f"== bench {name}{' (quick)' if args.quick else ''}", file=sys.stderr, flush=True)
        began = time.perf_counter()
        try:
            module = importlib.import_module(module_name)
            result = module.run(args.quick)
        except Exception as exc:
            traceback.print_exc()
            failed.append(name)
            result = {"error": f"{type(exc).__name__}: {exc}"}
        result["wall_seconds"] = round(time.perf_counter() - began, 1)
        report["benchmarks"][name] = result
        if "error" not in result:
            flat.update(flat_metrics(name, result))

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / "latest.json"
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    FLAT_DIR.mkdir(parents=True, exist_ok=True)
    flat_file = FLAT_DIR / "results.json"
    if flat_file.exists():  # keep the figures of benchmarks not run this time
        earlier = json.loads(flat_file.read_text(encoding="utf-8"))
        ran = tuple(f"{name}." for name in selected)
        flat = {k: v for k, v in earlier.items() if not k.startswith(ran)} | flat
    flat_file.write_text(json.dumps(flat, indent=2) + "\n", encoding="utf-8")
    (FLAT_DIR / "results.md").write_text(markdown(flat, report["started"]), encoding="utf-8")
    print(table(report["benchmarks"]))
    print(f"(results in {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out})")
    missing = [
        key
        for key in REQUIRED
        if key.split(".")[0] in selected
        and key.split(".")[0] not in failed
        and key not in flat
        and not (args.quick and key == "ledger.proof_ms_at_10m")
    ]
    if missing:
        print(f"MISSING required figures: {', '.join(missing)}", file=sys.stderr)
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed or missing else 0


if __name__ == "__main__":
    sys.exit(main())
