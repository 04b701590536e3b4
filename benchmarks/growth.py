"""Import and rebuild cost per event, and peak RSS, as the ledger grows: a table and an SVG.

Run ``python benchmarks/growth.py`` (10k, 100k, 300k and 1M events, 20 events a customer)
or ``--sizes 10000,100000`` for fewer. At each size the synthetic history is written as
JSON Lines (untimed), then ``trustengine import FILE`` into a fresh store and
``trustengine rebuild`` of that store run as child processes; their CPU time and peak RSS
come from ``os.wait4``. Per-event CPU is net of a ``trustengine --help`` run (start-up
and imports) measured in the same run, so a flat line means a flat cost per event.
``--svg FILE`` (default ``benchmarks/growth.svg``) draws both, on a log scale of events.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from procs import Runs, child_env, cli, measure

HERE = Path(__file__).resolve().parent
DEFAULT_SIZES = "10000,100000,300000,1000000"


def measure_size(root: Path, events: int, repeat: int, seed: int, boot: float) -> dict[str, Any]:
    jsonl = root / f"history-{events}.jsonl"
    if not jsonl.exists():
        customers = str(max(1, events // 20))
        synth = [sys.executable, "-m", "trustengine.testing.synth", "--customers", customers]
        measure([*synth, "--events", str(events), "--seed", str(seed), str(jsonl)])
    imported, rebuilt = Runs(f"import {events:,}", events), Runs(f"rebuild {events:,}", events)
    for turn in range(repeat):
        db = root / f"store-{events}-{turn}.db"
        imported.runs.append(measure([*cli(), "import", str(jsonl), "--db", str(db)]))
        rebuilt.runs.append(measure([*cli(), "rebuild", "--db", str(db)]))
        for path in root.glob(f"store-{events}-{turn}.*"):
            path.unlink()
    print(f"  {imported.describe()}\n  {rebuilt.describe()}", file=sys.stderr, flush=True)
    return {
        "events": events,
        "import_us": imported.per_item_us(boot),
        "rebuild_us": rebuilt.per_item_us(boot),
        "import_rss_mb": imported.rss_mb,
        "rebuild_rss_mb": rebuilt.rss_mb,
        "import_wall": imported.wall,
        "rebuild_wall": rebuilt.wall,
    }


def svg(points: list[dict[str, Any]], title: str) -> str:
    """Two charts side by side: CPU us per event, and peak RSS MiB, against log10 events."""
    width, height, pad = 360, 240, 48
    xs = [math.log10(p["events"]) for p in points]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1

    def chart(left: int, label: str, series: list[tuple[str, str, str]]) -> list[str]:
        top = max(max(p[key] for p in points) for _, key, _ in series) * 1.15 or 1.0
        out = [
            f'<g transform="translate({left},0)">',
            f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="13">{label}</text>',
            f'<line x1="{pad}" y1="{height - pad}" x2="{width - 10}" y2="{height - pad}" '
            'stroke="#444"/>',
            f'<line x1="{pad}" y1="30" x2="{pad}" y2="{height - pad}" stroke="#444"/>',
        ]

        def at(x: float, y: float) -> tuple[float, float]:
            px = pad + (x - x0) / (x1 - x0) * (width - pad - 20)
            return px, height - pad - y / top * (height - pad - 40)

        for p, x in zip(points, xs, strict=True):
            px, _ = at(x, 0)
            out.append(
                f'<text x="{px:.1f}" y="{height - pad + 16}" text-anchor="middle" '
                f'font-size="10">{p["events"]:,}</text>'
            )
        for step in range(5):
            value = top * step / 4
            _, py = at(x0, value)
            out.append(
                f'<text x="{pad - 4}" y="{py + 3:.1f}" text-anchor="end" '
                f'font-size="10">{value:.0f}</text>'
            )
        for n, (name, key, colour) in enumerate(series):
            coords = [at(x, p[key]) for p, x in zip(points, xs, strict=True)]
            line = " ".join(f"{px:.1f},{py:.1f}" for px, py in coords)
            out.append(
                f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
            out += [
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for px, py in coords
            ]
            out.append(
                f'<text x="{pad + 8}" y="{44 + 14 * n}" font-size="11" '
                f'fill="{colour}">{name}</text>'
            )
        out.append(
            f'<text x="{width / 2}" y="{height - 8}" text-anchor="middle" font-size="11">'
            "events (log scale)</text></g>"
        )
        return out

    body = chart(
        0,
        "CPU us per event (net of start-up)",
        [
            ("import", "import_us", "#1f77b4"),
            ("rebuild", "rebuild_us", "#d62728"),
        ],
    )
    body += chart(
        width,
        "peak RSS, MiB",
        [
            ("import", "import_rss_mb", "#1f77b4"),
            ("rebuild", "rebuild_rss_mb", "#d62728"),
        ],
    )
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * width}" height="{height + 20}" '
            f'font-family="sans-serif"><title>{title}</title>',
            f'<text x="8" y="{height + 14}" font-size="10">{title}</text>',
            *body,
            "</svg>",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="comma-separated event counts")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (median)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--svg", type=Path, default=HERE / "growth.svg")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", type=Path, help="use (and keep) this folder for the files")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    root = args.keep or Path(tempfile.mkdtemp(prefix="growth-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    child_env(root / "pycache")
    try:
        measure([*cli(), "--help"])  # untimed: fills the children's bytecode cache
        boot = statistics.median(measure([*cli(), "--help"]).cpu for _ in range(5))
        points = [measure_size(root, n, args.repeat, args.seed, boot) for n in sizes]
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    print(f"start-up (trustengine --help): {boot * 1000:.0f} ms CPU; median of {args.repeat}")
    print("| events | import us/event | rebuild us/event | import peak RSS | rebuild peak RSS |")
    print("|---|---|---|---|---|")
    for p in points:
        print(
            f"| {p['events']:,} | {p['import_us']:.1f} | {p['rebuild_us']:.1f} | "
            f"{p['import_rss_mb']:.0f} MiB | {p['rebuild_rss_mb']:.0f} MiB |"
        )
    title = f"trustengine import and rebuild as the ledger grows (median of {args.repeat})"
    args.svg.write_text(svg(points, title), encoding="utf-8")
    print(f"wrote {args.svg}")
    if args.json is not None:
        args.json.write_text(json.dumps(points, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
