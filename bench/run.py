#!/usr/bin/env python3
"""Huaxiang benchmark runner: speed and quality of the `huaxiang` binary on a gen_data.py directory.

    python bench/run.py --data DATA/M [--tasks ingest,identity,features] [--repeats 3]
                        [--out bench/out/results.json] [--run-splink]

Tasks
  ingest    For each repeat: a fresh workspace, then one `huaxiang ingest --json` child per CSV
            (9 files); wall time and peak RSS of every child. Then one DuckDB child per repeat that
            loads the same 9 CSVs (CREATE TABLE x AS SELECT * FROM read_csv_auto(...)) into a fresh
            on-disk database file. Prints the medians, the ratio huaxiang / duckdb (goal <= 1.0)
            and the peak RSS.
  identity  A fresh workspace with customers.csv and crm_contacts.csv ingested, then `huaxiang
            build --force --json` `--repeats` times (median wall time), then identity_links read
            with `huaxiang sql --format csv` and scored with the pairwise precision / recall / F1 of
            the peer script (shared/bench/peers/run_peers.py, truth_pairs_eval), next to the Splink
            and naive rows of the peer baseline for the same size (or of a fresh peer run with
            --run-splink).
  features  A fresh workspace with customers, crm_contacts, orders, order_items, events, tickets and
            touches ingested, then `huaxiang build --force --json` `--repeats` times; the time is the
            `features` stage's own seconds (median). In the same run, the DuckDB and Polars peers
            (run_peers.py DATA --only features.duckdb,features.polars, in the peer Python; end to end,
            CSV reading included) and a check, in the peer Python, that the 23 shared columns equal
            DATA/features.parquet (the DuckDB result) for every person with one record of source
            `customers` (relative tolerance 1e-9, NULLs equal). Prints the ratios huaxiang / duckdb
            (goal <= 1.0) and huaxiang / polars.

Every child runs under os.wait4, so its peak RSS (ru_maxrss) is its own. Results: a table on
stdout and a JSON file. Exit status 0 when every task succeeded, 1 when one failed, 2 on a usage
or setup error.

Environment
  HUAXIANG_BIN         the binary (default: <target>/release/huaxiang if it exists, else
                       <target>/debug/huaxiang, with <target> = $CARGO_TARGET_DIR or <repo>/target,
                       then ../target beside the clone)
  HUAXIANG_PYTHON      Python with the pinned peer packages, used for the DuckDB child and for
                       --run-splink (default: $VIRTUAL_ENV/bin/python, bench/.venv/bin/python, or
                       the interpreter running this script)
  HUAXIANG_SHARED_DIR  the shared folder beside the clone (default <repo>/../shared)
"""
from __future__ import annotations

import argparse
import csv
import datetime as _dt
import io
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# (file, table, source, extra ingest arguments). Order = ingest order.
INGEST_FILES = [
    ("customers.csv", "customers", "customers", []),
    ("crm_contacts.csv", "customers", "crm_contacts", ["--rename", "crm_id=customer_id"]),
    ("products.csv", "products", "shop", []),
    ("orders.csv", "orders", "shop", []),
    ("order_items.csv", "order_items", "shop", []),
    ("events.csv", "events", "shop", []),
    ("tickets.csv", "tickets", "shop", []),
    ("touches.csv", "touches", "shop", []),
    ("experiment.csv", "experiment", "shop", []),
]
IDENTITY_FILES = INGEST_FILES[:2]
FEATURE_FILES = [x for x in INGEST_FILES if x[0] not in ("products.csv", "experiment.csv")]
FEATURE_COLS = ["recency_days", "frequency", "monetary", "tenure_days", "orders_30d", "orders_90d", "orders_365d",
                "spend_30d", "spend_90d", "spend_365d", "aov", "coupon_share", "night_order_share", "refund_rate",
                "distinct_categories", "sessions", "views", "cart_adds", "view_to_cart_rate",
                "cart_to_purchase_rate", "refunds", "ticket_count", "mean_rating"]
SIZES = {10000: "S", 100000: "M"}     # manifest "customers" -> baseline name

# The DuckDB child. argv: DB_PATH then TABLE=PATH pairs. Prints one line "DUCKDB_RESULT {json}".
# Timed: connect, the 9 CREATE TABLE ... AS SELECT * FROM read_csv_auto(...), close (checkpoint).
# Not timed: interpreter start-up, `import duckdb`, the row counts afterwards.
DUCKDB_CHILD = r'''
import json, sys, time
t_proc = time.perf_counter()
import duckdb
db, pairs = sys.argv[1], [a.split("=", 1) for a in sys.argv[2:]]
per = {}
t0 = time.perf_counter()
con = duckdb.connect(db)
for table, path in pairs:
    t = time.perf_counter()
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv_auto('" + path.replace("'", "''") + "')")
    per[table] = time.perf_counter() - t
con.close()
load_s = time.perf_counter() - t0
con = duckdb.connect(db, read_only=True)
rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t, _ in pairs}
threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
con.close()
print("DUCKDB_RESULT " + json.dumps({"version": duckdb.__version__, "load_s": load_s, "per_table_s": per,
      "rows": rows, "threads": threads, "import_s": t0 - t_proc}))
'''


