#!/usr/bin/env python3
"""Association rules: Huaxiang's FP-growth against mlxtend on a gen_data.py directory.

    python bench/rules.py --data DATA/M [--example PATH | --bin PATH] [--repeats 3]
                          [--level product] [--min-support 0.0005] [--min-confidence 0]
                          [--out bench/out/M-rules.json]

Run it with the peer Python (the venv with mlxtend, e.g. /var/cache/huaxiang-ci/venv/bin/python).

What runs, `--repeats` times each, medians reported:
  mlxtend   exactly the "rules" task of shared/bench/peers/run_peers.py: product-level baskets from
            all orders of order_items.csv, items below min_support dropped before the one-hot
            encoding (lossless for fpgrowth), fpgrowth(min_support), association_rules(num_itemsets=
            number of orders, metric="lift", min_threshold=1.0). Timed in this process: `fit`
            (encode + fpgrowth + association_rules, what run_peers.py reports) and `read`
            (pd.read_csv of the two columns).
  huaxiang  by default the crate example `huaxiang-baskets/examples/rules_csv` (a child process,
            `--json`, min_lift 1, single-item consequents), built with
            `cargo build --release -p huaxiang-baskets --example rules_csv`; its own step timings
            (read / baskets / mine / rules) and the child's wall time. With `--bin`, the
            `huaxiang rules ... --json` CLI on a fresh workspace with order_items.csv ingested
            (see run_huaxiang_cli); its own step timings are read / mine / write (reading and
            building the baskets from the workspace, FP-growth + rules, writing the tables).

Checks, on the last run of each side:
  agreement  mlxtend's rules with a single-item consequent (lift >= 1, min confidence as given)
             and Huaxiang's rules must be the same set; the largest absolute difference of
             support, confidence, lift, leverage and conviction is reported (expected 0: the
             crate replicates mlxtend's floating-point operations).
  recall     share of the planted bundles of truth/rules.csv (antecedent -> consequent) found
             among the top 50 rules by lift (then confidence), and among all rules. For mlxtend
             also as run_peers.py counts it (top 50 of all rules, multi-item consequents
             included).

Prints a summary on stderr and the JSON result on stdout (and to --out when given). Exit status 0
when the rule sets agree, 1 when they differ, 2 on a setup error.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TOP = 50
METRICS = ("support", "confidence", "lift", "leverage", "conviction")


class BenchError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def med(xs):
    return round(statistics.median(xs), 4) if xs else None


def run_child(argv, timeout=3600):
    """Runs argv; returns (wall seconds, stdout). Raises BenchError on failure."""
    t = time.perf_counter()
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                           timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BenchError(f"cannot run {' '.join(argv)}: {e}") from e
    wall = time.perf_counter() - t
    if p.returncode != 0:
        tail = (p.stderr.decode("utf-8", "replace").strip() or p.stdout.decode("utf-8", "replace"))[-2000:]
        raise BenchError(f"{argv[0]} failed (exit {p.returncode}): {' '.join(argv)}\n{tail}")
    return wall, p.stdout.decode("utf-8")


def warm(path):
    """Reads the input once so that every timed run starts with it in the page cache."""
    with open(path, "rb") as f:
        while f.read(1 << 22):
            pass


# =================================================================================== mlxtend
def read_items(data, column):
    import pandas as pd
    return pd.read_csv(os.path.join(data, "order_items.csv"), usecols=["order_id", column])


def mlxtend_fit(items, column, min_support):
    """run_peers.py's run_rules fit(), verbatim but for the item column."""
    import numpy as np
    import pandas as pd
    from mlxtend.frequent_patterns import association_rules, fpgrowth
    t0 = time.perf_counter()
    n_orders = items["order_id"].nunique()
    pairs = items.drop_duplicates(["order_id", column])
    sup = pairs[column].value_counts() / n_orders
    keep = sup[sup >= min_support].index           # infrequent items cannot be in a frequent set
    p = pairs[pairs[column].isin(keep)]
    o_codes, o_uni = pd.factorize(pairs["order_id"], sort=True)
    order_pos = pd.Series(np.arange(len(o_uni)), index=o_uni)
    rows = order_pos.loc[p["order_id"]].to_numpy()
    cols_codes, cols = pd.factorize(p[column], sort=True)
    M = np.zeros((n_orders, len(cols)), dtype=bool)
    M[rows, cols_codes] = True
    onehot = pd.DataFrame(M, columns=list(cols))
    t1 = time.perf_counter()
    fi = fpgrowth(onehot, min_support=min_support, use_colnames=True)
    t2 = time.perf_counter()
    rules = association_rules(fi, num_itemsets=n_orders, metric="lift", min_threshold=1.0)
    t3 = time.perf_counter()
    return rules, fi, {"encode": t1 - t0, "fpgrowth": t2 - t1, "association_rules": t3 - t2}


