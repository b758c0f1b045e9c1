//! Cross-check against the Python reference, mlxtend 0.25 (`fpgrowth` + `association_rules`).
//!
//! Random basket sets are generated here (deterministic PRNG, skewed item popularity, a few
//! planted pairs and triples), written to a temporary CSV and mined by both sides under
//! several parameter sets, including a support exactly on mlxtend's float border and a
//! confidence exactly on its rounding border. The frequent itemsets must be identical with
//! identical counts, and the rule sets identical with every metric equal to 1e-9 (in
//! practice bit for bit).
//!
//! Needs `HUAXIANG_PYTHON` pointing to a Python with mlxtend (CI exports the venv's);
//! skipped with a message when unset, a failure when unset under CI.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use huaxiang_baskets::{Baskets, RuleParams, frequent_itemsets, rules};
use serde_json::Value;

const SCRIPT: &str = r#"
import json, sys
import numpy as np
import pandas as pd
from mlxtend.frequent_patterns import association_rules, fpgrowth

pairs = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False).drop_duplicates()
configs = json.loads(sys.argv[2])
rows, baskets = pd.factorize(pairs["basket"])
cols, items = pd.factorize(pairs["item"])
n = len(baskets)
M = np.zeros((n, len(items)), dtype=bool)
M[rows, cols] = True
onehot = pd.DataFrame(M, columns=list(items))

def num(x):
    # Floats travel as repr() text: exact both ways (Rust's str::parse is correctly rounded,
    # a JSON number parser need not be), and "inf" needs no special case.
    return repr(float(x))

out = []
for cfg in configs:
    fi = fpgrowth(onehot, min_support=cfg["min_support"], use_colnames=True,
                  max_len=cfg["max_len"])
    itemsets = [[sorted(s), int(round(sup * n)), num(sup)]
                for s, sup in zip(fi["itemsets"], fi["support"])]
    res = []
    if len(fi):
        r = association_rules(fi, num_itemsets=n, metric="confidence",
                              min_threshold=cfg["min_confidence"])
        r = r[r["consequents"].apply(len) <= cfg["max_consequent"]]
        if cfg["min_lift"] is not None:
            r = r[r["lift"] >= cfg["min_lift"]]
        for d in r.to_dict("records"):
            res.append({
                "antecedent": sorted(d["antecedents"]), "consequent": sorted(d["consequents"]),
                "support": num(d["support"]), "confidence": num(d["confidence"]),
                "lift": num(d["lift"]), "leverage": num(d["leverage"]),
                "conviction": num(d["conviction"]),
                "antecedent_support": num(d["antecedent support"]),
                "consequent_support": num(d["consequent support"]),
            })
    out.append({"n": n, "itemsets": itemsets, "rules": res})
print(json.dumps(out))
"#;

/// splitmix64: tiny, deterministic, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Spec {
    seed: u64,
    baskets: usize,
    items: usize,
    max_size: usize,
}

/// `(basket, item)` rows: basket sizes 1..=max_size (small ones likelier), item popularity
/// skewed (cubic), plus planted co-purchases: pairs and one triple with fixed probabilities.
fn generate(spec: &Spec) -> Vec<(String, String)> {
    let mut rng = Rng(spec.seed);
    let name = |i: usize| {
        // A few non-ASCII names, as in real catalogues.
        if i.is_multiple_of(17) {
            format!("品{i:03}")
        } else {
            format!("p{i:03}")
        }
    };
    let planted_pairs = [(5usize, 40usize, 0.6), (12, 33, 0.35), (21, 7, 1.0), (50, 51, 0.45)];
    let triple = (30usize, 31usize, 32usize);
    let mut rows = Vec::new();
    for b in 0..spec.baskets {
        let key = format!("b{b:06}");
        let size = 1 + ((rng.unit() * rng.unit()) * spec.max_size as f64) as usize;
        let mut items: Vec<usize> = (0..size)
            .map(|_| {
                let u = rng.unit();
                ((u * u * u) * spec.items as f64) as usize % spec.items
            })
            .collect();
        for &(a, c, p) in &planted_pairs {
            if items.contains(&a) && rng.unit() < p {
                items.push(c % spec.items);
            }
        }
        if rng.unit() < 0.03 {
            items.extend([triple.0, triple.1, triple.2].map(|i| i % spec.items));
        }
        for i in items {
            rows.push((key.clone(), name(i)));
        }
    }
    rows
}

