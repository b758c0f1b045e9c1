#!/usr/bin/env python3
"""Huaxiang AI benchmarks: clustering, churn models and lifetime value against the Python peers.

    PEER_PYTHON bench/ai.py --data DATA/M [--tasks cluster,churn_label,churn_pit,clv] [--repeats 3]
                            [--workspace DIR] [--out bench/out/ai-M.json]

Run it with the Python that has the pinned peer packages (scikit-learn, scipy, lifetimes): the
scores (ARI, ROC-AUC, Spearman) are computed here with scikit-learn and scipy, the same functions
the peers use.

Setup  A workspace with customers.csv (source `customers`), crm_contacts.csv (source
       `crm_contacts`, --rename crm_id=customer_id), orders, order_items, events, tickets and
       touches ingested, then `huaxiang build`. With --workspace DIR an existing built workspace
       is reused (DIR is created and built when it does not exist yet).
       Every customer_id of customers.csv gets the output of its person (via identity_links).

Tasks
  cluster      `huaxiang cluster --algo kmeans --k 6 --seed 42 --stability 0 --no-keep --json`,
               `--repeats` times. Time: the run's preprocess + fit seconds (median). Quality: ARI and
               NMI of the clusters against truth/segments.csv over all customers. In the same run:
               run_peers.py --only segmentation.kmeans (scikit-learn KMeans k=6, n_init=10; its
               seconds are scale + fit). Bar: ARI >= scikit-learn's, time <= scikit-learn's.
  churn_label  truth/labels.csv `churned_180d` as the label file:
               `huaxiang model train --label-file labels.csv --id-col customer_id --label-col
               churned_180d --algo gbdt --holdout 0.2 --seed 42 --json` (joined to the persons'
               current features; a stratified 80/20 split, seed 42), `--repeats` times; time = fit +
               predict on the test rows (median). Also the 5-fold CV figure (`--cv 5`). In the same
               run: run_peers.py --only churn.hgb (HistGradientBoosting, the same split protocol).
               Bar: ROC-AUC >= scikit-learn's - 0.005 and time <= scikit-learn's.
  churn_pit    `huaxiang model train churn --horizon 180 --json` (features as of the data's end
               minus 180 days, labels from the 180 days after), then the scores of the current
               features (table predictions) against truth `churned_180d`: ROC-AUC over all
               customers. Bar: >= 0.75.
  clv          The `clv` table of the build (BG/NBD + Gamma-Gamma on paid orders, 180 days ahead):
               Spearman of expected_spend with truth future_spend_180d over all customers (each account
               scored on its own history, table clv_records), and over persons (`clv`, the sums over a
               person's accounts, against the truth summed over them).
               Fit speed:
               `huaxiang clv fit --file paid_orders.csv --customer-col customer_id --time-col
               order_time --amount-col amount --calibration-end CUTOFF --json` (paid orders written
               once, not timed; the time is the whole child: reading the CSV, summary, both fits)
               against run_peers.py --only clv (lifetimes; summary + both fits + predict).
               Bar: Spearman >= lifetimes', >= 10x faster.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as common  # noqa: E402  (the helpers of bench/run.py)
from run import BenchError, check_ok, last_json_object, log, med, run_child  # noqa: E402

TASKS = ("cluster", "churn_label", "churn_pit", "clv")


class Ctx(common.Ctx):
    pass


def setup_workspace(cx):
    ws = cx.a.workspace
    if ws and os.path.exists(os.path.join(ws, "huaxiang.toml")):
        log(f"reusing workspace {ws}")
        return ws, None
    if ws:
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
    r = run_child(argv, cx.timeout, cx.env)
    check_ok(r, argv, "huaxiang build")
    return ws, {"setup_s": round(time.perf_counter() - t, 2), "build": last_json_object(r["stdout"], "build")}


def sql_rows(cx, ws, query):
    argv = cx.hx("-w", ws, "sql", "--format", "csv", query)
    r = run_child(argv, cx.timeout, cx.env)
    check_ok(r, argv, "huaxiang sql")
    return list(csv.DictReader(r["stdout"].splitlines()))


def person_of_customer(cx, ws):
    rows = sql_rows(cx, ws, "SELECT record_id, person_id FROM identity_links WHERE source = 'customers'")
    return {r["record_id"]: r["person_id"] for r in rows}


def read_truth(cx, name):
    with open(os.path.join(cx.data, "truth", name), encoding="utf-8") as f:
        return list(csv.DictReader(f))


def peer(cx, only):
    """Runs run_peers.py DATA --only ONLY now; returns its rows for that task."""
    script = os.path.join(common.shared_bench_dir(), "peers", "run_peers.py")
    argv = [cx.python, script, cx.data, "--only", only, "--repeats", str(cx.a.repeats)]
    log(f"peer {only} ...")
    r = run_child(argv, cx.timeout * 4, cx.env)
    check_ok(r, argv, f"run_peers.py --only {only}")
    with open(os.path.join(cx.data, "peers.json"), encoding="utf-8") as f:
        res = json.load(f)["results"]
    task, _, variant = only.partition(".")
    return [x for x in res if x["task"] == task and (not variant or x["variant"] == variant)]


# =================================================================================== tasks
def task_cluster(cx, ws):
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    runs = []
    for i in range(cx.a.repeats):
        argv = cx.hx("-w", ws, "cluster", "--algo", "kmeans", "--k", "6", "--seed", "42", "--stability", "0",
                     "--no-keep", "--json")
        r = run_child(argv, cx.timeout, cx.env)
        check_ok(r, argv, "huaxiang cluster")
        v = last_json_object(r["stdout"], "huaxiang cluster")
        t = v["timings"]
        runs.append({"preprocess_fit_s": round(t["preprocess"] + t["fit"], 4), "total_s": round(t["total"], 4),
                     "wall_s": round(r["wall_s"], 3), "peak_rss_mb": r["peak_rss_mb"],
                     "silhouette": v["quality"].get("silhouette")})
    names = {c["cluster"]: c["name"] for c in v["clusters"]}
    cluster_of = {r["person_id"]: r["cluster"] for r in sql_rows(cx, ws, 'SELECT person_id, "cluster" FROM clusters')}
    pmap = person_of_customer(cx, ws)
    truth = read_truth(cx, "segments.csv")
    y_true, y_pred = [], []
    for t in truth:
        p = pmap.get(t["customer_id"])
        y_true.append(t["segment"])
        y_pred.append(cluster_of.get(p, "none"))
    ari = adjusted_rand_score(y_true, y_pred)
    nmi = normalized_mutual_info_score(y_true, y_pred)
    peers = peer(cx, "segmentation.kmeans")
    sk = peers[0] if peers else {}
    ours_s = med([x["preprocess_fit_s"] for x in runs])
    res = {"huaxiang": {"ari": round(ari, 4), "nmi": round(nmi, 4), "median_preprocess_fit_s": ours_s,
                        "runs": runs, "clusters": {str(k): n for k, n in names.items()},
                        "customers_without_cluster": sum(1 for p in y_pred if p == "none")},
           "sklearn": {"ari": (sk.get("quality") or {}).get("ari"), "seconds": sk.get("seconds"),
                       "runs": sk.get("runs"), "estimator": sk.get("estimator")}}
    sks = sk.get("seconds")
    res["ratio_time_huaxiang_over_sklearn"] = round(ours_s / sks, 3) if sks else None
    res["meets_bar"] = bool(sks and res["sklearn"]["ari"] is not None and ari >= res["sklearn"]["ari"]
                            and ours_s <= sks)
    return res


def task_churn_label(cx, ws):
    labels = os.path.join(cx.data, "truth", "labels.csv")
    base = ["-w", ws, "model", "train", "--label-file", labels, "--id-col", "customer_id", "--label-col",
            "churned_180d", "--seed", "42", "--json"]
    runs = []
    for i in range(cx.a.repeats):
        argv = cx.hx(*base, "--algo", "gbdt", "--holdout", "0.2")
        r = run_child(argv, cx.timeout, cx.env)
        check_ok(r, argv, "huaxiang model train --holdout")
        v = last_json_object(r["stdout"], "model train")
        runs.append({"roc_auc": v["roc_auc"], "pr_auc": v["pr_auc"], "train_s": round(v["train_seconds"], 4),
                     "wall_s": round(r["wall_s"], 3), "peak_rss_mb": r["peak_rss_mb"],
                     "train_rows": v["train_rows"], "test_rows": v["test_rows"]})
    argv = cx.hx(*base, "--cv", "5", "--name", "churned_180d_label")
    r = run_child(argv, cx.timeout, cx.env)
    check_ok(r, argv, "huaxiang model train --cv 5")
    cv = last_json_object(r["stdout"], "model train")
    peers = peer(cx, "churn.hgb")
    sk = peers[0] if peers else {}
    q = sk.get("quality") or {}
    ours_s = med([x["train_s"] for x in runs])
    auc = runs[0]["roc_auc"]
    res = {"huaxiang_holdout": {"roc_auc": round(auc, 4), "pr_auc": round(runs[0]["pr_auc"], 4),
                                "median_train_s": ours_s, "runs": runs,
                                "joined": cv.get("data")},
           "huaxiang_cv5": {k: cv.get(k) for k in ("algo", "roc_auc", "pr_auc", "accuracy", "f1", "train_seconds")},
           "sklearn_hgb": {"roc_auc": q.get("roc_auc"), "pr_auc": q.get("pr_auc"), "seconds": sk.get("seconds"),
                           "runs": sk.get("runs")}}
    sks = sk.get("seconds")
    res["ratio_time_huaxiang_over_sklearn"] = round(ours_s / sks, 3) if sks else None
    res["meets_bar"] = bool(sks and q.get("roc_auc") is not None and auc >= q["roc_auc"] - 0.005 and ours_s <= sks)
    return res


def task_churn_pit(cx, ws):
    from sklearn.metrics import roc_auc_score
    argv = cx.hx("-w", ws, "model", "train", "churn", "--horizon", "180", "--json")
    r = run_child(argv, cx.timeout, cx.env)
    check_ok(r, argv, "huaxiang model train churn")
    v = last_json_object(r["stdout"], "model train churn")
    scores = {x["person_id"]: float(x["score"]) for x in
              sql_rows(cx, ws, "SELECT person_id, score FROM predictions WHERE model = 'churn'")}
    pmap = person_of_customer(cx, ws)
    y, s, missing = [], [], 0
    for t in read_truth(cx, "labels.csv"):
        p = pmap.get(t["customer_id"])
        if p not in scores:
            missing += 1
            continue
        y.append(int(t["churned_180d"]))
        s.append(scores[p])
    auc = roc_auc_score(y, s)
    return {"huaxiang": {"roc_auc_vs_churned_180d": round(auc, 4), "customers_scored": len(y),
                         "customers_without_score": missing, "cv_roc_auc_in_training": v.get("roc_auc"),
                         "algo": v.get("algo"), "data": v.get("data"), "wall_s": round(r["wall_s"], 2),
                         "train_seconds": v.get("train_seconds"), "peak_rss_mb": r["peak_rss_mb"]},
            "meets_bar": auc >= 0.75}


def task_clv(cx, ws):
    from scipy.stats import spearmanr
    spend = {x["person_id"]: float(x["expected_spend"] or 0) for x in
             sql_rows(cx, ws, "SELECT person_id, expected_spend FROM clv")}
    pmap = person_of_customer(cx, ws)
    # Per customer account: `clv_records` scores each account on its own history (a person's
    # `clv` row is the sum over their accounts); without it, each account gets its person's value.
    try:
        per_account = {x["record_id"]: float(x["expected_spend"] or 0) for x in
                       sql_rows(cx, ws, "SELECT record_id, expected_spend FROM clv_records")}
    except BenchError:
        per_account = {}
    y, s, s_person = [], [], []
    for t in read_truth(cx, "labels.csv"):
        y.append(float(t["future_spend_180d"]))
        pv = spend.get(pmap.get(t["customer_id"]), 0.0)
        s_person.append(pv)
        s.append(per_account.get(t["customer_id"], pv) if per_account else pv)
    rho = spearmanr(s, y).statistic
    rho_account_gets_person = spearmanr(s_person, y).statistic
    # Per person: the system predicts for a person; truth is per account, so a person with two
    # accounts gets the sum of their accounts' future spend.
    per_person = {}
    for t in read_truth(cx, "labels.csv"):
        p = pmap.get(t["customer_id"])
        if p is not None:
            per_person[p] = per_person.get(p, 0.0) + float(t["future_spend_180d"])
    pp = sorted(per_person)
    rho_person = spearmanr([spend.get(p, 0.0) for p in pp], [per_person[p] for p in pp]).statistic
    # Paid orders as a plain transaction file for `clv fit` (not timed).
    paid = os.path.join(cx.root, "paid_orders.csv")
    with open(os.path.join(cx.data, "orders.csv"), encoding="utf-8") as f, open(paid, "w", encoding="utf-8") as o:
        rd = csv.DictReader(f)
        w = csv.writer(o)
        w.writerow(["customer_id", "order_time", "amount"])
        for row in rd:
            if row["status"] == "paid":
                w.writerow([row["customer_id"], row["order_time"], row["amount"]])
    # The peer's observation end is the cutoff instant (midnight starting the cutoff day), which
    # lifetimes counts as that day's date; the same date here gives both the same durations.
    cal_end = (cx.manifest.get("cutoff") or "2026-07-01")[:10]
    runs = []
    for i in range(cx.a.repeats):
        argv = cx.hx("clv", "fit", "--file", paid, "--customer-col", "customer_id", "--time-col", "order_time",
                     "--amount-col", "amount", "--calibration-end", cal_end, "--json")
        r = run_child(argv, cx.timeout, cx.env)
        check_ok(r, argv, "huaxiang clv fit")
        v = last_json_object(r["stdout"], "clv fit")
        runs.append({"wall_s": round(r["wall_s"], 4), "fit_s": round(v["seconds"], 4), "peak_rss_mb": r["peak_rss_mb"]})
    peers = peer(cx, "clv")
    lt = peers[0] if peers else {}
    lq = lt.get("quality") or {}
    ours_s = med([x["wall_s"] for x in runs])
    res = {"huaxiang": {"spearman_spend_all": round(rho, 4), "spearman_spend_persons": round(rho_person, 4),
                        "spearman_spend_all_person_value": round(rho_account_gets_person, 4),
                        "per_account_table": bool(per_account),
                        "persons": len(pp), "median_clv_fit_wall_s": ours_s, "runs": runs,
                        "parameters": {k: v.get(k) for k in ("r", "alpha", "a", "b", "p", "q", "gamma", "loglik")}},
           "lifetimes": {"spearman_spend_all": lq.get("spearman_spend_all"), "seconds": lt.get("seconds"),
                         "parameters": lt.get("fitted_parameters"), "runs": lt.get("runs")}}
    lts = lt.get("seconds")
    res["speedup_lifetimes_over_huaxiang"] = round(lts / ours_s, 2) if lts and ours_s else None
    res["meets_bar"] = bool(lts and lq.get("spearman_spend_all") is not None
                            and rho >= lq["spearman_spend_all"] and lts / ours_s >= 10)
    return res


RUNNERS = {"cluster": task_cluster, "churn_label": task_churn_label, "churn_pit": task_churn_pit, "clv": task_clv}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workspace", default=None, help="reuse (or create and keep) this built workspace")
    ap.add_argument("--out", default=None)
    ap.add_argument("--timeout", type=int, default=3600)
    ap.add_argument("--work-dir", default=None)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    tasks = [t for t in a.tasks.split(",") if t]
    bad = [t for t in tasks if t not in RUNNERS]
    if bad:
        ap.error(f"unknown task(s) {bad}; choose from {list(RUNNERS)}")
    try:
        cx = Ctx(a)
        cx.python = sys.executable
        out = {"data": cx.data, "size": cx.size, "binary": cx.bin, "build_type": cx.build_type,
               "load_avg_start": os.getloadavg(), "git": common.git_state(), "tasks": {}}
        ws, setup = setup_workspace(cx)
        out["setup"] = setup
        ok = True
        for t in tasks:
            log(f"== {t}")
            la = os.getloadavg()
            try:
                r = RUNNERS[t](cx, ws)
            except BenchError as e:
                r = {"error": str(e)}
                ok = False
            r["load_avg"] = [la, os.getloadavg()]
            out["tasks"][t] = r
            print(json.dumps({t: r}, ensure_ascii=False, indent=1), flush=True)
        out["load_avg_end"] = os.getloadavg()
        if a.out:
            os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
            with open(a.out, "w", encoding="utf-8") as f:
                json.dump(out, f, ensure_ascii=False, indent=1)
        sys.exit(0 if ok else 1)
    except BenchError as e:
        log(f"error: {e}")
        sys.exit(2)


if __name__ == "__main__":
    main()