# The features comparison child (peer Python, needs pyarrow). argv: REFERENCE.parquet OURS.csv LINKS.csv SOURCE
# COLUMNS. OURS.csv: person_id + COLUMNS; LINKS.csv: source, record_id, person_id. Compares every person with exactly
# one record of SOURCE that the reference has. Prints one line "COMPARE_RESULT {json}".
COMPARE_CHILD = r'''
import csv, json, sys
import pyarrow.parquet as pq
ref_p, ours_p, links_p, source, cols = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5].split(",")
t = pq.read_table(ref_p, columns=["customer_id"] + cols).to_pydict()
ref = {cid: [t[c][i] for c in cols] for i, cid in enumerate(t["customer_id"])}
records = {}
with open(links_p, encoding="utf-8", newline="") as f:
    for r in csv.DictReader(f):
        records.setdefault(r["person_id"], []).append((r["source"], r["record_id"]))
num = lambda v: None if v is None or v == "" else float(v)
compared = strict = 0
bad = {c: 0 for c in cols}
examples, worst = [], 0.0
persons = 0
with open(ours_p, encoding="utf-8", newline="") as f:
    for row in csv.DictReader(f):
        persons += 1
        recs = records.get(row["person_id"], [])
        mine = [rid for s, rid in recs if s == source]
        if len(mine) != 1 or mine[0] not in ref:
            continue
        compared += 1
        strict += len(recs) == 1
        for c, want in zip(cols, ref[mine[0]]):
            a, b = num(row[c]), num(want)
            if a is None or b is None:
                ok = a is None and b is None
            else:
                d = abs(a - b)
                scale = max(abs(a), abs(b))
                ok = a == b or d <= 1e-9 * scale
                if scale > 0:
                    worst = max(worst, d / scale)
            if not ok:
                bad[c] += 1
                if len(examples) < 10:
                    examples.append({"person_id": row["person_id"], "customer_id": mine[0], "column": c,
                                     "huaxiang": a, "duckdb": b})
print("COMPARE_RESULT " + json.dumps({"persons": persons, "reference_rows": len(ref), "compared": compared,
      "compared_single_record": strict, "mismatched_cells": sum(bad.values()),
      "mismatches_by_column": {c: n for c, n in bad.items() if n}, "examples": examples,
      "max_relative_diff": worst}))
'''


class BenchError(Exception):
    """A failure with a message meant for the user."""


# =================================================================================== helpers
def log(msg):
    print(msg, file=sys.stderr, flush=True)


def mb(kb):
    return round(kb / 1024.0, 1)


def med(xs):
    return round(statistics.median(xs), 4) if xs else None


def run_child(argv, timeout, env=None, cwd=None):
    """Runs argv as a child; returns wall s, peak RSS (MB), exit code, stdout, stderr.

    The child is reaped with os.wait4, so ru_maxrss is the child's own peak (and its own
    descendants' only if they are reaped by it). stdout and stderr go to temporary files, so a
    large output (e.g. `sql --format csv` on M) cannot block the child."""
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t = time.perf_counter()
        try:
            p = subprocess.Popen(argv, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                 start_new_session=True)
        except OSError as e:
            raise BenchError(f"cannot start {argv[0]}: {e}") from e
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out = fo.read().decode("utf-8", "replace")
        err = fe.read().decode("utf-8", "replace")
    if timed_out.is_set():
        raise BenchError(f"timeout after {timeout}s: {' '.join(argv)}")
    return {"wall_s": wall, "peak_rss_mb": mb(ru.ru_maxrss), "user_s": ru.ru_utime, "sys_s": ru.ru_stime,
            "code": p.returncode, "stdout": out, "stderr": err}


def check_ok(r, argv, what):
    if r["code"] != 0:
        tail = (r["stderr"].strip() or r["stdout"].strip())[-2000:]
        raise BenchError(f"{what} failed (exit {r['code']}): {' '.join(argv)}\n{tail}")


def last_json_object(text, what):
    """The JSON object printed by a `--json` command (the whole stdout, or its last `{...}` line)."""
    s = text.strip()
    try:
        return json.loads(s)
    except json.JSONDecodeError:
        pass
    for line in reversed(s.splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    raise BenchError(f"{what}: no JSON object on stdout:\n{s[-1000:]}")


def find_binary():
    b = os.environ.get("HUAXIANG_BIN")
    if b:
        if not (os.path.isfile(b) and os.access(b, os.X_OK)):
            raise BenchError(f"HUAXIANG_BIN={b} is not an executable file")
        return os.path.abspath(b)
    targets = []
    if os.environ.get("CARGO_TARGET_DIR"):
        targets.append(os.environ["CARGO_TARGET_DIR"])
    targets += [os.path.join(REPO, "target"), os.path.join(os.path.dirname(REPO), "target")]
    for kind in ("release", "debug"):
        for t in targets:
            c = os.path.join(t, kind, "huaxiang")
            if os.path.isfile(c) and os.access(c, os.X_OK):
                return os.path.abspath(c)
    raise BenchError("no huaxiang binary found: set HUAXIANG_BIN or build one with "
                     "`cargo build --release -p huaxiang` (looked in " + ", ".join(targets) + ")")


def build_type(binary):
    parts = os.path.normpath(binary).split(os.sep)
    for kind in ("release", "debug"):
        if kind in parts:
            return kind
    return "unknown"


def find_python():
    for c in (os.environ.get("HUAXIANG_PYTHON"),
              os.path.join(os.environ["VIRTUAL_ENV"], "bin", "python") if os.environ.get("VIRTUAL_ENV") else None,
              os.path.join(HERE, ".venv", "bin", "python")):
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return sys.executable


def shared_bench_dir():
    return os.path.join(os.environ.get("HUAXIANG_SHARED_DIR") or os.path.join(os.path.dirname(REPO), "shared"),
                        "bench")


def read_manifest(data):
    p = os.path.join(data, "manifest.json")
    if not os.path.exists(p):
        return {}
    with open(p, encoding="utf-8") as f:
        return json.load(f)


def size_name(data, manifest):
    return SIZES.get(manifest.get("customers")) or os.path.basename(os.path.normpath(data))


def warm(paths):
    """Reads the inputs once so that every timed run starts with them in the page cache."""
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 22):
                pass


