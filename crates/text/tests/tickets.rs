//! The default sentiment model and the default taxonomy against the planted truth of the
//! generated tickets (`gen_data.py --seed 42`, the M data set), and topic proposals on the
//! tickets a reduced taxonomy leaves unmatched.
//!
//! Data directory: `HUAXIANG_TICKETS_DIR`, default `/work/data/M`. Skipped with a message when
//! absent. The first 20 000 tickets keep a debug run short; `examples/evaluate.rs` scores all.

mod common;

use std::path::PathBuf;

use common::tickets::{Ticket, read_tickets};
use huaxiang_text::{ProposalParams, SentimentModel, Taxonomy, Tokenizer, propose_topics};

fn tickets(limit: usize) -> Option<Vec<Ticket>> {
    let dir = std::env::var_os("HUAXIANG_TICKETS_DIR").map_or_else(|| PathBuf::from("/work/data/M"), PathBuf::from);
    if !dir.join("tickets.csv").exists() || !dir.join("truth/tickets.csv").exists() {
        eprintln!(
            "skipped: no generated tickets in {} (set HUAXIANG_TICKETS_DIR)",
            dir.display()
        );
        return None;
    }
    Some(read_tickets(&dir, Some(limit)).expect("tickets and truth are readable"))
}

#[test]
fn default_sentiment_model_on_tickets() {
    let Some(all) = tickets(20_000) else { return };
    let model = SentimentModel::default_tickets().expect("embedded model");
    let ok = all.iter().filter(|t| model.predict(&t.text) == t.sentiment).count();
    let acc = ok as f64 / all.len() as f64;
    eprintln!("sentiment accuracy on {} tickets: {acc:.4}", all.len());
    assert!(acc >= 0.95, "sentiment accuracy {acc:.4} < 0.95");
}

#[test]
fn default_taxonomy_on_tickets() {
    let Some(all) = tickets(20_000) else { return };
    let taxonomy = Taxonomy::default();
    let ok = all.iter().filter(|t| taxonomy.label(&t.text) == t.topic).count();
    let acc = ok as f64 / all.len() as f64;
    eprintln!("topic accuracy on {} tickets: {acc:.4}", all.len());
    assert!(acc >= 0.90, "topic accuracy {acc:.4} < 0.90");
}

#[test]
fn proposals_recover_a_topic_missing_from_the_taxonomy() {
    let Some(all) = tickets(3_000) else { return };
    // The default taxonomy without 发票: invoice tickets fall to "其他".
    let full = Taxonomy::default();
    let reduced = Taxonomy::from_topics(
        full.topics().iter().filter(|t| t.name != "发票").cloned().collect(),
        full.fallback(),
        full.min_score(),
    );
    let unmatched: Vec<&Ticket> = all
        .iter()
        .filter(|t| reduced.classify(&t.text).topic.is_none())
        .collect();
    assert!(!unmatched.is_empty());
    let texts: Vec<&str> = unmatched.iter().map(|t| t.text.as_str()).collect();
    let proposals = propose_topics(
        &texts,
        &Tokenizer::new(),
        &ProposalParams {
            k: 4,
            ..Default::default()
        },
    )
    .expect("valid parameters");
    for p in &proposals {
        eprintln!(
            "proposed {} ({} texts, cohesion {:.2}): {:?}",
            p.name, p.size, p.cohesion, p.examples
        );
    }
    let invoice = proposals.iter().find(|p| p.keywords.iter().any(|k| k.contains("发票")));
    let Some(invoice) = invoice else {
        panic!("no proposal about 发票: {proposals:?}")
    };
    let pure = invoice
        .members
        .iter()
        .filter(|&&i| unmatched[i].topic == "发票")
        .count();
    assert!(
        pure as f64 / invoice.size as f64 > 0.9,
        "{pure} of {} are invoices",
        invoice.size
    );
}
