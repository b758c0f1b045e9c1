//! The shipped ticket-sentiment model (positive / neutral / negative), embedded in the
//! binary.
//!
//! It is trained only on synthetic tickets we generate ourselves (`gen_data.py --seed 1`),
//! never on the SophonPlus review corpora, which carry no licence and serve for evaluation
//! only. `examples/train_default.rs` regenerates it; see the crate essay for the command.

use crate::error::Result;
use crate::sentiment::SentimentModel;

/// The default model as gzip-compressed JSON (`assets/sentiment_tickets.json.gz`).
pub const DEFAULT_SENTIMENT_MODEL_GZ: &[u8] = include_bytes!("../assets/sentiment_tickets.json.gz");

impl SentimentModel {
    /// Decodes the embedded ticket-sentiment model (classes `negative`, `neutral`,
    /// `positive`). It takes a few milliseconds: decode it once and keep it.
    pub fn default_tickets() -> Result<Self> {
        Self::from_bytes(DEFAULT_SENTIMENT_MODEL_GZ)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_model_loads_and_classifies() {
        let m = SentimentModel::default_tickets().expect("embedded model decodes");
        assert_eq!(m.classes(), ["negative", "neutral", "positive"]);
        assert_eq!(m.predict("申请退款十天了还没到账，非常失望。"), "negative");
        assert_eq!(m.predict("请问怎么开具电子发票？"), "neutral");
        assert_eq!(m.predict("物流很快，第二天就到了，好评！"), "positive");
        assert!(DEFAULT_SENTIMENT_MODEL_GZ.len() < 3 * 1024 * 1024);
    }
}