#[derive(Clone, Copy)]
struct Config {
    min_support: f64,
    min_confidence: f64,
    max_len: Option<usize>,
    max_consequent: usize,
    min_lift: Option<f64>,
}

impl Config {
    fn new(min_support: f64, min_confidence: f64) -> Self {
        Self {
            min_support,
            min_confidence,
            max_len: None,
            max_consequent: 1,
            min_lift: None,
        }
    }

    fn params(&self) -> RuleParams {
        RuleParams {
            min_support: self.min_support,
            min_confidence: self.min_confidence,
            max_len: self.max_len,
            max_consequent: self.max_consequent,
            min_lift: self.min_lift,
        }
    }

    fn json(&self) -> String {
        let opt = |v: Option<String>| v.unwrap_or_else(|| "null".to_owned());
        // `{:?}` prints the shortest text that parses back to the same f64 in Python too.
        format!(
            r#"{{"min_support": {:?}, "min_confidence": {:?}, "max_len": {}, "max_consequent": {}, "min_lift": {}}}"#,
            self.min_support,
            self.min_confidence,
            opt(self.max_len.map(|m| m.to_string())),
            self.max_consequent,
            opt(self.min_lift.map(|l| format!("{l:?}"))),
        )
    }
}

fn python() -> Option<PathBuf> {
    let Some(p) = std::env::var_os("HUAXIANG_PYTHON").map(PathBuf::from) else {
        assert!(
            std::env::var("CI").is_err(),
            "CI needs $HUAXIANG_PYTHON (a Python with mlxtend) for the reference check"
        );
        eprintln!("skipped: HUAXIANG_PYTHON (a Python with mlxtend) is not set");
        return None;
    };
    Some(p)
}

fn write_csv(path: &Path, rows: &[(String, String)]) {
    let mut text = String::from("basket,item\n");
    for (b, i) in rows {
        writeln!(text, "{b},{i}").expect("write to a String");
    }
    std::fs::write(path, text).expect("write the basket CSV");
}