def git_state():
    def g(*a):
        try:
            return subprocess.run(["git", "--no-optional-locks", "-C", REPO, *a], capture_output=True,
                                  text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
    head = g("rev-parse", "HEAD")
    status = g("status", "--porcelain", "--untracked-files=no")
    return {"commit": head or None, "tracked_changes": bool(status) if status is not None else None}


class Ctx:
    def __init__(self, a):
        self.a = a
        self.data = os.path.abspath(a.data)
        self.bin = find_binary()
        self.build_type = build_type(self.bin)
        self.python = find_python()
        self.manifest = read_manifest(self.data)
        self.size = size_name(self.data, self.manifest)
        self.timeout = a.timeout
        self.root = a.work_dir or tempfile.mkdtemp(prefix="huaxiang-bench-")
        os.makedirs(self.root, exist_ok=True)
        self.n_ws = 0
        self.env = dict(os.environ)
        self.env.pop("HUAXIANG_WORKSPACE", None)

    def hx(self, *args):
        return [self.bin, *args]

    def fresh_workspace(self):
        self.n_ws += 1
        ws = os.path.join(self.root, f"ws{self.n_ws}")
        shutil.rmtree(ws, ignore_errors=True)
        argv = self.hx("init", ws)
        r = run_child(argv, self.timeout, self.env)
        check_ok(r, argv, "huaxiang init")
        return ws, r

    def ingest(self, ws, fname, table, source, extra):
        argv = self.hx("-w", ws, "ingest", "--table", table, "--source", source, *extra, "--json",
                       os.path.join(self.data, fname))
        r = run_child(argv, self.timeout, self.env)
        check_ok(r, argv, f"huaxiang ingest {fname}")
        counts = last_json_object(r["stdout"], f"huaxiang ingest {fname}")
        expect = (self.manifest.get("row_counts") or {}).get(fname[:-4])
        rec = {"file": fname, "table": table, "source": source, "wall_s": round(r["wall_s"], 4),
               "cpu_s": round(r["user_s"] + r["sys_s"], 3), "peak_rss_mb": r["peak_rss_mb"],
               "read": counts.get("read"), "accepted": counts.get("accepted"),
               "rejected": counts.get("rejected"), "quarantine": counts.get("quarantine")}
        if expect is not None and counts.get("read") != expect:
            raise BenchError(f"huaxiang ingest {fname}: read {counts.get('read')} rows, the manifest says {expect}")
        return rec

    def cleanup(self, ws):
        if not self.a.keep:
            shutil.rmtree(ws, ignore_errors=True)


# =================================================================================== ingest
def task_ingest(cx):
    files = [os.path.join(cx.data, f) for f, *_ in INGEST_FILES]
    warm(files)
    hx_runs, dk_runs = [], []
    for i in range(cx.a.repeats):
        log(f"ingest: repeat {i + 1}/{cx.a.repeats}: huaxiang ...")
        ws, init = cx.fresh_workspace()
        recs = [cx.ingest(ws, f, t, s, x) for f, t, s, x in INGEST_FILES]
        hx_runs.append({"init_s": round(init["wall_s"], 4), "files": recs,
                        "total_wall_s": round(sum(r["wall_s"] for r in recs), 4),
                        "total_cpu_s": round(sum(r["cpu_s"] for r in recs), 3),
                        "peak_rss_mb": max(r["peak_rss_mb"] for r in recs),
                        "workspace_mb": round(dir_bytes(ws) / 2 ** 20, 1)})
        cx.cleanup(ws)
        log(f"ingest: repeat {i + 1}/{cx.a.repeats}: duckdb ...")
        dk_runs.append(duckdb_load(cx, i))
    hx_tot = [r["total_wall_s"] for r in hx_runs]
    dk_load = [r["load_s"] for r in dk_runs]
    dk_wall = [r["child_wall_s"] for r in dk_runs]
    per_file = []
    for j, (f, t, s, _) in enumerate(INGEST_FILES):
        rows = [r["files"][j] for r in hx_runs]
        dk_table = f[:-4]
        per_file.append({
            "file": f, "table": t, "source": s, "rows": rows[0]["read"],
            "rejected": rows[0]["rejected"],
            "huaxiang_median_s": med([r["wall_s"] for r in rows]),
            "huaxiang_peak_rss_mb": max(r["peak_rss_mb"] for r in rows),
            "duckdb_median_s": med([r["per_table_s"][dk_table] for r in dk_runs]),
        })
    res = {
        "huaxiang": {"median_total_s": med(hx_tot), "runs_total_s": hx_tot,
                     "median_total_cpu_s": med([r["total_cpu_s"] for r in hx_runs]),
                     "peak_rss_mb": max(r["peak_rss_mb"] for r in hx_runs),
                     "workspace_mb": hx_runs[-1]["workspace_mb"],
                     "timing": "sum of the wall times of the 9 `huaxiang ingest` processes (process start "
                               "included, `init` excluded)",
                     "runs": hx_runs},
        "duckdb": {"version": dk_runs[0]["version"], "threads": dk_runs[0]["threads"],
                   "median_load_s": med(dk_load), "runs_load_s": dk_load,
                   "median_child_wall_s": med(dk_wall), "runs_child_wall_s": dk_wall,
                   "peak_rss_mb": max(r["peak_rss_mb"] for r in dk_runs),
                   "db_mb": dk_runs[-1]["db_mb"],
                   "timing": "load_s: connect + 9 x CREATE TABLE AS SELECT * FROM read_csv_auto + close "
                             "(checkpoint), inside the child; child_wall_s also counts interpreter start-up "
                             "and `import duckdb`",
                   "runs": dk_runs},
        "per_file": per_file,
    }
    res["ratio_huaxiang_over_duckdb"] = round(med(hx_tot) / med(dk_load), 3) if med(dk_load) else None
    res["ratio_huaxiang_over_duckdb_child_wall"] = round(med(hx_tot) / med(dk_wall), 3) if med(dk_wall) else None
    res["goal"] = "ratio_huaxiang_over_duckdb <= 1.0"
    res["meets_goal"] = res["ratio_huaxiang_over_duckdb"] is not None and res["ratio_huaxiang_over_duckdb"] <= 1.0
    return res


def dir_bytes(d):
    n = 0
    for root, _, files in os.walk(d):
        for f in files:
            try:
                n += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return n


def duckdb_load(cx, i):
    db = os.path.join(cx.root, f"duckdb{i + 1}.db")
    for p in (db, db + ".wal"):
        if os.path.exists(p):
            os.remove(p)
    pairs = [f"{f[:-4]}={os.path.join(cx.data, f)}" for f, *_ in INGEST_FILES]
    argv = [cx.python, "-c", DUCKDB_CHILD, db, *pairs]
    r = run_child(argv, cx.timeout, cx.env)
    if r["code"] != 0 and "No module named 'duckdb'" in r["stderr"]:
        raise BenchError(f"{cx.python} has no duckdb: set HUAXIANG_PYTHON to the peer venv "
                         "(see bench/README.md)")
    check_ok(r, [cx.python, "-c", "<duckdb loader>", db, "..."], "duckdb load")
    line = [l for l in r["stdout"].splitlines() if l.startswith("DUCKDB_RESULT ")]
    if not line:
        raise BenchError("duckdb load: the child printed no result\n" + r["stderr"][-2000:])
    d = json.loads(line[-1][len("DUCKDB_RESULT "):])
    expect = cx.manifest.get("row_counts") or {}
    for t, n in d["rows"].items():
        if t in expect and expect[t] != n:
            raise BenchError(f"duckdb load: table {t} has {n} rows, the manifest says {expect[t]}")
    out = {"version": d["version"], "threads": d["threads"], "load_s": round(d["load_s"], 4),
           "import_s": round(d["import_s"], 4),
           "per_table_s": {k: round(v, 4) for k, v in d["per_table_s"].items()}, "rows": d["rows"],
           "child_wall_s": round(r["wall_s"], 4), "peak_rss_mb": r["peak_rss_mb"],
           "db_mb": round(os.path.getsize(db) / 2 ** 20, 1)}
    if not cx.a.keep:
        os.remove(db)
    return out


# =================================================================================== identity
def read_truth(data):
    """truth/identity.csv -> {(source, record_id): person_id}."""
    p = os.path.join(data, "truth", "identity.csv")
    if not os.path.exists(p):
        raise BenchError(f"{p} not found: generate the data with gen_data.py (see bench/README.md)")
    with open(p, encoding="utf-8", newline="") as f:
        return {(r["source"], r["record_id"]): r["person_id"] for r in csv.DictReader(f)}


def pairwise_eval(truth, clusters):
    """Pairwise precision / recall / F1, as truth_pairs_eval of shared/bench/peers/run_peers.py.

    truth: {record key: person_id} over every record of both sources. clusters: {record key:
    predicted cluster} (identity_links). A pair of records is predicted when both are in one
    cluster, true when both are one person, for every pair within and across sources. Truth records
    missing from identity_links count as singletons (the peer gives every record a cluster);
    predicted records missing from truth are dropped (the peer's inner merge)."""
    c2 = lambda counts: sum(n * (n - 1) // 2 for n in counts.values())
    keys = list(truth)
    cl = [clusters.get(k, ("__singleton__", k)) for k in keys]
    pred = c2(Counter(cl))
    true = c2(Counter(truth[k] for k in keys))
    tp = c2(Counter(zip(cl, (truth[k] for k in keys))))
    p = tp / pred if pred else 0.0
    r = tp / true if true else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "predicted_pairs": pred, "true_pairs": true, "true_positive_pairs": tp}


def identity_stage(build_json):
    for s in build_json.get("stages", []):
        if s.get("stage") == "identity":
            return s
    return {}


def task_identity(cx):
    truth = read_truth(cx.data)
    warm([os.path.join(cx.data, f) for f, *_ in IDENTITY_FILES])
    ws, _ = cx.fresh_workspace()
    ingests = [cx.ingest(ws, f, t, s, x) for f, t, s, x in IDENTITY_FILES]
    builds = []
    for i in range(cx.a.repeats):
        log(f"identity: build {i + 1}/{cx.a.repeats} ...")
        argv = cx.hx("-w", ws, "build", "--force", "--json")
        r = run_child(argv, cx.timeout, cx.env)
        check_ok(r, argv, "huaxiang build")
        st = identity_stage(last_json_object(r["stdout"], "huaxiang build"))
        det = st.get("details") or {}
        builds.append({"wall_s": round(r["wall_s"], 4), "cpu_s": round(r["user_s"] + r["sys_s"], 3),
                       "peak_rss_mb": r["peak_rss_mb"], "identity_stage_s": st.get("seconds"),
                       "resolve_s": det.get("resolve_seconds"), "records": det.get("records"),
                       "persons": det.get("persons"), "status": st.get("status")})
    q = "SELECT source, record_id, person_id, rule, score FROM identity_links"
    argv = cx.hx("-w", ws, "sql", "--format", "csv", q)
    r = run_child(argv, cx.timeout, cx.env)
    check_ok(r, argv, "huaxiang sql identity_links")
    links = list(csv.DictReader(io.StringIO(r["stdout"])))
    cx.cleanup(ws)
    clusters, dup = {}, 0
    for row in links:
        k = (row["source"], row["record_id"])
        dup += k in clusters
        clusters[k] = row["person_id"]
    quality = pairwise_eval(truth, clusters)
    res = {
        "ingest": ingests,
        "build": {"median_wall_s": med([b["wall_s"] for b in builds]),
                  "runs_wall_s": [b["wall_s"] for b in builds],
                  "median_identity_stage_s": med([b["identity_stage_s"] for b in builds
                                                  if isinstance(b["identity_stage_s"], (int, float))]),
                  "median_resolve_s": med([b["resolve_s"] for b in builds
                                           if isinstance(b["resolve_s"], (int, float))]),
                  "peak_rss_mb": max(b["peak_rss_mb"] for b in builds),
                  "timing": "wall time of the `huaxiang build --force --json` process (every derived stage); "
                            "identity_stage_s and resolve_s are what the build reports itself",
                  "runs": builds},
        "links": {"rows": len(links), "duplicate_records": dup,
                  "records_in_truth": len(truth),
                  "truth_records_linked": sum(k in clusters for k in truth),
                  "links_not_in_truth": sum(k not in truth for k in clusters),
                  "persons": len(set(clusters.values())),
                  "rules": dict(Counter(row.get("rule") for row in links).most_common()),
                  "sql_wall_s": round(r["wall_s"], 4)},
        "quality": quality,
    }
    problems = []
    if not links:
        problems.append(f"identity_links is empty after `huaxiang build` (the build reported records="
                        f"{builds[-1]['records']}); {len(truth)} truth records were ingested")
    elif res["links"]["truth_records_linked"] < len(truth):
        res["warning"] = (f"{len(truth) - res['links']['truth_records_linked']} of {len(truth)} truth records "
                          "have no identity_links row (scored as singletons)")
    if dup:
        problems.append(f"{dup} records appear more than once in identity_links")
    if problems:
        res["error"] = "; ".join(problems)
    res["peers"] = peer_rows(cx)
    return res


# =================================================================================== features
def stage_of(build_json, name):
    for s in build_json.get("stages", []):
        if s.get("stage") == name:
            return s
    return {}


def next_day(day):
    return (_dt.date.fromisoformat(day) + _dt.timedelta(days=1)).isoformat()


def task_features(cx):
    warm([os.path.join(cx.data, f) for f, *_ in FEATURE_FILES])
    ws, _ = cx.fresh_workspace()
    ingests = [cx.ingest(ws, f, t, s, x) for f, t, s, x in FEATURE_FILES]
    builds = []
    for i in range(cx.a.repeats):
        log(f"features: build {i + 1}/{cx.a.repeats} ...")
        argv = cx.hx("-w", ws, "build", "--force", "--json")
        r = run_child(argv, cx.timeout, cx.env)
        check_ok(r, argv, "huaxiang build")
        st = stage_of(last_json_object(r["stdout"], "huaxiang build"), "features")
        if st.get("status") != "built" or not isinstance(st.get("seconds"), (int, float)):
            raise BenchError(f"huaxiang build did not build the features stage: {st}")
        builds.append({"wall_s": round(r["wall_s"], 4), "cpu_s": round(r["user_s"] + r["sys_s"], 3),
                       "peak_rss_mb": r["peak_rss_mb"], "features_stage_s": round(st["seconds"], 4),
                       "details": st.get("details")})
    det = builds[-1]["details"] or {}
    as_of = det.get("as_of")
    ours_csv, links_csv = os.path.join(cx.root, "features.csv"), os.path.join(cx.root, "links.csv")
    for path, q in ((ours_csv, "SELECT person_id, " + ", ".join(FEATURE_COLS) + " FROM features"),
                    (links_csv, "SELECT source, record_id, person_id FROM identity_links")):
        argv = cx.hx("-w", ws, "sql", "--format", "csv", q)
        r = run_child(argv, cx.timeout, cx.env)
        check_ok(r, argv, "huaxiang sql")
        with open(path, "w", encoding="utf-8") as f:
            f.write(r["stdout"])
    cx.cleanup(ws)
    stage_s = [b["features_stage_s"] for b in builds]
    res = {
        "ingest": ingests,
        "huaxiang": {"median_features_stage_s": med(stage_s), "runs_features_stage_s": stage_s,
                     "median_build_wall_s": med([b["wall_s"] for b in builds]),
                     "peak_rss_mb": max(b["peak_rss_mb"] for b in builds),
                     "persons": det.get("persons"), "columns": det.get("columns"), "as_of": as_of,
                     "stage_seconds": det.get("seconds"),
                     "timing": "the `features` stage's own seconds in `huaxiang build --force --json` (reads the "
                               "Delta tables, computes, writes features and person_attributes); the build also "
                               "runs identity and the other stages, which are not counted",
                     "runs": builds},
    }
    cutoff = (cx.manifest.get("cutoff") or "2026-07-01")[:10]
    if as_of and next_day(as_of) != cutoff:
        res["error"] = (f"the build's as-of day {as_of} does not end at the peers' cutoff {cutoff}; "
                        "the comparison would not be like for like")
        return res
    res["peers"] = features_peers(cx)
    ref = os.path.join(cx.data, "features.parquet")
    if not os.path.exists(ref):
        res["error"] = f"{ref} not found: the DuckDB peer did not write it ({res['peers'].get('error')})"
        return res
    argv = [cx.python, "-c", COMPARE_CHILD, ref, ours_csv, links_csv, "customers", ",".join(FEATURE_COLS)]
    r = run_child(argv, cx.timeout, cx.env)
    check_ok(r, [cx.python, "-c", "<features comparison>", ref, "..."], "features comparison")
    line = [l for l in r["stdout"].splitlines() if l.startswith("COMPARE_RESULT ")]
    if not line:
        raise BenchError("features comparison: the child printed no result\n" + r["stderr"][-2000:])
    cmp = json.loads(line[-1][len("COMPARE_RESULT "):])
    res["equality"] = cmp
    rows = res["peers"].get("rows") or {}
    hx_s = med(stage_s)
    for v in ("duckdb", "polars"):
        s = (rows.get(v) or {}).get("seconds")
        res[f"ratio_huaxiang_over_{v}"] = round(hx_s / s, 3) if hx_s and isinstance(s, (int, float)) and s else None
    res["goal"] = "ratio_huaxiang_over_duckdb <= 1.0 and no mismatched cell"
    res["meets_goal"] = (res["ratio_huaxiang_over_duckdb"] is not None and res["ratio_huaxiang_over_duckdb"] <= 1.0
                         and cmp["mismatched_cells"] == 0)
    problems = []
    if cmp["mismatched_cells"]:
        problems.append(f"{cmp['mismatched_cells']} cells differ from DuckDB: {cmp['mismatches_by_column']}")
    if not cmp["compared"]:
        problems.append("no person was compared")
    if problems:
        res["error"] = "; ".join(problems)
    return res


def features_peers(cx):
    """DuckDB and Polars features, run now by run_peers.py; rows from DATA/peers.json."""
    script = os.path.join(shared_bench_dir(), "peers", "run_peers.py")
    if not os.path.exists(script):
        return {"error": f"{script} not found (set HUAXIANG_SHARED_DIR)"}
    log("features: running the DuckDB and Polars peers (run_peers.py --only features.duckdb,features.polars) ...")
    argv = [cx.python, script, cx.data, "--only", "features.duckdb,features.polars", "--repeats", str(cx.a.repeats),
            "--timeout", str(cx.timeout)]
    try:
        r = run_child(argv, cx.timeout * 3, cx.env)
    except BenchError as e:
        return {"error": str(e)}
    if r["code"] != 0:
        return {"error": f"run_peers.py failed (exit {r['code']}): {r['stderr'][-1500:]}"}
    src = os.path.join(cx.data, "peers.json")
    if not os.path.exists(src):
        return {"error": f"{src} not found"}
    with open(src, encoding="utf-8") as f:
        pj = json.load(f)
    rows = {}
    for x in pj.get("results", []):
        if x.get("task") == "features" and x.get("variant") in ("duckdb", "polars"):
            rows[x["variant"]] = {k: x.get(k) for k in ("library", "version", "ok", "seconds", "runs",
                                                          "peak_rss_mb", "quality", "error", "notes")}
    bad = [v for v in ("duckdb", "polars") if not (rows.get(v) or {}).get("ok")]
    out = {"source": src, "note": "run now, by this runner", "rows": rows}
    if bad:
        out["error"] = "peer run failed: " + ", ".join(f"{v}: {(rows.get(v) or {}).get('error')}" for v in bad)
    return out


def peer_rows(cx):
    """Splink and naive rows: a fresh peer run (--run-splink) or the stored baseline for this size."""
    bench = shared_bench_dir()
    if cx.a.run_splink:
        script = os.path.join(bench, "peers", "run_peers.py")
        if not os.path.exists(script):
            return {"error": f"{script} not found (set HUAXIANG_SHARED_DIR)"}
        log("identity: running the Splink and naive peers (run_peers.py --only identity) ...")
        argv = [cx.python, script, cx.data, "--only", "identity", "--repeats", str(cx.a.repeats),
                "--timeout", str(cx.timeout)]
        try:
            r = run_child(argv, cx.timeout * 3, cx.env)
        except BenchError as e:
            return {"error": str(e)}
        if r["code"] != 0:
            return {"error": f"run_peers.py failed (exit {r['code']}): {r['stderr'][-1500:]}"}
        src, note = os.path.join(cx.data, "peers.json"), "run now, by this runner (--run-splink)"
    else:
        src = os.path.join(bench, "baselines", f"{cx.size}.peers.json")
        note = "stored baseline, taken on another run"
    if not os.path.exists(src):
        return {"error": f"{src} not found"}
    with open(src, encoding="utf-8") as f:
        pj = json.load(f)
    rows = {}
    for r in pj.get("results", []):
        if r.get("task") == "identity":
            rows[r["variant"]] = {k: r.get(k) for k in ("library", "version", "ok", "seconds", "runs",
                                                          "peak_rss_mb", "quality", "error")}
    out = {"source": src, "note": note, "rows": rows}
    bm = pj.get("dir_manifest") or {}
    mism = [k for k in ("seed", "customers", "generator_version")
            if cx.manifest.get(k) is not None and bm.get(k) is not None and bm.get(k) != cx.manifest.get(k)]
    if mism:
        out["warning"] = "baseline data differ from --data in: " + ", ".join(mism)
    return out


# =================================================================================== report
def fmt(x, nd=3):
    return f"{x:.{nd}f}" if isinstance(x, (int, float)) else "-"


def print_report(res):
    h = res["host"]
    print(f"\nHuaxiang bench  data={res['data']} (size {res['size']})  repeats={res['repeats']}  "
          f"{res['started']}")
    print(f"binary: {res['binary']['path']} ({res['binary']['build_type']}, {res['binary']['version']})")
    print(f"host: {h['cpus']} CPUs, load average {h['loadavg_start']} at start, {h.get('loadavg_end')} at end")
    if res["binary"]["build_type"] != "release":
        print("NOTE: not a release binary; timings are not representative.")
    t = res["tasks"]
    if "ingest" in t:
        r = t["ingest"]
        print("\n== ingest (9 CSVs) ==")
        if not r.get("ok"):
            print(f"FAILED: {r.get('error')}")
        else:
            print(f"{'file':18s} {'rows':>9s} {'rejected':>8s} {'huaxiang s':>10s} {'rss MB':>7s} {'duckdb s':>9s}")
            for f in r["per_file"]:
                print(f"{f['file']:18s} {f['rows']:>9} {f['rejected']:>8} {fmt(f['huaxiang_median_s']):>10s} "
                      f"{f['huaxiang_peak_rss_mb']:>7.0f} {fmt(f['duckdb_median_s']):>9s}")
            hx, dk = r["huaxiang"], r["duckdb"]
            print(f"huaxiang total (median of {res['repeats']}): {fmt(hx['median_total_s'])} s  "
                  f"runs {hx['runs_total_s']}  peak RSS {hx['peak_rss_mb']:.0f} MB  workspace {hx['workspace_mb']} MB")
            print(f"duckdb {dk['version']} load (median): {fmt(dk['median_load_s'])} s  runs {dk['runs_load_s']}  "
                  f"child wall {fmt(dk['median_child_wall_s'])} s  peak RSS {dk['peak_rss_mb']:.0f} MB  "
                  f"db {dk['db_mb']} MB")
            print(f"ratio huaxiang/duckdb: {fmt(r['ratio_huaxiang_over_duckdb'], 2)} (goal <= 1.0: "
                  f"{'met' if r['meets_goal'] else 'NOT met'}); against the duckdb child wall: "
                  f"{fmt(r['ratio_huaxiang_over_duckdb_child_wall'], 2)}")
    if "identity" in t:
        r = t["identity"]
        print("\n== identity (customers + crm_contacts) ==")
        if r.get("error"):
            print(f"FAILED: {r['error']}")
        if "quality" in r:
            b, q, lk = r["build"], r["quality"], r["links"]
            print(f"{'system':34s} {'seconds':>9s} {'rss MB':>7s} {'precision':>9s} {'recall':>7s} {'F1':>7s} "
                  f"{'pairs':>7s}")
            print(f"{'huaxiang build --force':34s} {fmt(b['median_wall_s']):>9s} {b['peak_rss_mb']:>7.0f} "
                  f"{q['precision']:>9.4f} {q['recall']:>7.4f} {q['f1']:>7.4f} {q['predicted_pairs']:>7}")
            peers = r.get("peers") or {}
            for v, p in (peers.get("rows") or {}).items():
                pq = p.get("quality") or {}
                name = f"{p.get('library') or v} {p.get('version') or ''}".strip()
                print(f"{name[:34]:34s} {fmt(p.get('seconds')):>9s} {p.get('peak_rss_mb') or 0:>7.0f} "
                      f"{fmt(pq.get('precision'), 4):>9s} {fmt(pq.get('recall'), 4):>7s} {fmt(pq.get('f1'), 4):>7s} "
                      f"{pq.get('predicted_pairs', '-'):>7}")
            print(f"huaxiang: build runs {b['runs_wall_s']} s; identity stage (median) {fmt(b['median_identity_stage_s'])} s;"
                  f" resolve (median) {fmt(b['median_resolve_s'])} s; links {lk['rows']}, persons {lk['persons']}; "
                  f"true pairs {q['true_pairs']}, true positives {q['true_positive_pairs']}")
            if r.get("warning"):
                print(f"warning: {r['warning']}")
            if peers.get("error"):
                print(f"peers: {peers['error']}")
            else:
                print(f"peers: {peers.get('note')} ({peers.get('source')})"
                      + (f"; warning: {peers['warning']}" if peers.get("warning") else ""))
    if "features" in t:
        r = t["features"]
        print("\n== features (23 shared columns + the rest, per person) ==")
        if r.get("error"):
            print(f"FAILED: {r['error']}")
        if "huaxiang" in r:
            hx = r["huaxiang"]
            print(f"{'system':34s} {'seconds':>9s} {'rss MB':>7s}  notes")
            print(f"{'huaxiang features stage':34s} {fmt(hx['median_features_stage_s']):>9s} "
                  f"{hx['peak_rss_mb']:>7.0f}  runs {hx['runs_features_stage_s']}; {hx['persons']} persons, "
                  f"{hx['columns']} columns, as of {hx['as_of']}")
            for v, p in ((r.get("peers") or {}).get("rows") or {}).items():
                name = f"{p.get('library') or v} {p.get('version') or ''}".strip()
                print(f"{name[:34]:34s} {fmt(p.get('seconds')):>9s} {p.get('peak_rss_mb') or 0:>7.0f}  "
                      f"runs {p.get('runs')} (end to end, CSV reading included)")
            if "equality" in r:
                q = r["equality"]
                print(f"equality vs DuckDB: {q['compared']} persons with one `customers` record compared "
                      f"({q['compared_single_record']} with one record in all), {q['mismatched_cells']} cells "
                      f"differ, max relative diff {q['max_relative_diff']:.2g}")
                for e in q.get("examples", [])[:5]:
                    print(f"  {e}")
            if "ratio_huaxiang_over_duckdb" in r:
                print(f"ratio huaxiang/duckdb: {fmt(r['ratio_huaxiang_over_duckdb'], 2)} (goal <= 1.0: "
                      f"{'met' if r.get('meets_goal') else 'NOT met'}); huaxiang/polars: "
                      f"{fmt(r.get('ratio_huaxiang_over_polars'), 2)}")
    print(f"\nwrote {res['out']}")


# =================================================================================== main
TASKS = {"ingest": task_ingest, "identity": task_identity, "features": task_features}


def check_data(data, tasks):
    if not os.path.isdir(data):
        raise BenchError(f"--data {data}: no such directory; generate it with "
                         "`python ../shared/bench/gen_data.py --customers 10000 --seed 42 --out DIR` (see bench/README.md)")
    need = {f for f, *_ in INGEST_FILES} if "ingest" in tasks else set()
    if "identity" in tasks:
        need |= {f for f, *_ in IDENTITY_FILES} | {os.path.join("truth", "identity.csv")}
    if "features" in tasks:
        need |= {f for f, *_ in FEATURE_FILES}
    missing = sorted(f for f in need if not os.path.exists(os.path.join(data, f)))
    if missing:
        raise BenchError(f"--data {data}: missing {', '.join(missing)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="a gen_data.py output directory (e.g. DATA/S, DATA/M)")
    ap.add_argument("--tasks", default="ingest,identity", help="comma-separated: ingest, identity, features")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(HERE, "out", "results.json"))
    ap.add_argument("--run-splink", action="store_true",
                    help="run the Splink and naive peers now (run_peers.py --only identity) instead of "
                         "reading the stored baseline")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per child process")
    ap.add_argument("--work-dir", default=None, help="where workspaces and DuckDB files go (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep workspaces and DuckDB files")
    a = ap.parse_args()
    tasks = [t.strip() for t in a.tasks.split(",") if t.strip()]
    bad = [t for t in tasks if t not in TASKS]
    if bad or not tasks or a.repeats < 1:
        ap.error(f"unknown task(s) {bad}; choose from {sorted(TASKS)}" if bad else "need tasks and --repeats >= 1")
    try:
        check_data(os.path.abspath(a.data), tasks)
        cx = Ctx(a)
    except BenchError as e:
        log(f"error: {e}")
        return 2
    ver = run_child([cx.bin, "--version"], 60)
    res = {
        "started": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([sys.executable, os.path.relpath(__file__)] + sys.argv[1:]),
        "data": cx.data, "size": cx.size, "repeats": a.repeats,
        "data_manifest": {k: cx.manifest.get(k) for k in ("seed", "customers", "generator_version")},
        "binary": {"path": cx.bin, "build_type": cx.build_type, "version": ver["stdout"].strip() or None,
                   "mtime": _dt.datetime.fromtimestamp(os.path.getmtime(cx.bin), _dt.timezone.utc)
                   .isoformat(timespec="seconds")},
        "repo": git_state(),
        "python": {"runner": platform.python_version(), "peer_python": cx.python},
        "host": {"machine": platform.machine(), "cpus": os.cpu_count(),
                 "loadavg_start": [round(x, 2) for x in os.getloadavg()]},
        "tasks": {},
    }
    if cx.build_type != "release":
        log(f"warning: {cx.bin} is a {cx.build_type} binary: timings are not representative")
    failed = False
    try:
        for t in tasks:
            log(f"== {t} ==")
            load0 = [round(x, 2) for x in os.getloadavg()]
            t0 = time.perf_counter()
            try:
                r = TASKS[t](cx)
                r["ok"] = not r.get("error")
            except BenchError as e:
                r = {"ok": False, "error": str(e)}
            except Exception as e:  # an unexpected failure is recorded, the other tasks still run
                r = {"ok": False, "error": f"{type(e).__name__}: {e}"}
            r["task_wall_s"] = round(time.perf_counter() - t0, 2)
            r["loadavg_start"], r["loadavg_end"] = load0, [round(x, 2) for x in os.getloadavg()]
            failed |= not r["ok"]
            res["tasks"][t] = r
            if not r["ok"]:
                log(f"{t}: FAILED: {r['error']}")
    finally:
        if not a.work_dir and not a.keep:
            shutil.rmtree(cx.root, ignore_errors=True)
    res["host"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    out = os.path.abspath(a.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(res, f, ensure_ascii=False, indent=2)
        f.write("\n")
    res["out"] = out
    print_report(res)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