def run_mlxtend(data, column, min_support, repeats):
    reads, fits, phases = [], [], []
    out = None
    for i in range(repeats):
        t = time.perf_counter()
        items = read_items(data, column)
        reads.append(time.perf_counter() - t)
        t = time.perf_counter()
        rules, fi, ph = mlxtend_fit(items, column, min_support)
        fits.append(time.perf_counter() - t)
        phases.append(ph)
        out = (rules, fi)
        log(f"mlxtend: run {i + 1}/{repeats}: read {reads[-1]:.3f}s fit {fits[-1]:.3f}s "
            f"({len(rules)} rules, {len(fi)} itemsets)")
    rules, fi = out
    as_dicts = [{"antecedent": sorted(r["antecedents"]), "consequent": sorted(r["consequents"]),
                 **{m: float(r[m]) for m in METRICS}} for r in rules.to_dict("records")]
    return {"read_s": [round(x, 4) for x in reads], "fit_s": [round(x, 4) for x in fits],
            "median_read_s": med(reads), "median_fit_s": med(fits),
            "median_end_to_end_s": med([a + b for a, b in zip(reads, fits)]),
            "phase_seconds_last_run": {k: round(v, 4) for k, v in phases[-1].items()},
            "n_frequent_itemsets": int(len(fi)), "n_rules": len(as_dicts)}, as_dicts


# =================================================================================== huaxiang
def find_example():
    targets = [os.environ.get("CARGO_TARGET_DIR"), "/work/target-baskets", os.path.join(REPO, "target"),
               os.path.join(os.path.dirname(REPO), "target")]
    for t in filter(None, targets):
        c = os.path.join(t, "release", "examples", "rules_csv")
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    raise BenchError("no rules_csv example found: build it with `cargo build --release -p huaxiang-baskets "
                     "--example rules_csv` or pass --example PATH")


def rule_args(a):
    """The rule parameters, as flags shared by the example and the CLI."""
    argv = ["--level", a.level, "--min-support", repr(a.min_support), "--min-confidence", repr(a.min_confidence),
            "--max-consequent", "1"]
    if a.max_len:
        argv += ["--max-len", str(a.max_len)]
    return argv


def parse_rules(doc):
    """{"rules": [{antecedent, consequent, support, ..., conviction}]} -> list of dicts; JSON null
    conviction (confidence 1) is +inf."""
    out = []
    for r in doc["rules"]:
        d = {"antecedent": sorted(r["antecedent"]), "consequent": sorted(r["consequent"])}
        for m in METRICS:
            v = r.get(m)
            d[m] = math.inf if v is None else float(v)
        out.append(d)
    return out


def run_huaxiang_example(example, data, a):
    """One run of the crate example; returns (wall s, step timings, rules)."""
    argv = [example, os.path.join(data, "order_items.csv"), *rule_args(a), "--min-lift", "1.0", "--json"]
    wall, stdout = run_child(argv)
    doc = json.loads(stdout)
    return wall, doc.get("timing_s", {}), parse_rules(doc)


def prepare_cli_workspace(binary, data):
    """A fresh workspace with order_items.csv ingested, for run_huaxiang_cli."""
    ws = tempfile.mkdtemp(prefix="huaxiang-rules-bench-")
    shutil.rmtree(ws)
    run_child([binary, "init", ws])
    run_child([binary, "-w", ws, "ingest", "--table", "order_items", "--source", "shop", "--json",
               os.path.join(data, "order_items.csv")])
    return ws