fn run_reference(py: &Path, csv: &Path, configs: &[Config]) -> Vec<Value> {
    let cfg = format!("[{}]", configs.iter().map(Config::json).collect::<Vec<_>>().join(","));
    let out = Command::new(py)
        .arg("-c")
        .arg(SCRIPT)
        .arg(csv)
        .arg(&cfg)
        .output()
        .expect("run the reference Python");
    assert!(
        out.status.success(),
        "reference failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("reference prints JSON");
    v.as_array().expect("a list, one entry per config").clone()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("a list of names")
        .iter()
        .map(|s| s.as_str().expect("a name").to_owned())
        .collect()
}

/// A float sent as Python `repr` text (`"0.1"`, `"inf"`).
fn float(v: &Value) -> f64 {
    v.as_str()
        .expect("a float as text")
        .parse()
        .expect("Python repr of a float parses in Rust")
}

type Metrics = [f64; 7];

fn same(a: f64, b: f64) -> bool {
    (a.is_infinite() && b.is_infinite() && a.signum() == b.signum()) || (a - b).abs() <= 1e-9
}

/// Compares one configuration; returns (itemsets, rules, bit-identical metric values).
fn check(label: &str, baskets: &Baskets, cfg: &Config, reference: &Value) -> (usize, usize, usize) {
    let n = reference["n"].as_u64().expect("n");
    assert_eq!(n, baskets.len() as u64, "{label}: basket count");

    // Frequent itemsets: same sets, same counts, same supports.
    let mine: BTreeMap<Vec<String>, (u64, f64)> = frequent_itemsets(baskets, cfg.min_support, cfg.max_len)
        .expect("valid parameters")
        .into_iter()
        .map(|s| (baskets.names_of(&s.items), (s.count, s.support)))
        .collect();
    let theirs: BTreeMap<Vec<String>, (u64, f64)> = reference["itemsets"]
        .as_array()
        .expect("itemsets")
        .iter()
        .map(|s| {
            let count = s[1].as_u64().expect("count");
            (strings(&s[0]), (count, float(&s[2])))
        })
        .collect();
    let only_mine: Vec<_> = mine.keys().filter(|k| !theirs.contains_key(*k)).collect();
    let only_theirs: Vec<_> = theirs.keys().filter(|k| !mine.contains_key(*k)).collect();
    assert!(
        only_mine.is_empty() && only_theirs.is_empty(),
        "{label}: itemsets differ; only ours {only_mine:?}, only mlxtend {only_theirs:?}"
    );
    for (k, (c, s)) in &mine {
        let (tc, ts) = theirs[k];
        assert_eq!(*c, tc, "{label}: count of {k:?}");
        assert_eq!(s.to_bits(), ts.to_bits(), "{label}: support of {k:?}");
    }

    // Rules: same set, same metrics.
    let key = |a: Vec<String>, c: Vec<String>| (a, c);
    let mine: BTreeMap<_, Metrics> = rules(baskets, &cfg.params())
        .expect("valid parameters")
        .into_iter()
        .map(|r| {
            (
                key(r.antecedent, r.consequent),
                [
                    r.support,
                    r.confidence,
                    r.lift,
                    r.leverage,
                    r.conviction,
                    r.antecedent_support,
                    r.consequent_support,
                ],
            )
        })
        .collect();
    let theirs: BTreeMap<_, Metrics> = reference["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| {
            let f = |k: &str| float(&r[k]);
            (
                key(strings(&r["antecedent"]), strings(&r["consequent"])),
                [
                    f("support"),
                    f("confidence"),
                    f("lift"),
                    f("leverage"),
                    f("conviction"),
                    f("antecedent_support"),
                    f("consequent_support"),
                ],
            )
        })
        .collect();
    let only_mine: Vec<_> = mine.keys().filter(|k| !theirs.contains_key(*k)).collect();
    let only_theirs: Vec<_> = theirs.keys().filter(|k| !mine.contains_key(*k)).collect();
    assert!(
        only_mine.is_empty() && only_theirs.is_empty(),
        "{label}: rule sets differ; only ours {only_mine:?}, only mlxtend {only_theirs:?}"
    );
    let names = [
        "support",
        "confidence",
        "lift",
        "leverage",
        "conviction",
        "antecedent_support",
        "consequent_support",
    ];
    let mut exact = 0;
    for (k, m) in &mine {
        let t = &theirs[k];
        for i in 0..m.len() {
            assert!(
                same(m[i], t[i]),
                "{label}: {} of {k:?}: ours {} mlxtend {}",
                names[i],
                m[i],
                t[i]
            );
            if m[i].to_bits() == t[i].to_bits() {
                exact += 1;
            }
        }
    }
    (mine.len(), theirs.len(), exact)
}

/// A `min_support = k/n` at which mlxtend's two tests disagree (`ceil(fl(k/n)·n) = k + 1`),
/// with k the count of some frequent pair, so that single items of count k are in and
/// pairs of count k are out. `None` when no count of this data set hits the border.
fn support_border(baskets: &Baskets) -> Option<f64> {
    let n = baskets.len() as f64;
    let sets = frequent_itemsets(baskets, 5.0 / n, Some(2)).expect("valid");
    let counts = baskets.item_counts();
    sets.iter()
        .filter(|s| s.items.len() == 2)
        .map(|s| s.count)
        .filter(|&k| counts.contains(&k))
        .find(|&k| {
            let ms = k as f64 / n;
            (ms * n).ceil() as u64 > k
        })
        .map(|k| k as f64 / n)
}

