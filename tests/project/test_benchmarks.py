"""The benchmarks run end to end at tiny sizes, so that they cannot rot unnoticed.

Figures at these sizes mean nothing; what is checked is that every scenario runs, that
every ratio is printed, and that the scratch schemas are dropped afterwards.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _bench_schemas(url: str) -> set[str]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench\\_%'"
        ).fetchall()
    return {str(row[0]) for row in rows}


@pytest.mark.postgres
def test_postgres_bench_prints_every_ratio_and_the_follower_lag_and_drops_its_schemas(
    postgres_url: str, tmp_path: Path
) -> None:
    before = _bench_schemas(postgres_url)
    results = tmp_path / "results.json"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "postgres_bench.py"),
            *("--url", postgres_url, "--events", "300", "--customers", "20"),
            *("--batch", "100", "--commands", "30", "--repeat", "1"),
            *("--lag-rate", "40", "--lag-seconds", "1", "--lag-batch", "4"),
            *("--json", str(results)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    for name in (
        "bulk trustengine/raw",
        "bulk stock/raw",
        "per command trustengine/raw",
        "per command stock/raw",
    ):
        assert re.search(rf"^ratio {re.escape(name)}:\s+\d+\.\d{{3}}$", done.stdout, re.M), name
    for figure in ("p50", "p95", "max"):
        assert re.search(rf"^  {figure}\s+\d+\.\d\s+\(runs \d+\.\d\)$", done.stdout, re.M), figure
    assert "follower exit status on SIGTERM: 0" in done.stdout
    written = json.loads(results.read_text(encoding="utf-8"))
    assert sorted(written["ratios"]) == [
        "bulk stock/raw",
        "bulk trustengine/raw",
        "per command stock/raw",
        "per command trustengine/raw",
    ]
    assert [run["exit"] for run in written["lag"]] == [0]
    assert _bench_schemas(postgres_url) <= before


def test_import_bench_runs_at_a_tiny_size(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "import_bench.py"),
            *("--events", "200", "--customers", "20", "--commands", "20", "--repeat", "1"),
            *("--tmpdir", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert re.search(r"^bulk ratio trustengine/raw .*\d\.\d{3}", done.stdout, re.M)
    assert re.search(r"^per-command ratio trustengine/raw .*\d\.\d{3}", done.stdout, re.M)


def test_import_stages_prints_every_stage_and_floor_at_a_tiny_size() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "import_stages.py"),
            *("--events", "200", "--customers", "20", "--repeat", "1"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    for stage in ("spool", "decode", "parse", "stage", "map and seal", "chain", "SQL"):
        assert re.search(rf"^{stage} +-?\d+\.\d\d us an event", done.stdout, re.M), stage
    assert re.search(r"^import_lines +\d+\.\d\d us an event$", done.stdout, re.M)
    assert re.search(r"^  SHA-256 twice a stored event +\d+\.\d\d us an event$", done.stdout, re.M)


def test_render_bench_runs_at_a_tiny_size_and_prints_both_ratios(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "render_bench.py"),
            *("--events", "300", "--customers", "20", "--repeat", "1", "--rich-rows", "10"),
            *("--tmpdir", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    for name in ("due --overdue", "customers --at-risk"):
        pattern = rf"^ratio {re.escape(name)} table/csv: \d+\.\d{{3}} \(CPU \d+\.\d{{3}}\)$"
        assert re.search(pattern, done.stdout, re.M), name


def test_merkle_bench_prints_every_scenario_with_its_ratio_to_verify() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "merkle_bench.py"),
            *("--events", "300", "--customers", "20", "--repeat", "1"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    for name in ("verify", "root", "tree", "proof", "consistency"):
        figures = r"\s+\d+\.\d{3}" * 3
        assert re.search(rf"^{name}{figures}$", done.stdout, re.M), name
    assert re.search(r"^peak memory root: \d+\.\d MB$", done.stdout, re.M)


def test_audit_bench_prints_every_scenario_with_its_ratio_to_verify() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "audit_bench.py"),
            *("--events", "300", "--customers", "20", "--repeat", "1"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    for name in ("verify", "customer", "head"):
        figures = r"\s+\d+\.\d{3}" * 3
        assert re.search(rf"^{name}{figures}$", done.stdout, re.M), name


def test_targets_driver_prints_every_row_of_the_target_table_at_a_tiny_size(
    tmp_path: Path,
) -> None:
    results = tmp_path / "targets.json"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "targets.py"),
            *("--events", "200", "--big", "400", "--commands", "10", "--repeat", "1"),
            *("--replay-events", "100", "--no-postgres", "--keep", str(tmp_path)),
            *("--json", str(results)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    for path in (
        "SQLite bulk import / raw sqlite3",
        "SQLite per command / raw one-txn-per-row",
        "rebuild / new baseline, 200 events",
        "rebuild / new baseline, 400 events",
        "rebuild per event, 400 vs 200",
        "state --as-of, one customer with 100 events",
        "verify / export CPU per event, 200",
        "verify / export CPU per event, 400",
        "trustengine --help; state CUST at 400",
        "report at 400 events",
    ):
        assert re.search(rf"^\| {re.escape(path)} \| .*\d", done.stdout, re.M), path
    assert "stock one-save/raw" in done.stdout
    assert "stock get+save/raw" in done.stdout
    assert json.loads(results.read_text(encoding="utf-8"))["sizes"][1]["events"] == 400


def test_growth_bench_prints_a_row_per_size_and_draws_the_svg(tmp_path: Path) -> None:
    drawn = tmp_path / "growth.svg"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "growth.py"),
            *("--sizes", "100,200", "--svg", str(drawn)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    for size in ("100", "200"):
        assert re.search(
            rf"^\| {size} \| -?\d+\.\d \| -?\d+\.\d \| \d+ MiB \| \d+ MiB \|$", done.stdout, re.M
        )
    assert drawn.read_text(encoding="utf-8").startswith("<svg ")


def test_startup_ab_prints_both_sides_and_their_ratio(tmp_path: Path) -> None:
    results = tmp_path / "ab.json"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "startup_ab.py"),
            *("--old", str(BENCHMARKS.parent), "--rounds", "1", "--json", str(results)),
            *("--", "--help"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    for side in ("old", "new"):
        assert re.search(rf"^{side}: median \d+ ms CPU, \d+ ms wall", done.stdout, re.M), side
    assert re.search(r"^new/old CPU: \d+\.\d{3}$", done.stdout, re.M)
    assert len(json.loads(results.read_text(encoding="utf-8"))["old"]["runs_cpu_ms"]) == 1


def test_report_bench_compares_two_codes_and_their_output_at_a_tiny_size(tmp_path: Path) -> None:
    stores = []
    for name in ("old", "new"):
        db = tmp_path / f"{name}.db"
        made = subprocess.run(
            [sys.executable, "-m", "trustengine", "demo", "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert made.returncode == 0, made.stderr
        stores.append(str(db))
    results = tmp_path / "report.json"
    src = BENCHMARKS.parent / "src"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "report_bench.py"),
            *("--db", stores[1], "--old-src", str(src), "--old-db", stores[0]),
            *("--repeat", "1", "--json-too", "--queries", "--json", str(results)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    for form in ("text", "json"):
        assert re.search(
            rf"^report {form}: new \d+\.\d{{3}} s CPU .* old / new \d+\.\d\dx by CPU, "
            r"\d+\.\d\dx by wall; output identical$",
            done.stdout,
            re.M,
        ), form
    assert re.search(r"^  _recovery +\d+\.\d{3} +\d+\.\d{3}$", done.stdout, re.M)
    written = json.loads(results.read_text(encoding="utf-8"))
    assert sorted(written["runs"]) == ["new json", "new text", "old json", "old text"]


def test_rebuild_order_bench_runs_both_codes_and_compares_their_tables(tmp_path: Path) -> None:
    from trustengine import TrustEngine
    from trustengine.testing.synth import generate_history

    store = tmp_path / "store" / "tiny.db"
    store.parent.mkdir()
    engine = TrustEngine(str(store))
    engine.record_many(generate_history(20, 200, seed=3))
    engine.close()
    src = Path(__file__).resolve().parents[2] / "src"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "rebuild_order.py"),
            str(store),
            *("--other", str(src), "--repeat", "1", "--compare"),
            *("--scratch", str(tmp_path / "scratch")),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    found = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [(row["code"], row["events"]) for row in found] == [("other", 200), ("this", 200)]
    assert "tiny.db: tables same" in done.stdout
