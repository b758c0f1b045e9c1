//! Measures identity resolution on a generated data set with planted truth.
//!
//! ```text
//! cargo run --release -p huaxiang-identity --example identity_eval -- /work/data/S [--threshold 0.9] [--group 0.3] [--dump FILE] [--evidence FILE] [--rebuild]
//! ```
//!
//! Reads `customers.csv` and `crm_contacts.csv`, normalises them with
//! `huaxiang_core::normalize`, resolves, and prints pairwise precision, recall
//! and F1 against `truth/identity.csv` (over all pairs of records, within and
//! across sources), plus the seconds spent in `resolve` alone and end to end
//! (reading, normalising and resolving). The truth is read only after
//! resolving, for the evaluation. `--dump FILE` writes `source,record_id,person_id,rule,score`;
//! `--evidence FILE` the pair evidence as JSON lines (record keys, levels, weights: no PII);
//! `--rebuild` resolves a second time with the first run's links as previous links and
//! reports how many person ids changed (it must be 0).

use std::collections::HashMap;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use huaxiang_core::normalize::{normalize_email, normalize_name, normalize_phone};
use huaxiang_identity::{IdentityRecord, PreviousLink, Resolution, Resolver};

type BoxError = Box<dyn Error>;

fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let mut dir: Option<PathBuf> = None;
    let mut threshold: Option<f64> = None;
    let mut group: Option<f64> = None;
    let mut dump: Option<PathBuf> = None;
    let mut evidence: Option<PathBuf> = None;
    let mut rebuild = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--threshold" => threshold = Some(args.next().ok_or("--threshold needs a value")?.parse()?),
            "--group" => group = Some(args.next().ok_or("--group needs a value")?.parse()?),
            "--dump" => dump = Some(args.next().ok_or("--dump needs a file")?.into()),
            "--evidence" => evidence = Some(args.next().ok_or("--evidence needs a file")?.into()),
            "--rebuild" => rebuild = true,
            _ => dir = Some(a.into()),
        }
    }
    let dir = dir.ok_or("usage: identity_eval DATA_DIR [--threshold P] [--group P] [--dump FILE] …")?;

    let start = Instant::now();
    let mut records = read_customers(&dir.join("customers.csv"))?;
    records.extend(read_crm(&dir.join("crm_contacts.csv"))?);
    let read_s = start.elapsed().as_secs_f64();

    let mut builder = Resolver::builder();
    if let Some(t) = threshold {
        builder = builder.match_threshold(t);
    }
    if let Some(g) = group {
        builder = builder.min_group_probability(g);
    }
    let resolver = builder.build()?;
    let t0 = Instant::now();
    let cpu0 = thread_cpu_seconds();
    let resolution = resolver.resolve(&records, &[], &[])?;
    let resolve_s = t0.elapsed().as_secs_f64();
    let resolve_cpu = thread_cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    let total_s = start.elapsed().as_secs_f64();

    let truth = read_truth(&dir.join("truth").join("identity.csv"))?;
    let q = evaluate(&resolution, &truth);
    let st = &resolution.stats;
    println!("data: {}", dir.display());
    println!(
        "records {}  persons {}  candidate pairs {}  accepted edges {} (phone {}, email {}, probabilistic {})",
        st.records,
        st.persons,
        st.candidate_pairs,
        st.accepted_edges,
        st.exact_phone_edges,
        st.exact_email_edges,
        st.probabilistic_edges
    );
    println!(
        "cuts: group evidence {}, size {}, unmerge {}; junk values {}; oversized blocks {}; prior {:.3e}; EM iterations {}",
        st.edges_cut_by_group_evidence,
        st.edges_cut_by_size,
        st.edges_cut_by_unmerge,
        st.junk_values,
        st.oversized_blocks,
        st.prior_match_probability,
        st.em_iterations
    );
    if std::env::var_os("IDENTITY_EVAL_PARAMS").is_some() {
        for f in &st.parameters {
            let levels: Vec<String> = f
                .levels
                .iter()
                .map(|l| format!("{} m={:.4} u={:.2e} w={:+.2}", l.level, l.m, l.u, l.weight))
                .collect();
            println!("  {:<10} {}", f.field, levels.join(" | "));
        }
    }
    println!(
        "pairs: predicted {}  true {}  true positive {}",
        q.predicted, q.truth, q.true_positive
    );
    println!("precision {:.4}  recall {:.4}  F1 {:.4}", q.precision, q.recall, q.f1);
    println!("seconds: resolve {resolve_s:.3}  end to end {total_s:.3}  (read + normalise {read_s:.3})");
    if let Some(cpu) = resolve_cpu {
        println!("cpu seconds of resolve: {cpu:.2} (wall time suffers when the machine is shared)");
    }
    if rebuild {
        // Rebuild with the links of this run as the previous links: no id may change.
        let previous: Vec<PreviousLink> = resolution
            .links
            .iter()
            .map(|l| PreviousLink {
                source: l.source.clone(),
                record_id: l.record_id.clone(),
                person_id: l.person_id.clone(),
            })
            .collect();
        let t = Instant::now();
        let again = resolver.resolve(&records, &previous, &[])?;
        let changed = again
            .links
            .iter()
            .zip(&resolution.links)
            .filter(|(a, b)| a.person_id != b.person_id)
            .count();
        println!(
            "rebuild with previous links: {changed} person ids changed ({:.3} s)",
            t.elapsed().as_secs_f64()
        );
    }
    if let Some(path) = dump {
        let mut w = csv::Writer::from_path(path)?;
        w.write_record(["source", "record_id", "person_id", "rule", "score"])?;
        for l in &resolution.links {
            w.write_record([&l.source, &l.record_id, &l.person_id, &l.rule, &l.score.to_string()])?;
        }
        w.flush()?;
    }
    if let Some(path) = evidence {
        let mut out = String::new();
        for e in &resolution.evidence {
            out.push_str(&serde_json::to_string(e)?);
            out.push('\n');
        }
        std::fs::write(path, out)?;
    }
    Ok(())
}

