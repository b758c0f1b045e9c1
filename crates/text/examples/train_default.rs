//! Regenerates the shipped ticket-sentiment model, `assets/sentiment_tickets.json.gz`, from
//! tickets generated with our own generator (never from the unlicensed review corpora):
//!
//! ```text
//! python3 /work/shared/bench/gen_data.py --customers 10000 --seed 1 --out /work/data/S1
//! cargo run --release -p huaxiang-text --example train_default -- /work/data/S1
//! ```
//!
//! Arguments: the data directory (default `/work/data/S1`) and the output file (default the
//! crate's `assets/sentiment_tickets.json.gz`). Seeds 42 and 7 are the evaluation sets and
//! must not be used here.

#[path = "../tests/common/tickets.rs"]
mod tickets;

use std::path::PathBuf;
use std::time::Instant;

use huaxiang_text::{SentimentModel, SentimentParams, train};

/// The default model's parameters: character 1–3-grams (ticket phrases are longer and more
/// formulaic than reviews), kept when in at least 3 tickets, C = 4.
fn params() -> SentimentParams {
    SentimentParams {
        ngram_min: 1,
        ngram_max: 3,
        min_df: 3,
        c: 4.0,
        ..SentimentParams::default()
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let data = PathBuf::from(args.next().unwrap_or_else(|| "/work/data/S1".to_owned()));
    let out = args.next().map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("assets")
            .join("sentiment_tickets.json.gz")
    });
    let manifest = std::fs::read_to_string(data.join("manifest.json")).unwrap_or_default();
    if manifest.contains("\"seed\": 42") || manifest.contains("\"seed\": 7,") {
        return Err("seeds 42 and 7 are evaluation data; train on another seed".into());
    }
    let tickets = tickets::read_tickets(&data, None)?;
    let texts: Vec<&str> = tickets.iter().map(|t| t.text.as_str()).collect();
    let labels: Vec<&str> = tickets.iter().map(|t| t.sentiment.as_str()).collect();
    let start = Instant::now();
    let model = train(&texts, &labels, &params())?;
    let secs = start.elapsed().as_secs_f64();
    let correct = texts
        .iter()
        .zip(&labels)
        .filter(|(t, l)| model.predict(t) == **l)
        .count();
    model.save(&out)?;
    let size = std::fs::metadata(&out)?.len();
    let check = SentimentModel::load(&out)?;
    println!(
        "trained on {} tickets from {} in {secs:.2} s: {} features, {:?}, training accuracy {:.4}",
        texts.len(),
        data.display(),
        model.n_features(),
        model.fit_info(),
        correct as f64 / texts.len() as f64
    );
    println!("wrote {} ({size} bytes), classes {:?}", out.display(), check.classes());
    Ok(())
}
