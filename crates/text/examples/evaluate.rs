//! Prints the crate's quality figures in full:
//!
//! * the default sentiment model and the default taxonomy on every ticket of a generated
//!   data set (accuracy against `truth/tickets.csv`, with per-class figures);
//! * stratified 5-fold cross-validation, training from scratch with the default
//!   parameters, on a SophonPlus review corpus (evaluation only: it has no licence).
//!
//! ```text
//! cargo run --release -p huaxiang-text --example evaluate -- /work/data/M \
//!     /work/shared/data/chinese_reviews/waimai_10k.csv
//! ```

#[path = "../tests/common/tickets.rs"]
mod tickets;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use huaxiang_text::{SentimentModel, SentimentParams, Taxonomy, cross_validate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let data = PathBuf::from(args.next().unwrap_or_else(|| "/work/data/M".to_owned()));
    let reviews = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "/work/shared/data/chinese_reviews/waimai_10k.csv".to_owned()),
    );

    if data.join("tickets.csv").exists() {
        let start = Instant::now();
        let all = tickets::read_tickets(&data, None)?;
        let read = start.elapsed().as_secs_f64();
        let model = SentimentModel::default_tickets()?;
        let taxonomy = Taxonomy::default();
        let start = Instant::now();
        let mut sent_ok = 0;
        let mut topic_ok = 0;
        // (truth, predicted) → count, for the confusion tables.
        let mut sent_conf: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut topic_conf: BTreeMap<(String, String), usize> = BTreeMap::new();
        for t in &all {
            let s = model.predict(&t.text);
            let topic = taxonomy.label(&t.text);
            sent_ok += usize::from(s == t.sentiment);
            topic_ok += usize::from(topic == t.topic);
            *sent_conf.entry((t.sentiment.clone(), s.to_owned())).or_default() += 1;
            *topic_conf.entry((t.topic.clone(), topic)).or_default() += 1;
        }
        let secs = start.elapsed().as_secs_f64();
        let n = all.len() as f64;
        println!(
            "tickets: {} from {} (read in {read:.2} s, scored in {secs:.2} s)",
            all.len(),
            data.display()
        );
        println!("  sentiment accuracy (default model):   {:.4}", sent_ok as f64 / n);
        println!("  topic accuracy (default taxonomy):    {:.4}", topic_ok as f64 / n);
        println!("  sentiment errors (truth → predicted: count):");
        for ((a, b), c) in sent_conf.iter().filter(|((a, b), _)| a != b) {
            println!("    {a} → {b}: {c}");
        }
        println!("  topic errors (truth → predicted: count):");
        for ((a, b), c) in topic_conf.iter().filter(|((a, b), _)| a != b) {
            println!("    {a} → {b}: {c}");
        }
    } else {
        println!("tickets: {} not found, skipped", data.join("tickets.csv").display());
    }

    if reviews.exists() {
        let (texts, labels) = tickets::read_reviews(&reviews)?;
        let params = SentimentParams::default();
        let start = Instant::now();
        let r = cross_validate(&texts, &labels, 5, 42, &params)?;
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{}: {} reviews, stratified 5-fold (seed 42), {params:?}",
            reviews.display(),
            texts.len()
        );
        println!(
            "  accuracy {:.4}  F1({}) {:.4}  ROC-AUC {:.4}  in {secs:.1} s",
            r.accuracy,
            r.positive_class.as_deref().unwrap_or("macro"),
            r.f1,
            r.roc_auc
        );
        for (i, f) in r.folds.iter().enumerate() {
            println!(
                "    fold {i}: n {} acc {:.4} f1 {:.4} auc {:.4}",
                f.n_test, f.accuracy, f.f1, f.roc_auc
            );
        }
    } else {
        println!("reviews: {} not found, skipped", reviews.display());
    }
    Ok(())
}