/// CPU time of the current thread (Linux; `None` elsewhere), in seconds.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn opt(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty()).then_some(t)
}

fn parse_year(s: &str) -> Option<i32> {
    opt(s).and_then(|v| v.parse().ok())
}

fn parse_time(s: &str) -> Option<i64> {
    opt(s)
        .and_then(|v| chrono::DateTime::parse_from_rfc3339(v).ok())
        .map(|t| t.timestamp())
}

struct Columns(HashMap<String, usize>);

impl Columns {
    fn new(headers: &csv::StringRecord) -> Self {
        Self(headers.iter().enumerate().map(|(i, h)| (h.to_string(), i)).collect())
    }

    fn get<'a>(&self, row: &'a csv::StringRecord, name: &str) -> &'a str {
        self.0.get(name).and_then(|&i| row.get(i)).unwrap_or("")
    }
}

fn record(source: &str, id: &str, cols: &Columns, row: &csv::StringRecord, created: &str) -> IdentityRecord {
    IdentityRecord {
        source: source.to_string(),
        record_id: id.to_string(),
        name: opt(cols.get(row, "name")).and_then(normalize_name),
        phone: opt(cols.get(row, "phone")).and_then(normalize_phone),
        email: opt(cols.get(row, "email")).and_then(normalize_email),
        city: opt(cols.get(row, "city")).map(str::to_string),
        birth_year: parse_year(cols.get(row, "birth_year")),
        gender: opt(cols.get(row, "gender")).map(str::to_string),
        created_at: parse_time(cols.get(row, created)),
    }
}

fn read_customers(path: &Path) -> Result<Vec<IdentityRecord>, BoxError> {
    read(path, "customers", "customer_id", "signup_time")
}

fn read_crm(path: &Path) -> Result<Vec<IdentityRecord>, BoxError> {
    read(path, "crm_contacts", "crm_id", "created_at")
}

fn read(path: &Path, source: &str, id_col: &str, created: &str) -> Result<Vec<IdentityRecord>, BoxError> {
    let mut rdr = csv::Reader::from_path(path)?;
    let cols = Columns::new(rdr.headers()?);
    let mut out = Vec::new();
    let mut row = csv::StringRecord::new();
    while rdr.read_record(&mut row)? {
        let id = cols.get(&row, id_col).to_string();
        out.push(record(source, &id, &cols, &row, created));
    }
    Ok(out)
}

fn read_truth(path: &Path) -> Result<HashMap<(String, String), String>, BoxError> {
    let mut rdr = csv::Reader::from_path(path)?;
    let mut out = HashMap::new();
    for row in rdr.records() {
        let row = row?;
        let get = |i: usize| row.get(i).unwrap_or("").to_string();
        out.insert((get(0), get(1)), get(2));
    }
    Ok(out)
}

struct Quality {
    predicted: u64,
    truth: u64,
    true_positive: u64,
    precision: f64,
    recall: f64,
    f1: f64,
}

/// Pairwise precision/recall/F1 of the predicted persons against the truth.
fn evaluate(r: &Resolution, truth: &HashMap<(String, String), String>) -> Quality {
    let pairs = |counts: HashMap<&str, u64>| counts.values().map(|&c| c * c.saturating_sub(1) / 2).sum::<u64>();
    let mut pred: HashMap<&str, u64> = HashMap::new();
    let mut tru: HashMap<&str, u64> = HashMap::new();
    let mut both: HashMap<(&str, &str), u64> = HashMap::new();
    for l in &r.links {
        let Some(t) = truth.get(&(l.source.clone(), l.record_id.clone())) else {
            continue;
        };
        *pred.entry(l.person_id.as_str()).or_default() += 1;
        *tru.entry(t.as_str()).or_default() += 1;
        *both.entry((l.person_id.as_str(), t.as_str())).or_default() += 1;
    }
    let predicted = pairs(pred);
    let truth_pairs = pairs(tru);
    let tp: u64 = both.values().map(|&c| c * c.saturating_sub(1) / 2).sum();
    let precision = if predicted > 0 {
        tp as f64 / predicted as f64
    } else {
        0.0
    };
    let recall = if truth_pairs > 0 {
        tp as f64 / truth_pairs as f64
    } else {
        0.0
    };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Quality {
        predicted,
        truth: truth_pairs,
        true_positive: tp,
        precision,
        recall,
        f1,
    }
}