def run_huaxiang_cli(binary, ws, a):
    """One run of the CLI:

        huaxiang -w WS rules --level product|category --min-support S --min-confidence C
                 [--max-len N] [--max-consequent N] --min-lift 1 --json

    printing one pretty-printed JSON object {"rules": [{"antecedent": [..], "consequent": [..],
    "support", "confidence", "lift", "leverage", "conviction", ...}], "baskets", "items",
    "seconds": {"read", "mine", "write"}, ...}. Returns (wall s, step timings, rules) like
    run_huaxiang_example."""
    argv = [binary, "-w", ws, "rules", *rule_args(a), "--min-lift", "1.0", "--json"]
    wall, stdout = run_child(argv)
    try:
        doc = json.loads(stdout)
    except json.JSONDecodeError as e:
        raise BenchError(f"{binary} rules --json: no JSON object on stdout ({e}):\n{stdout[-1000:]}") from e
    return wall, doc.get("seconds") or doc.get("timing_s") or {}, parse_rules(doc)


def run_huaxiang(data, a):
    runs = []
    last = None
    ws = None
    try:
        if a.bin:
            ws = prepare_cli_workspace(a.bin, data)
            once = lambda: run_huaxiang_cli(a.bin, ws, a)          # noqa: E731
            what = f"{a.bin} rules"
        else:
            example = a.example or find_example()
            once = lambda: run_huaxiang_example(example, data, a)  # noqa: E731
            what = example
        for i in range(a.repeats):
            wall, timing, rules = once()
            runs.append((wall, timing))
            last = rules
            steps = " ".join(f"{k} {v:.3f}s" for k, v in timing.items())
            log(f"huaxiang: run {i + 1}/{a.repeats}: wall {wall:.3f}s ({steps}; {len(rules)} rules)")
    finally:
        if ws:
            shutil.rmtree(ws, ignore_errors=True)
    walls = [w for w, _ in runs]
    step = lambda k: [t[k] for _, t in runs if k in t]            # noqa: E731
    # In memory: baskets + mine + rules for the example; `mine` (FP-growth + rules on the built
    # baskets) for the CLI, whose `read` step reads the table and builds the baskets.
    algo = [t["baskets"] + t["mine"] + t["rules"] if {"baskets", "mine", "rules"} <= t.keys() else t["mine"]
            for _, t in runs if "mine" in t]
    return {"what": what, "wall_s": [round(w, 4) for w in walls], "median_wall_s": med(walls),
            "median_steps_s": {k: med(step(k)) for k in ("read", "baskets", "mine", "rules", "write", "total")
                               if step(k)},
            "median_baskets_mine_rules_s": med(algo), "n_rules": len(last)}, last


# =================================================================================== checks
def key(r):
    return (tuple(r["antecedent"]), tuple(r["consequent"]))


def compare(mlx, hx, min_confidence):
    """mlxtend's single-item-consequent rules (confidence >= min_confidence) against Huaxiang's."""
    ref = {key(r): r for r in mlx if len(r["consequent"]) == 1 and r["confidence"] >= min_confidence}
    got = {key(r): r for r in hx}
    only_ref = sorted(set(ref) - set(got))
    only_got = sorted(set(got) - set(ref))
    worst = {}
    for k in set(ref) & set(got):
        for m in METRICS:
            x, y = ref[k][m], got[k][m]
            d = 0.0 if (math.isinf(x) and math.isinf(y)) else abs(x - y)
            worst[m] = max(worst.get(m, 0.0), d)
    return {"same_rule_set": not only_ref and not only_got, "n_mlxtend_single_consequent": len(ref),
            "n_huaxiang": len(got), "only_mlxtend": [list(map(list, k)) for k in only_ref[:20]],
            "only_huaxiang": [list(map(list, k)) for k in only_got[:20]],
            "max_abs_diff": worst}


def planted(data):
    import pandas as pd
    t = pd.read_csv(os.path.join(data, "truth", "rules.csv"))
    return [((str(r.antecedent),), (str(r.consequent),)) for r in t.itertuples()]


def recall(rules, truth, top=TOP):
    ordered = sorted(rules, key=lambda r: (-r["lift"], -r["confidence"]))
    top_keys = {key(r) for r in ordered[:top]}
    all_keys = {key(r) for r in rules}
    return {f"recall_planted_in_top{top}_by_lift": round(sum(k in top_keys for k in truth) / len(truth), 4),
            "recall_planted_in_all_rules": round(sum(k in all_keys for k in truth) / len(truth), 4)}