/// A `min_confidence` on the rounding border between the naive quotient
/// `count(A∪C) / count(A)` and mlxtend's `(s(A∪C)·n) / (s(A)·n)` for some rule where the two
/// differ: the larger of the two, so that the rule is kept by exactly one of the formulas.
/// Computed here from counts, independently of the crate's own confidence.
fn confidence_border(baskets: &Baskets, min_support: f64) -> Option<f64> {
    let n = baskets.len() as f64;
    rules(baskets, &RuleParams::new(min_support, 0.0))
        .expect("valid")
        .iter()
        .map(|r| {
            let c_a = (r.antecedent_support * n).round();
            let naive = r.count as f64 / c_a;
            let mlxtend = ((r.count as f64 / n) * n) / ((c_a / n) * n);
            (naive, mlxtend)
        })
        .find(|(naive, mlxtend)| naive != mlxtend)
        .map(|(naive, mlxtend)| naive.max(mlxtend))
}

#[test]
fn matches_mlxtend() {
    let Some(py) = python() else {
        return;
    };
    let specs = [
        Spec {
            seed: 1,
            baskets: 3000,
            items: 120,
            max_size: 6,
        },
        Spec {
            seed: 2,
            baskets: 5000,
            items: 300,
            max_size: 8,
        },
        Spec {
            seed: 3,
            baskets: 2000,
            items: 40,
            max_size: 10,
        },
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let mut borders = (0, 0);
    for spec in &specs {
        let rows = generate(spec);
        let baskets = Baskets::from_pairs(rows.iter().map(|(b, i)| (b.as_str(), i.as_str())));
        let csv = dir.path().join(format!("baskets-{}.csv", spec.seed));
        write_csv(&csv, &rows);

        let mut configs = vec![
            Config::new(0.01, 0.0),
            Config::new(0.005, 0.3),
            Config::new(0.02, 0.5),
            Config {
                max_len: Some(2),
                ..Config::new(0.003, 0.1)
            },
            Config {
                max_len: Some(3),
                max_consequent: 2,
                ..Config::new(0.005, 0.0)
            },
            Config {
                min_lift: Some(1.0),
                ..Config::new(0.004, 0.0)
            },
            Config {
                max_consequent: 3,
                ..Config::new(0.01, 0.2)
            },
        ];
        if let Some(ms) = support_border(&baskets) {
            configs.push(Config::new(ms, 0.0));
            borders.0 += 1;
        }
        if let Some(mc) = confidence_border(&baskets, 0.005) {
            configs.push(Config::new(0.005, mc));
            borders.1 += 1;
        }

        let reference = run_reference(&py, &csv, &configs);
        assert_eq!(reference.len(), configs.len());
        for (i, (cfg, r)) in configs.iter().zip(&reference).enumerate() {
            let label = format!("seed {} config {i} ({})", spec.seed, cfg.json());
            let (n_rules, _, exact) = check(&label, &baskets, cfg, r);
            eprintln!(
                "{label}: {} baskets, {n_rules} rules agree, {exact}/{} metric values bit-identical",
                baskets.len(),
                n_rules * 7
            );
            assert!(n_rules > 0 || cfg.min_support > 0.01, "{label}: no rules at all");
            // Same operations in the same order: not merely close, identical.
            assert_eq!(exact, n_rules * 7, "{label}: some metric differs in its last bits");
        }
    }
    eprintln!("border configs: {} on support, {} on confidence", borders.0, borders.1);
    assert!(
        borders.0 + borders.1 > 0,
        "the generated data should hit at least one float border"
    );
}
