#!/usr/bin/env python3
"""Text analysis figures: sentiment cross-validation on the waimai reviews, and ticket
sentiment/topic accuracy of a workspace build against the generator's truth.

Usage: python3 bench/text.py [--bin PATH] [--waimai CSV] [--ws DIR] [--source-ws DIR]
                             [--truth CSV] [--skip-build]

1. `huaxiang text train --file waimai_10k.csv --text-col review --label-col label --cv 5
   --json` (the model goes to a temporary --out, so no workspace is touched); prints
   accuracy, F1, ROC-AUC and seconds. Bar: accuracy >= 0.89.
2. The workspace --ws (default /work/data/ws-M-text, copied from --source-ws
   /work/data/ws-M when missing, so the shared workspace is not disturbed) is built
   (`huaxiang build --json`: only the stages whose inputs changed run, i.e. `text` and
   what reads its outputs), then `ticket_text` is joined to --truth
   (/work/data/M/truth/tickets.csv: ticket_id,sentiment,topic). Bars: sentiment
   accuracy >= 0.95, topic accuracy >= 0.90.

Defaults: --bin target/release/huaxiang if present else target/debug/huaxiang (under
$CARGO_TARGET_DIR or ./target).
"""
import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HUAXIANG_SHARED", ROOT.parent / "shared"))


def default_bin():
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for kind in ("release", "debug"):
        p = target / kind / "huaxiang"
        if p.is_file():
            return p
    sys.exit("no huaxiang binary; run `cargo build -p huaxiang` first or pass --bin")


def run(cmd, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{r.stderr}")
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", type=Path, default=None)
    ap.add_argument("--waimai", type=Path, default=SHARED / "data/chinese_reviews/waimai_10k.csv")
    ap.add_argument("--ws", type=Path, default=Path("/work/data/ws-M-text"))
    ap.add_argument("--source-ws", type=Path, default=Path("/work/data/ws-M"))
    ap.add_argument("--truth", type=Path, default=Path("/work/data/M/truth/tickets.csv"))
    ap.add_argument("--skip-build", action="store_true", help="use the workspace's ticket_text as it is")
    a = ap.parse_args()
    hx = a.bin or default_bin()
    print(f"binary: {hx}")
    ok = True

    if a.waimai.is_file():
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [hx, "-w", Path(tmp) / "nows", "text", "train", "--file", a.waimai, "--text-col", "review",
                   "--label-col", "label", "--cv", "5", "--json", "--out", Path(tmp) / "waimai.json.gz"]
            t0 = time.time()
            v = json.loads(run(cmd).stdout)
            wall = time.time() - t0
        print(f"waimai_10k: {v['rows']} reviews, 5-fold stratified CV: accuracy {v['accuracy']:.4f}, "
              f"F1 {v['f1']:.4f}, ROC-AUC {v['roc_auc']:.4f}; CV {v['cv_seconds']:.1f} s, final fit "
              f"{v['train_seconds']:.1f} s, command {wall:.1f} s wall (bar: accuracy >= 0.89)")
        ok &= v["accuracy"] >= 0.89
    else:
        print(f"skipped: {a.waimai} not found")

    if not a.truth.is_file():
        print(f"skipped: {a.truth} not found")
        return 0 if ok else 1
    if not a.ws.exists():
        if not a.source_ws.exists():
            print(f"skipped: neither {a.ws} nor {a.source_ws} exists")
            return 0 if ok else 1
        print(f"copying {a.source_ws} to {a.ws} …", file=sys.stderr)
        shutil.copytree(a.source_ws, a.ws, symlinks=True)
    if not a.skip_build:
        t0 = time.time()
        report = json.loads(run([hx, "-w", a.ws, "build", "--json"]).stdout)
        wall = time.time() - t0
        for s in report["stages"]:
            if s["status"] != "up to date":
                print(f"  stage {s['stage']}: {s['status']} in {s['seconds']:.1f} s")
        print(f"build: {wall:.1f} s wall")
    out = run([hx, "-w", a.ws, "sql", "--format", "csv", "SELECT ticket_id, sentiment, topic FROM ticket_text"]).stdout
    pred = {r["ticket_id"]: (r["sentiment"], r["topic"]) for r in csv.DictReader(io.StringIO(out))}
    n = sent = topic = missing = 0
    with open(a.truth, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            p = pred.get(r["ticket_id"])
            if p is None:
                missing += 1
                continue
            n += 1
            sent += p[0] == r["sentiment"]
            topic += p[1] == r["topic"]
    sa, ta = sent / max(n, 1), topic / max(n, 1)
    print(f"{a.ws}: {n} tickets joined to the truth ({missing} truth rows not in ticket_text): "
          f"sentiment accuracy {sa:.4f} (bar 0.95), topic accuracy {ta:.4f} (bar 0.90)")
    ok &= sa >= 0.95 and ta >= 0.90
    tagged = run([hx, "-w", a.ws, "sql", "--format", "csv",
                  "SELECT count(*) AS n FROM person_tags WHERE negative_sentiment"]).stdout.splitlines()[1]
    persons = run([hx, "-w", a.ws, "sql", "--format", "csv", "SELECT count(*) AS n FROM person_tags"]).stdout.splitlines()[1]
    print(f"negative_sentiment: {tagged} of {persons} persons")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