# =================================================================================== main
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="a gen_data.py directory (order_items.csv, truth/rules.csv)")
    ap.add_argument("--example", help="the rules_csv example binary (default: found under the cargo target dirs)")
    ap.add_argument("--bin", help="a huaxiang binary with the `rules` command (instead of the example)")
    ap.add_argument("--level", default="product", choices=["product", "category"])
    ap.add_argument("--min-support", type=float, default=0.0005)
    ap.add_argument("--min-confidence", type=float, default=0.0)
    ap.add_argument("--max-len", type=int, default=None, help="passed to Huaxiang only (mlxtend runs unbounded "
                    "as in run_peers.py), so leave unset for the agreement check")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", help="also write the JSON result here")
    a = ap.parse_args()
    data = os.path.abspath(a.data)
    try:
        for f in ("order_items.csv", os.path.join("truth", "rules.csv")):
            if not os.path.isfile(os.path.join(data, f)):
                raise BenchError(f"{data}: no {f}")
        column = {"product": "product_id", "category": "category"}[a.level]
        warm(os.path.join(data, "order_items.csv"))
        mlx_res, mlx_rules = run_mlxtend(data, column, a.min_support, a.repeats)
        hx_res, hx_rules = run_huaxiang(data, a)
    except BenchError as e:
        log(f"error: {e}")
        return 2
    import mlxtend

    agreement = compare(mlx_rules, hx_rules, a.min_confidence)
    truth = planted(data) if a.level == "product" else []
    quality = {}
    if truth:
        single = [r for r in mlx_rules if len(r["consequent"]) == 1]
        quality = {"huaxiang": recall(hx_rules, truth),
                   "mlxtend_all_consequents": recall(mlx_rules, truth),
                   "mlxtend_single_consequent": recall(single, truth),
                   "n_planted": len(truth)}
    ratio = lambda x, y: round(x / y, 3) if x and y else None   # noqa: E731
    res = {
        "data": data, "level": a.level, "min_support": a.min_support, "min_confidence": a.min_confidence,
        "repeats": a.repeats, "mlxtend_version": mlxtend.__version__,
        "mlxtend": mlx_res, "huaxiang": hx_res,
        "ratios": {
            "huaxiang_wall_over_mlxtend_read_plus_fit": ratio(hx_res["median_wall_s"],
                                                              mlx_res["median_end_to_end_s"]),
            "huaxiang_baskets_mine_rules_over_mlxtend_fit": ratio(hx_res["median_baskets_mine_rules_s"],
                                                                  mlx_res["median_fit_s"]),
        },
        "agreement": agreement, "quality": quality,
        "timing": "mlxtend read = pd.read_csv, fit = encode + fpgrowth + association_rules (run_peers.py's "
                  "number); huaxiang wall = the whole child process (start-up, CSV read, mining, JSON "
                  "output), baskets+mine+rules = its own step timings without the CSV read",
    }
    log("")
    log(f"mlxtend  read+fit {mlx_res['median_end_to_end_s']}s (fit {mlx_res['median_fit_s']}s), "
        f"{mlx_res['n_rules']} rules ({agreement['n_mlxtend_single_consequent']} with one consequent)")
    log(f"huaxiang wall {hx_res['median_wall_s']}s (baskets+mine+rules {hx_res['median_baskets_mine_rules_s']}s, "
        f"steps {hx_res['median_steps_s']}), {hx_res['n_rules']} rules")
    log(f"ratio huaxiang/mlxtend: end to end {res['ratios']['huaxiang_wall_over_mlxtend_read_plus_fit']}, "
        f"in memory {res['ratios']['huaxiang_baskets_mine_rules_over_mlxtend_fit']}")
    log(f"rule sets agree: {agreement['same_rule_set']}; max |diff| {agreement['max_abs_diff']}")
    if quality:
        log(f"planted recall in top {TOP} by lift: huaxiang {quality['huaxiang'][f'recall_planted_in_top{TOP}_by_lift']}"
            f", mlxtend (all consequents, as run_peers) "
            f"{quality['mlxtend_all_consequents'][f'recall_planted_in_top{TOP}_by_lift']}")
    text = json.dumps(res, indent=2, default=str)
    print(text)
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return 0 if agreement["same_rule_set"] else 1


if __name__ == "__main__":
    sys.exit(main())
