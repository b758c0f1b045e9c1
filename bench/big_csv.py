#!/usr/bin/env python3
"""Bounded-memory check: ingest one very large CSV and report the peak RSS.

    python bench/big_csv.py --data DATA/M [--gigabytes 5] [--keep]

Writes DATA/../big/events_<N>g.csv (once; reused when present) by repeating the rows of
DATA/events.csv with fresh event ids until the file reaches the requested size, then runs
`huaxiang ingest --table events --source big --json FILE` into a fresh workspace under the
same folder, with the child's peak RSS taken from os.wait4 (ru_maxrss). Prints rows, seconds,
rows/s, file size and peak RSS, and writes them to bench/out/big_csv.json.

HUAXIANG_BIN selects the binary as in bench/run.py (default: the release build).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import find_binary  # noqa: E402


def write_big(src: str, dest: str, size: int) -> int:
    """Repeats the data rows of `src` with new event ids until `dest` has `size` bytes."""
    with open(src, encoding="utf-8") as f:
        header = f.readline()
        rows = f.readlines()
    tmp = dest + ".part"
    written, copies, n = 0, 0, 0
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(header)
        written += len(header.encode())
        while written < size:
            prefix = f"X{copies:03d}"
            chunk = []
            for r in rows:
                chunk.append(prefix + r)  # event_id is the first column
            text = "".join(chunk)
            out.write(text)
            written += len(text.encode())
            n += len(rows)
            copies += 1
    os.replace(tmp, dest)
    return n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="a gen_data.py directory (M recommended)")
    ap.add_argument("--gigabytes", type=float, default=5.0)
    ap.add_argument("--keep", action="store_true", help="keep the workspace afterwards")
    a = ap.parse_args()
    binary = find_binary()
    big_dir = os.path.join(os.path.dirname(os.path.abspath(a.data)), "big")
    os.makedirs(big_dir, exist_ok=True)
    size = int(a.gigabytes * 1e9)
    path = os.path.join(big_dir, f"events_{a.gigabytes:g}g.csv")
    if not os.path.exists(path) or os.path.getsize(path) < size:
        print(f"writing {path} ...", flush=True)
        write_big(os.path.join(a.data, "events.csv"), path, size)
    ws = os.path.join(big_dir, "ws")
    shutil.rmtree(ws, ignore_errors=True)
    subprocess.run([binary, "init", ws], check=True, stdout=subprocess.DEVNULL)
    start = time.monotonic()
    child = subprocess.Popen([binary, "-w", ws, "ingest", "--table", "events", "--source", "big", "--json", path],
                             stdout=subprocess.PIPE)
    out = child.stdout.read() if child.stdout else b""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - start
    if status != 0:
        print(f"ingest failed with status {status}", file=sys.stderr)
        return 1
    report = json.loads(out)
    result = {
        "binary": binary,
        "file": path,
        "file_bytes": os.path.getsize(path),
        "rows_read": report["read"],
        "rows_accepted": report["accepted"],
        "seconds": round(seconds, 2),
        "rows_per_second": round(report["read"] / seconds),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }
    print(json.dumps(result, indent=2))
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    with open(os.path.join(HERE, "out", "big_csv.json"), "w") as f:
        json.dump(result, f, indent=2)
    if not a.keep:
        shutil.rmtree(ws, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
