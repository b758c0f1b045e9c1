#!/usr/bin/env python3
"""Scores `huaxiang ask` on the nlq question set and measures its latency.

Usage: python3 bench/nlq.py [--bin PATH] [--set dev.jsonl] [--s7 DIR] [--ws DIR]
                            [--latency-ws DIR] [--repeat N] [-v]

* Makes the S data with seed 7 (gen_data.py --customers 10000 --seed 7) in --s7 when it is
  missing, and a built workspace from it in --ws when that is missing.
* Runs every question of the set through `huaxiang ask --json`, writes the answers next to
  the workspace (answers.jsonl) and prints score.py's `N passed, M failed`.
* With --latency-ws (e.g. /work/data/ws-M), runs every question there --repeat times and
  prints p50/p95 wall-clock latency of the whole command.

Defaults: --bin target/release/huaxiang if present else target/debug/huaxiang
(under $CARGO_TARGET_DIR or ./target), --set ../shared/bench/nlq/dev.jsonl.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HUAXIANG_SHARED", ROOT.parent / "shared"))
TABLES = ["customers", "orders", "order_items", "events", "tickets"]


def default_bin():
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for kind in ("release", "debug"):
        p = target / kind / "huaxiang"
        if p.is_file():
            return p
    sys.exit("no huaxiang binary; run `cargo build -p huaxiang` first or pass --bin")


def run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True, **kw)


def ensure_data(s7: Path):
    if (s7 / "orders.csv").is_file():
        return
    py = os.environ.get("HUAXIANG_PYTHON", "/var/cache/huaxiang-ci/venv/bin/python")
    print(f"generating S7 data in {s7} …", file=sys.stderr)
    run([py, SHARED / "bench/gen_data.py", "--customers", "10000", "--seed", "7", "--out", s7])


def ensure_ws(hx: Path, ws: Path, s7: Path):
    if (ws / "tables" / "builds").exists():
        return
    print(f"building workspace {ws} …", file=sys.stderr)
    run([hx, "-w", ws, "init"])
    for t in TABLES:
        run([hx, "-w", ws, "ingest", "--json", "--table", t, "--source", "shop", s7 / f"{t}.csv"])
    run([hx, "-w", ws, "build"])


def ask(hx: Path, ws: Path, q: str):
    t0 = time.perf_counter()
    out = subprocess.run([str(hx), "-w", str(ws), "ask", "--json", q], capture_output=True, text=True)
    dt = time.perf_counter() - t0
    line = out.stdout.strip() if out.returncode == 0 else json.dumps({"error": out.stderr.strip()})
    return line, dt


def pct(xs, p):
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, round(p / 100 * len(xs) + 0.5) - 1))
    return xs[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", type=Path)
    ap.add_argument("--set", type=Path, default=SHARED / "bench/nlq/dev.jsonl")
    ap.add_argument("--s7", type=Path, default=ROOT.parent / "data/S7")
    ap.add_argument("--ws", type=Path, default=ROOT.parent / "data/ws-S7")
    ap.add_argument("--latency-ws", type=Path)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    hx = a.bin or default_bin()
    ensure_data(a.s7)
    ensure_ws(hx, a.ws, a.s7)
    questions = [json.loads(l) for l in a.set.read_text(encoding="utf-8").splitlines() if l.strip()]
    lines, times = [], []
    for item in questions:
        line, dt = ask(hx, a.ws, item["q"])
        lines.append(line)
        times.append(dt)
        if a.v:
            try:
                ans = json.loads(line).get("answer")
            except Exception:
                ans = line
            print(f"{item['id']} {dt * 1000:.0f} ms  {item['q']}\n    {ans}", file=sys.stderr)
    answers = a.ws.parent / f"{a.ws.name}-nlq-answers.jsonl"
    answers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    score = run([sys.executable, a.set.parent / "score.py", a.set, answers, "-v"]).stdout
    print(score.strip())
    print(f"S7 latency: p50 {statistics.median(times) * 1000:.0f} ms, p95 {pct(times, 95) * 1000:.0f} ms ({hx})")
    if a.latency_ws:
        lat = []
        for _ in range(a.repeat):
            for item in questions:
                lat.append(ask(hx, a.latency_ws, item["q"])[1])
        print(
            f"{a.latency_ws} latency over {len(lat)} runs: p50 {statistics.median(lat) * 1000:.0f} ms, "
            f"p95 {pct(lat, 95) * 1000:.0f} ms, max {max(lat) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
