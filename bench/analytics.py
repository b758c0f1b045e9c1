#!/usr/bin/env python3
"""Huaxiang analytics benchmarks: association rules, recommendations, attribution and next-item
recommendation, against mlxtend, a popularity baseline and the generator's truth.

    PEER_PYTHON bench/analytics.py --data DATA/M [--tasks rules,recommend,attribution,nextitem]
                                   [--repeats 3] [--workspace DIR] [--out bench/out/analytics-M.json]

Run it with the Python that has the pinned peer packages (pandas, mlxtend, scipy): the mlxtend
side runs in a child of that Python, and the Spearman correlations are scipy.stats.spearmanr.

Setup  A workspace with customers.csv (source `customers`), crm_contacts.csv (source
       `crm_contacts`, --rename crm_id=customer_id), orders, order_items, events, tickets and
       touches ingested, then `huaxiang build`. With --workspace DIR an existing workspace is
       reused: `huaxiang -w DIR build --json` runs once first (not timed as a task; it brings
       a workspace built by an older binary up to date, e.g. the `behavior` stage), and DIR is
       created, ingested and built when it does not exist yet.

Tasks
  rules        `huaxiang -w WS rules --level product --min-support 0.0005 --min-confidence 0
               --min-lift 1 --json`, `--repeats` times. Time: the child's wall time (start-up,
               reading order_items from the workspace, mining, writing association_rules and
               cross_sell, JSON output) and its own read + mine seconds (median). In the same run,
               `--repeats` times in a child of the peer Python: mlxtend as run_peers.py's "rules"
               task does it (bench/rules.py: product baskets of all orders of order_items.csv,
               items below min support dropped before the one-hot encoding, fpgrowth(0.0005),
               association_rules(lift >= 1)); read = pd.read_csv, fit = encode + fpgrowth + rules.
               Checks: the rule sets are equal (mlxtend filtered to single-item consequents) with
               the largest absolute difference of support, confidence, lift, leverage and
               conviction; the planted bundles of truth/rules.csv found in the top 50 by lift.
               Bar: mlxtend time / huaxiang time >= 5, end to end (read + fit vs the child's wall
               time) and in memory (fit vs mine).
  recommend    `huaxiang -w WS recommend evaluate --json` (item-kNN vs popularity, top 10, time
               split), `--repeats` times. Bar: recall@10 / popularity's recall@10 >= 2.
  attribution  `huaxiang -w WS attribution --model M --json` for M in first, last, linear,
               time_decay, position, markov, shapley: Spearman of each channel's credited
               conversions with truth/attribution.json channels[c].caused_orders_in_data (the
               orders the channel's touches really caused). Then `--model shapley
               --incrementality`: Spearman of each channel's incremental orders with the same truth
               (and of incremental orders per touch with the true per-touch effect). Bar: a
               data-driven model (markov or shapley) correlates better than last touch. Also shown,
               as a diagnostic only: the same Spearman over the randomly broadcast channels alone
               (truth `targeting` = "random broadcast", i.e. without the intent-targeted ad_search).
  nextitem     A fresh workspace with the YooChoose click sample ingested
               (`huaxiang ingest --table events --source yoochoose --map examples/yoochoose.toml
               SHARED/data/yoochoose_clicks/yoochoose-clicks-100k_train_full.txt`), then
               `huaxiang recommend evaluate --task next-item --holdout-days 1 --json`, `--repeats`
               times (HR@20, MRR@20 vs popularity). Bar: HR@20 >= 0.6 (session-rec's simple
               co-occurrence scores about 0.63 on this split). Also, once, `recommend evaluate
               --task next-item --json` on the DATA workspace (its events' sessions), reported
               without a bar.

Every child runs under os.wait4 (bench/run.py's run_child), so its peak RSS is its own. Results: a
table on stdout and a JSON file (default bench/out/analytics-SIZE.json). The load average is
recorded at the start and end of each task: the machine may be shared, so wall times are rough.
Exit status 0 when every task ran (whether or not it meets its bar), 1 when one failed, 2 on a
usage or setup error.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as common  # noqa: E402  (the helpers of bench/run.py)
from run import BenchError, check_ok, last_json_object, log, med, run_child  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TASKS = ("rules", "recommend", "attribution", "nextitem")
MIN_SUPPORT = 0.0005
TOP = 50
ATTRIBUTION_MODELS = ("first", "last", "linear", "time_decay", "position", "markov", "shapley")
YOOCHOOSE = os.path.join("data", "yoochoose_clicks", "yoochoose-clicks-100k_train_full.txt")
YOOCHOOSE_MAP = os.path.join(REPO, "examples", "yoochoose.toml")

# The mlxtend child (peer Python). argv: BENCH_DIR DATA MIN_SUPPORT REPEATS. Runs bench/rules.py's
# run_mlxtend (run_peers.py's fit, timed in the child) and prints one line "MLX_RESULT {json}" with
# the timings and the rules of the last run (conviction +inf as Infinity).
MLX_CHILD = r'''
import json, sys
sys.path.insert(0, sys.argv[1])
import mlxtend, pandas
import rules as rb
res, rules = rb.run_mlxtend(sys.argv[2], "product_id", float(sys.argv[3]), int(sys.argv[4]))
res["version"] = mlxtend.__version__
res["pandas_version"] = pandas.__version__
print("MLX_RESULT " + json.dumps({"result": res, "rules": rules}))
'''


class Ctx(common.Ctx):
    pass


def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


def ratio(x, y, nd=2):
    return round(x / y, nd) if isinstance(x, (int, float)) and isinstance(y, (int, float)) and y else None


def hx_json(cx, argv, what):
    """Runs a huaxiang child that prints JSON; returns (the parsed object, the child's record)."""
    r = run_child(argv, cx.timeout, cx.env)
    check_ok(r, argv, what)
    return last_json_object(r["stdout"], what), r


def setup_workspace(cx):
    ws = cx.a.workspace
    if ws and os.path.exists(os.path.join(ws, "huaxiang.toml")):
        ws = os.path.abspath(ws)
        log(f"reusing workspace {ws}: huaxiang build (brings it up to date) ...")
        argv = cx.hx("-w", ws, "build", "--json")
        b, r = hx_json(cx, argv, "huaxiang build")
        return ws, {"reused": True, "build_wall_s": round(r["wall_s"], 2), "build_peak_rss_mb": r["peak_rss_mb"],
                    "build": b}
    if ws:
        ws = os.path.abspath(ws)
        argv = cx.hx("init", ws)
        check_ok(run_child(argv, cx.timeout, cx.env), argv, "huaxiang init")
    else:
        ws, _ = cx.fresh_workspace()
    t = time.perf_counter()
    for f, table, source, extra in common.FEATURE_FILES:
        log(f"ingest {f} ...")
        cx.ingest(ws, f, table, source, extra)
    argv = cx.hx("-w", ws, "build", "--json")
    log("build ...")
    b, r = hx_json(cx, argv, "huaxiang build")
    return ws, {"reused": False, "setup_s": round(time.perf_counter() - t, 2), "build_wall_s": round(r["wall_s"], 2),
                "build_peak_rss_mb": r["peak_rss_mb"], "build": b}


# =================================================================================== rules
def mlxtend_child(cx):
    argv = [cx.python, "-c", MLX_CHILD, HERE, cx.data, repr(MIN_SUPPORT), str(cx.a.repeats)]
    log(f"rules: mlxtend x{cx.a.repeats} (child of {cx.python}) ...")
    r = run_child(argv, cx.timeout * 2, cx.env)
    check_ok(r, argv[:2] + ["MLX_CHILD"] + argv[3:], "mlxtend child")
    line = [x for x in r["stdout"].splitlines() if x.startswith("MLX_RESULT ")]
    if not line:
        raise BenchError("mlxtend child printed no result\n" + r["stderr"][-2000:])
    doc = json.loads(line[-1][len("MLX_RESULT "):])
    res = doc["result"]
    res["child_wall_s"] = round(r["wall_s"], 2)
    res["peak_rss_mb"] = r["peak_rss_mb"]
    return res, doc["rules"]


def task_rules(cx, ws):
    import rules as rb
    common.warm([os.path.join(cx.data, "order_items.csv")])
    argv = cx.hx("-w", ws, "rules", "--level", "product", "--min-support", repr(MIN_SUPPORT), "--min-confidence", "0",
                 "--min-lift", "1", "--json")
    runs, hx_rules, doc = [], None, None
    for i in range(cx.a.repeats):
        doc, r = hx_json(cx, argv, "huaxiang rules")
        s = doc.get("seconds") or {}
        hx_rules = rb.parse_rules(doc)
        runs.append({"wall_s": round(r["wall_s"], 4), "read_s": s.get("read"), "mine_s": s.get("mine"),
                     "write_s": s.get("write"), "read_mine_s": round(s["read"] + s["mine"], 4),
                     "peak_rss_mb": r["peak_rss_mb"], "rules": len(hx_rules)})
        log(f"rules: huaxiang run {i + 1}/{cx.a.repeats}: wall {r['wall_s']:.3f}s read {s.get('read', 0):.3f}s "
            f"mine {s.get('mine', 0):.3f}s write {s.get('write', 0):.3f}s ({len(hx_rules)} rules)")
    mlx, mlx_rules = mlxtend_child(cx)
    # JSON has no infinity: the child printed conviction +inf as Infinity, which json.loads reads back.
    agreement = rb.compare(mlx_rules, hx_rules, 0.0)
    truth = rb.planted(cx.data)
    single = [r for r in mlx_rules if len(r["consequent"]) == 1]
    hx = {"median_wall_s": med([x["wall_s"] for x in runs]), "median_read_mine_s": med([x["read_mine_s"] for x in runs]),
          "median_read_s": med([x["read_s"] for x in runs]), "median_mine_s": med([x["mine_s"] for x in runs]),
          "median_write_s": med([x["write_s"] for x in runs]), "peak_rss_mb": max(x["peak_rss_mb"] for x in runs),
          "baskets": doc.get("baskets"), "items": doc.get("items"), "n_rules": len(hx_rules),
          "cross_sell_persons": doc.get("cross_sell_persons"), "runs": runs}
    ratios = {
        "end_to_end_mlxtend_read_fit_over_huaxiang_wall": ratio(mlx["median_end_to_end_s"], hx["median_wall_s"]),
        "in_memory_mlxtend_fit_over_huaxiang_mine": ratio(mlx["median_fit_s"], hx["median_mine_s"]),
        "mlxtend_fit_over_huaxiang_read_mine": ratio(mlx["median_fit_s"], hx["median_read_mine_s"]),
    }
    res = {"huaxiang": hx,
           "mlxtend": mlx,
           "agreement": agreement,
           "quality": {"huaxiang": rb.recall(hx_rules, truth, TOP),
                       "mlxtend_single_consequent": rb.recall(single, truth, TOP),
                       "mlxtend_all_consequents_as_run_peers": rb.recall(mlx_rules, truth, TOP),
                       "n_planted": len(truth)},
           "ratios": ratios,
           "timing": "huaxiang wall = the whole child (start-up, reading order_items from the workspace, mining, "
                     "writing association_rules and cross_sell, JSON output); read/mine = its own step seconds. "
                     "mlxtend read = pd.read_csv of order_items.csv, fit = encode + fpgrowth + association_rules "
                     "(run_peers.py's number), timed inside the child",
           "bar": "mlxtend time / huaxiang time >= 5 (end to end and in memory), the same rule set"}
    e2e, mem = ratios["end_to_end_mlxtend_read_fit_over_huaxiang_wall"], ratios["in_memory_mlxtend_fit_over_huaxiang_mine"]
    res["meets_bar_end_to_end"] = bool(e2e and e2e >= 5)
    res["meets_bar_in_memory"] = bool(mem and mem >= 5)
    res["meets_bar"] = res["meets_bar_end_to_end"] and res["meets_bar_in_memory"] and agreement["same_rule_set"]
    if not agreement["same_rule_set"]:
        res["error"] = (f"rule sets differ: {len(agreement['only_mlxtend'])}+ only in mlxtend, "
                        f"{len(agreement['only_huaxiang'])}+ only in huaxiang")
    return res


# =================================================================================== recommend
def task_recommend(cx, ws):
    argv = cx.hx("-w", ws, "recommend", "evaluate", "--json")
    runs, v = [], None
    for i in range(cx.a.repeats):
        v, r = hx_json(cx, argv, "huaxiang recommend evaluate")
        runs.append({"wall_s": round(r["wall_s"], 3), "peak_rss_mb": r["peak_rss_mb"]})
        log(f"recommend: run {i + 1}/{cx.a.repeats}: {r['wall_s']:.2f}s recall@10 {v.get('recall_at_10')}")
    pop = v.get("popularity") or {}
    rr = ratio(v.get("recall_at_10"), pop.get("recall_at_10"), 3)
    return {"huaxiang": {k: v.get(k) for k in ("split", "precision_at_10", "recall_at_10", "ndcg_at_10", "users")},
            "popularity": pop,
            "ratio_recall_over_popularity": rr,
            "ratio_ndcg_over_popularity": ratio(v.get("ndcg_at_10"), pop.get("ndcg_at_10"), 3),
            "median_wall_s": med([x["wall_s"] for x in runs]), "peak_rss_mb": max(x["peak_rss_mb"] for x in runs),
            "runs": runs, "bar": "recall@10 >= 2 x popularity's", "meets_bar": bool(rr and rr >= 2)}


# =================================================================================== attribution
def spearman(xs, ys):
    from scipy.stats import spearmanr
    v = spearmanr(xs, ys).statistic
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else round(float(v), 4)


def task_attribution(cx, ws):
    with open(os.path.join(cx.data, "truth", "attribution.json"), encoding="utf-8") as f:
        truth = json.load(f)["channels"]
    chans = sorted(truth)
    caused = [truth[c]["caused_orders_in_data"] for c in chans]
    # A diagnostic next to the bar's figure: the channels whose touches the generator sends at random
    # (not targeted at people about to buy anyway, as ad_search is), where last touch is not confounded.
    bc = [i for i, c in enumerate(chans) if truth[c].get("targeting") == "random broadcast"]
    sub = lambda xs: [xs[i] for i in bc]  # noqa: E731
    models = {}
    for m in ATTRIBUTION_MODELS:
        argv = cx.hx("-w", ws, "attribution", "--model", m, "--json")
        v, r = hx_json(cx, argv, f"huaxiang attribution --model {m}")
        got = {c["channel"]: c for c in v.get("channels", [])}
        conv = [float((got.get(c) or {}).get("conversions") or 0.0) for c in chans]
        models[m] = {"spearman_conversions_vs_caused": spearman(conv, caused),
                     "spearman_broadcast_channels_only": spearman(sub(conv), sub(caused)) if len(bc) > 2 else None,
                     "conversions": dict(zip(chans, [round(x, 1) for x in conv])),
                     "channels_not_in_truth": sorted(set(got) - set(chans)),
                     "conversions_with_touches": v.get("conversions_with_touches"),
                     "conversions_without_touches": v.get("conversions_without_touches"),
                     "journeys": v.get("journeys"), "wall_s": round(r["wall_s"], 3), "peak_rss_mb": r["peak_rss_mb"]}
        log(f"attribution: {m}: spearman {models[m]['spearman_conversions_vs_caused']} ({r['wall_s']:.2f}s)")
    argv = cx.hx("-w", ws, "attribution", "--model", "shapley", "--incrementality", "--json")
    v, r = hx_json(cx, argv, "huaxiang attribution --incrementality")
    lift = {x["channel"]: x for x in (v.get("incrementality") or [])}
    inc = [float((lift.get(c) or {}).get("incremental_conversions") or 0.0) for c in chans]
    per_touch = [float((lift.get(c) or {}).get("incremental_per_touch") or 0.0) for c in chans]
    true_per_touch = [truth[c]["true_incremental_orders_per_touch"] for c in chans]
    incr = {"spearman_incremental_vs_caused": spearman(inc, caused),
            "spearman_broadcast_channels_only": spearman(sub(inc), sub(caused)) if len(bc) > 2 else None,
            "spearman_per_touch_vs_true_per_touch": spearman(per_touch, true_per_touch),
            "channels": {c: {k: (round(x, 4) if isinstance(x, float) else x) for k, x in (lift.get(c) or {}).items()
                             if k != "channel"} for c in chans},
            "wall_s": round(r["wall_s"], 3), "peak_rss_mb": r["peak_rss_mb"]}
    log(f"attribution: incrementality: spearman {incr['spearman_incremental_vs_caused']} ({r['wall_s']:.2f}s)")
    last = models["last"]["spearman_conversions_vs_caused"]
    dd = {m: models[m]["spearman_conversions_vs_caused"] for m in ("markov", "shapley")}
    best = max((x for x in dd.values() if x is not None), default=None)
    return {"channels": chans, "truth_caused_orders_in_data": dict(zip(chans, caused)),
            "broadcast_channels": [chans[i] for i in bc],
            "truth_incremental_per_touch": dict(zip(chans, true_per_touch)),
            "models": models, "incrementality": incr,
            "bar": "a data-driven model (markov or shapley) has a higher Spearman than last touch",
            "meets_bar": bool(best is not None and last is not None and best > last)}


# =================================================================================== nextitem
def task_nextitem(cx, ws_data):
    src = os.path.join(os.path.dirname(common.shared_bench_dir()), YOOCHOOSE)
    if not os.path.isfile(src):
        raise BenchError(f"{src} not found (set HUAXIANG_SHARED_DIR)")
    ws, _ = cx.fresh_workspace()
    argv = cx.hx("-w", ws, "ingest", "--table", "events", "--source", "yoochoose", "--map", YOOCHOOSE_MAP, "--json", src)
    counts, ri = hx_json(cx, argv, "huaxiang ingest yoochoose")
    argv = cx.hx("-w", ws, "recommend", "evaluate", "--task", "next-item", "--holdout-days", "1", "--json")
    runs, v = [], None
    for i in range(cx.a.repeats):
        v, r = hx_json(cx, argv, "huaxiang recommend evaluate --task next-item")
        runs.append({"wall_s": round(r["wall_s"], 3), "peak_rss_mb": r["peak_rss_mb"]})
        log(f"nextitem: yoochoose run {i + 1}/{cx.a.repeats}: {r['wall_s']:.2f}s HR@20 {v.get('hr_at_20')}")
    cx.cleanup(ws)
    yc = {"source": src, "ingest": {"wall_s": round(ri["wall_s"], 3), "read": counts.get("read"),
                                    "accepted": counts.get("accepted"), "rejected": counts.get("rejected")},
          "hr_at_20": v.get("hr_at_20"), "mrr_at_20": v.get("mrr_at_20"), "predictions": v.get("predictions"),
          "popularity": v.get("popularity"), "median_wall_s": med([x["wall_s"] for x in runs]),
          "peak_rss_mb": max(x["peak_rss_mb"] for x in runs), "runs": runs}
    argv = cx.hx("-w", ws_data, "recommend", "evaluate", "--task", "next-item", "--json")
    log(f"nextitem: {cx.size} workspace ...")
    try:
        w, r = hx_json(cx, argv, f"huaxiang recommend evaluate --task next-item on {cx.size}")
        data = {"hr_at_20": w.get("hr_at_20"), "mrr_at_20": w.get("mrr_at_20"), "predictions": w.get("predictions"),
                "popularity": w.get("popularity"), "wall_s": round(r["wall_s"], 3), "peak_rss_mb": r["peak_rss_mb"]}
    except BenchError as e:
        data = {"error": str(e)}
    hr = yc["hr_at_20"]
    res = {"yoochoose": yc, "data_workspace": data, "bar": "yoochoose HR@20 >= 0.6",
           "meets_bar": bool(isinstance(hr, (int, float)) and hr >= 0.6)}
    if data.get("error"):
        res["error"] = data["error"]
    return res


RUNNERS = {"rules": task_rules, "recommend": task_recommend, "attribution": task_attribution,
           "nextitem": task_nextitem}


# =================================================================================== report
def fmt(x, nd=3):
    return f"{x:.{nd}f}" if isinstance(x, (int, float)) and not isinstance(x, bool) else "-"


def yes(b):
    return "met" if b else "NOT met"


def print_report(res):
    h = res["host"]
    print(f"\nHuaxiang analytics bench  data={res['data']} (size {res['size']})  repeats={res['repeats']}  "
          f"{res['started']}")
    print(f"binary: {res['binary']['path']} ({res['binary']['build_type']}, {res['binary']['version']})")
    print(f"workspace: {res['workspace']}")
    print(f"host: {h['cpus']} CPUs, load average {h['loadavg_start']} at start, {h.get('loadavg_end')} at end")
    if res["binary"]["build_type"] != "release":
        print("NOTE: not a release binary; timings are not representative.")
    s = res.get("setup") or {}
    if s:
        print(f"setup: {'reused, ' if s.get('reused') else ''}build {fmt(s.get('build_wall_s'), 2)} s"
              + (f", ingest + build {fmt(s.get('setup_s'), 2)} s" if s.get("setup_s") else ""))
    t = res["tasks"]
    la = lambda r: f"  [load {r.get('loadavg_start')} -> {r.get('loadavg_end')}]"  # noqa: E731
    if "rules" in t:
        r = t["rules"]
        print("\n== rules (FP-growth, product baskets, min support 0.0005, lift >= 1)" + la(r))
        if r.get("error"):
            print(f"ERROR: {r['error']}")
        if "huaxiang" in r:
            hx, mx, ag, q, ra = r["huaxiang"], r["mlxtend"], r["agreement"], r["quality"], r["ratios"]
            print(f"{'system':24s} {'end to end s':>12s} {'in memory s':>11s} {'rss MB':>7s} {'rules':>7s} "
                  f"{'recall@50':>9s}")
            print(f"{'huaxiang rules':24s} {fmt(hx['median_wall_s']):>12s} {fmt(hx['median_mine_s']):>11s} "
                  f"{hx['peak_rss_mb']:>7.0f} {hx['n_rules']:>7} "
                  f"{fmt(q['huaxiang'][f'recall_planted_in_top{TOP}_by_lift'], 2):>9s}")
            print(f"{'mlxtend ' + str(mx.get('version')):24s} {fmt(mx['median_end_to_end_s']):>12s} "
                  f"{fmt(mx['median_fit_s']):>11s} {mx['peak_rss_mb']:>7.0f} {mx['n_rules']:>7} "
                  f"{fmt(q['mlxtend_all_consequents_as_run_peers'][f'recall_planted_in_top{TOP}_by_lift'], 2):>9s}")
            print(f"huaxiang: read+mine {fmt(hx['median_read_mine_s'])} s (read {fmt(hx['median_read_s'])}, mine "
                  f"{fmt(hx['median_mine_s'])}, write {fmt(hx['median_write_s'])}); {hx['baskets']} baskets, "
                  f"{hx['items']} items; wall runs {[x['wall_s'] for x in hx['runs']]}")
            print(f"mlxtend: read {fmt(mx['median_read_s'])} s + fit {fmt(mx['median_fit_s'])} s (last run "
                  f"{mx['phase_seconds_last_run']}); {mx['n_frequent_itemsets']} itemsets; fit runs {mx['fit_s']}")
            print(f"same rule set: {ag['same_rule_set']} ({ag['n_huaxiang']} vs {ag['n_mlxtend_single_consequent']} "
                  f"single-consequent); max |diff| " + ", ".join(f"{k} {v:.2g}" for k, v in ag["max_abs_diff"].items()))
            print(f"planted ({q['n_planted']}) in top {TOP} by lift: huaxiang "
                  f"{q['huaxiang'][f'recall_planted_in_top{TOP}_by_lift']}, mlxtend single-consequent "
                  f"{q['mlxtend_single_consequent'][f'recall_planted_in_top{TOP}_by_lift']}, mlxtend all "
                  f"{q['mlxtend_all_consequents_as_run_peers'][f'recall_planted_in_top{TOP}_by_lift']}")
            print(f"mlxtend / huaxiang: end to end {fmt(ra['end_to_end_mlxtend_read_fit_over_huaxiang_wall'], 1)}x "
                  f"(bar >= 5: {yes(r['meets_bar_end_to_end'])}), in memory "
                  f"{fmt(ra['in_memory_mlxtend_fit_over_huaxiang_mine'], 1)}x (bar >= 5: {yes(r['meets_bar_in_memory'])})"
                  f"; fit vs read+mine {fmt(ra['mlxtend_fit_over_huaxiang_read_mine'], 1)}x")
    if "recommend" in t:
        r = t["recommend"]
        print("\n== recommend (top 10 after a time split)" + la(r))
        if r.get("error"):
            print(f"ERROR: {r['error']}")
        if "huaxiang" in r:
            hx, p = r["huaxiang"], r["popularity"]
            print(f"{'model':12s} {'precision@10':>12s} {'recall@10':>9s} {'NDCG@10':>8s}")
            print(f"{'item-kNN':12s} {fmt(hx['precision_at_10'], 4):>12s} {fmt(hx['recall_at_10'], 4):>9s} "
                  f"{fmt(hx['ndcg_at_10'], 4):>8s}")
            print(f"{'popularity':12s} {fmt(p.get('precision_at_10'), 4):>12s} {fmt(p.get('recall_at_10'), 4):>9s} "
                  f"{fmt(p.get('ndcg_at_10'), 4):>8s}")
            print(f"split {hx.get('split')}, {hx['users']} users; recall ratio {fmt(r['ratio_recall_over_popularity'], 2)}x "
                  f"(bar >= 2: {yes(r['meets_bar'])}); wall {fmt(r['median_wall_s'], 2)} s (median), "
                  f"peak RSS {r['peak_rss_mb']:.0f} MB")
    if "attribution" in t:
        r = t["attribution"]
        print("\n== attribution (Spearman of credited conversions per channel vs truth caused orders)" + la(r))
        if r.get("error"):
            print(f"ERROR: {r['error']}")
        if "models" in r:
            chans = r["channels"]
            print(f"{'model':12s} {'spearman':>8s} {'bcast':>6s} {'wall s':>7s}  " + " ".join(f"{c:>9s}" for c in chans))
            print(f"{'(truth)':12s} {'':>8s} {'':>6s} {'':>7s}  "
                  + " ".join(f"{r['truth_caused_orders_in_data'][c]:>9}" for c in chans))
            for m, v in r["models"].items():
                print(f"{m:12s} {fmt(v['spearman_conversions_vs_caused'], 3):>8s} "
                      f"{fmt(v['spearman_broadcast_channels_only'], 2):>6s} {fmt(v['wall_s'], 2):>7s}  "
                      + " ".join(f"{v['conversions'][c]:>9.0f}" for c in chans))
            inc = r["incrementality"]
            print(f"{'incremental':12s} {fmt(inc['spearman_incremental_vs_caused'], 3):>8s} "
                  f"{fmt(inc['spearman_broadcast_channels_only'], 2):>6s} {fmt(inc['wall_s'], 2):>7s}  "
                  + " ".join(f"{(inc['channels'][c].get('incremental_conversions') or 0):>9.0f}" for c in chans))
            print(f"spearman: all {len(chans)} channels (the bar's figure); bcast: only the randomly broadcast "
                  f"channels {r.get('broadcast_channels')} (diagnostic)")
            print(f"incremental per touch vs true per touch: Spearman "
                  f"{fmt(inc['spearman_per_touch_vs_true_per_touch'], 3)}")
            print(f"bar: markov or shapley > last touch: {yes(r['meets_bar'])}")
    if "nextitem" in t:
        r = t["nextitem"]
        print("\n== nextitem (HR@20 / MRR@20 of the next click in a session)" + la(r))
        if r.get("error"):
            print(f"ERROR: {r['error']}")
        yc = r.get("yoochoose")
        if yc:
            p = yc.get("popularity") or {}
            print(f"{'data':18s} {'HR@20':>7s} {'MRR@20':>7s} {'pop HR@20':>9s} {'pop MRR@20':>10s} {'predictions':>11s} "
                  f"{'wall s':>7s}")
            print(f"{'yoochoose 100k':18s} {fmt(yc['hr_at_20'], 4):>7s} {fmt(yc['mrr_at_20'], 4):>7s} "
                  f"{fmt(p.get('hr_at_20'), 4):>9s} {fmt(p.get('mrr_at_20'), 4):>10s} {yc['predictions']:>11} "
                  f"{fmt(yc['median_wall_s'], 2):>7s}")
            d = r.get("data_workspace") or {}
            if not d.get("error"):
                p = d.get("popularity") or {}
                print(f"{res['size'] + ' workspace':18s} {fmt(d['hr_at_20'], 4):>7s} {fmt(d['mrr_at_20'], 4):>7s} "
                      f"{fmt(p.get('hr_at_20'), 4):>9s} {fmt(p.get('mrr_at_20'), 4):>10s} {d['predictions']:>11} "
                      f"{fmt(d['wall_s'], 2):>7s}")
            print(f"yoochoose: {yc['ingest']['read']} clicks ingested in {fmt(yc['ingest']['wall_s'], 2)} s; "
                  f"bar HR@20 >= 0.6: {yes(r['meets_bar'])}")
    print(f"\nwrote {res['out']}")


# =================================================================================== main
def check_data(data, tasks):
    if not os.path.isdir(data):
        raise BenchError(f"--data {data}: no such directory")
    need = {f for f, *_ in common.FEATURE_FILES}
    if "rules" in tasks:
        need.add(os.path.join("truth", "rules.csv"))
    if "attribution" in tasks:
        need.add(os.path.join("truth", "attribution.json"))
    missing = sorted(f for f in need if not os.path.exists(os.path.join(data, f)))
    if missing:
        raise BenchError(f"--data {data}: missing {', '.join(missing)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workspace", default=None, help="reuse (or create and keep) this workspace")
    ap.add_argument("--out", default=None, help="default bench/out/analytics-SIZE.json")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per child process")
    ap.add_argument("--work-dir", default=None, help="where the temporary workspaces go (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary workspaces")
    a = ap.parse_args()
    tasks = [t.strip() for t in a.tasks.split(",") if t.strip()]
    bad = [t for t in tasks if t not in RUNNERS]
    if bad or not tasks or a.repeats < 1:
        ap.error(f"unknown task(s) {bad}; choose from {list(RUNNERS)}" if bad else "need tasks and --repeats >= 1")
    try:
        check_data(os.path.abspath(a.data), tasks)
        cx = Ctx(a)
        cx.python = sys.executable
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
        "repo": common.git_state(),
        "python": {"runner": platform.python_version(), "executable": sys.executable},
        "host": {"machine": platform.machine(), "cpus": os.cpu_count(), "loadavg_start": loadavg()},
        "tasks": {},
    }
    if cx.build_type != "release":
        log(f"warning: {cx.bin} is a {cx.build_type} binary: timings are not representative")
    failed = False
    try:
        try:
            ws, setup = setup_workspace(cx)
        except BenchError as e:
            log(f"error: workspace setup: {e}")
            return 2
        res["workspace"], res["setup"] = ws, setup
        for t in tasks:
            log(f"== {t} ==")
            load0 = loadavg()
            t0 = time.perf_counter()
            try:
                r = RUNNERS[t](cx, ws)
                r["ok"] = not r.get("error")
            except BenchError as e:
                r = {"ok": False, "error": str(e)}
            except Exception as e:  # an unexpected failure is recorded, the other tasks still run
                r = {"ok": False, "error": f"{type(e).__name__}: {e}"}
            r["task_wall_s"] = round(time.perf_counter() - t0, 2)
            r["loadavg_start"], r["loadavg_end"] = load0, loadavg()
            failed |= not r["ok"]
            res["tasks"][t] = r
            if not r["ok"]:
                log(f"{t}: FAILED: {r['error']}")
    finally:
        if not a.work_dir and not a.keep:
            shutil.rmtree(cx.root, ignore_errors=True)
    res["host"]["loadavg_end"] = loadavg()
    out = os.path.abspath(a.out or os.path.join(HERE, "out", f"analytics-{cx.size}.json"))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(res, f, ensure_ascii=False, indent=2, default=str)
        f.write("\n")
    res["out"] = out
    print_report(res)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
