//! Reading the generated tickets (`DATA/tickets.csv` joined with `DATA/truth/tickets.csv`),
//! shared by the integration tests and the examples (`#[path]`-included).

#![allow(dead_code)]

use std::collections::HashMap;
use std::error::Error;
use std::path::Path;

/// One ticket with its planted truth.
pub struct Ticket {
    pub text: String,
    pub sentiment: String,
    pub topic: String,
}

/// Reads up to `limit` tickets (all when `None`) of a generated data directory, in file order.
pub fn read_tickets(dir: &Path, limit: Option<usize>) -> Result<Vec<Ticket>, Box<dyn Error>> {
    let mut truth: HashMap<String, (String, String)> = HashMap::new();
    let mut r = csv::Reader::from_path(dir.join("truth").join("tickets.csv"))?;
    for rec in r.records() {
        let rec = rec?;
        let field = |i: usize| rec.get(i).unwrap_or_default().to_owned();
        truth.insert(field(0), (field(1), field(2)));
    }
    let mut r = csv::Reader::from_path(dir.join("tickets.csv"))?;
    let headers = r.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or(format!("no column {name}"))
    };
    let (id_col, text_col) = (col("ticket_id")?, col("text")?);
    let mut out = Vec::new();
    for rec in r.records() {
        if limit.is_some_and(|l| out.len() >= l) {
            break;
        }
        let rec = rec?;
        let id = rec.get(id_col).unwrap_or_default();
        let (sentiment, topic) = truth.get(id).ok_or(format!("ticket {id} has no truth row"))?.clone();
        out.push(Ticket {
            text: rec.get(text_col).unwrap_or_default().to_owned(),
            sentiment,
            topic,
        });
    }
    Ok(out)
}

/// Reads `label,review` rows of a SophonPlus review CSV, dropping empty reviews.
pub fn read_reviews(path: &Path) -> Result<(Vec<String>, Vec<String>), Box<dyn Error>> {
    let mut r = csv::Reader::from_path(path)?;
    let (mut texts, mut labels) = (Vec::new(), Vec::new());
    for rec in r.records() {
        let rec = rec?;
        let review = rec.get(1).unwrap_or_default().trim();
        if review.is_empty() {
            continue;
        }
        labels.push(rec.get(0).unwrap_or_default().trim().to_owned());
        texts.push(review.to_owned());
    }
    Ok((texts, labels))
}
