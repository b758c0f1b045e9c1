//! The sentiment classifier: character n-gram TF-IDF features and a linear model, trained
//! from labelled texts, saved and loaded as JSON (optionally gzip-compressed).

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::logistic::{FitInfo, LinearModel};
use crate::params::SentimentParams;
use crate::sparse::SparseMatrix;
use crate::vectorizer::CharNgramVectorizer;

/// Version of the serialized form; bumped when it changes incompatibly.
const FORMAT_VERSION: u32 = 1;

/// A trained text classifier over string labels (two or more classes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SentimentModel {
    format_version: u32,
    classes: Vec<String>,
    params: SentimentParams,
    n_train: usize,
    fit: FitInfo,
    vectorizer: CharNgramVectorizer,
    linear: LinearModel,
}

/// The sorted distinct labels, after checking there is one label per text
/// and at least two classes (`purpose` names the caller in the message).
pub(crate) fn distinct_classes<L: AsRef<str>>(texts: usize, labels: &[L], purpose: &str) -> Result<Vec<String>> {
    if texts != labels.len() {
        return Err(Error::Data(format!(
            "{texts} texts but {} labels: there must be one label per text",
            labels.len()
        )));
    }
    let classes: Vec<String> = labels
        .iter()
        .map(|l| l.as_ref().to_owned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if classes.len() < 2 {
        return Err(Error::Data(format!(
            "{purpose} needs at least two distinct labels, got {}",
            classes.len()
        )));
    }
    Ok(classes)
}

/// Fits a classifier on `texts` with their `labels` (any strings; at least two distinct).
///
/// Classes are the distinct labels in sorted order; [`SentimentModel::predict_proba`] returns
/// probabilities in that order. `params` is validated first.
pub fn train<S: AsRef<str>, L: AsRef<str>>(
    texts: &[S],
    labels: &[L],
    params: &SentimentParams,
) -> Result<SentimentModel> {
    params.validate()?;
    let classes = distinct_classes(texts.len(), labels, "training")?;
    let y: Vec<usize> = labels
        .iter()
        .map(|l| classes.binary_search_by(|c| c.as_str().cmp(l.as_ref())).unwrap_or(0))
        .collect();
    let vectorizer = CharNgramVectorizer::fit(
        texts,
        params.ngram_min,
        params.ngram_max,
        params.min_df,
        params.sublinear_tf,
    );
    if vectorizer.n_features() == 0 {
        return Err(Error::Data(format!(
            "no character n-gram occurs in at least min_df = {} of the {} texts",
            params.min_df,
            texts.len()
        )));
    }
    let x = SparseMatrix::from_rows(texts.iter().map(|t| vectorizer.transform(t.as_ref())));
    let (linear, fit) = LinearModel::fit(
        &x,
        &y,
        vectorizer.n_features(),
        classes.len(),
        params.c,
        params.max_iter,
        params.tol,
    );
    Ok(SentimentModel {
        format_version: FORMAT_VERSION,
        classes,
        params: params.clone(),
        n_train: texts.len(),
        fit,
        vectorizer,
        linear,
    })
}

impl SentimentModel {
    /// The classes, sorted; the order of [`SentimentModel::predict_proba`].
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// The parameters the model was trained with.
    pub fn params(&self) -> &SentimentParams {
        &self.params
    }

    /// Number of training texts.
    pub fn n_train(&self) -> usize {
        self.n_train
    }

    /// Number of n-gram features.
    pub fn n_features(&self) -> usize {
        self.vectorizer.n_features()
    }

    /// How the optimiser finished.
    pub fn fit_info(&self) -> FitInfo {
        self.fit
    }

    /// The probability of each class (in [`SentimentModel::classes`] order) for `text`.
    pub fn predict_proba(&self, text: &str) -> Vec<f64> {
        let row = self.vectorizer.transform(text);
        let (cols, vals): (Vec<u32>, Vec<f64>) = row.into_iter().unzip();
        self.linear.proba(&cols, &vals)
    }

    /// The most probable class of `text` (the first in class order on a tie).
    pub fn predict(&self, text: &str) -> &str {
        let p = self.predict_proba(text);
        let best = p
            .iter()
            .enumerate()
            .fold(
                (0, f64::NEG_INFINITY),
                |(bi, bp), (i, &v)| if v > bp { (i, v) } else { (bi, bp) },
            )
            .0;
        &self.classes[best]
    }

    /// The model as JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::Model(e.to_string()))
    }

    /// A model from its JSON.
    pub fn from_json(json: &str) -> Result<Self> {
        let m: SentimentModel = serde_json::from_str(json).map_err(|e| Error::Model(e.to_string()))?;
        m.check()?;
        Ok(m)
    }

    /// The model as gzip-compressed JSON.
    pub fn to_gzip(&self) -> Result<Vec<u8>> {
        let json = self.to_json()?;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(json.as_bytes())
            .map_err(|e| Error::Model(e.to_string()))?;
        enc.finish().map_err(|e| Error::Model(e.to_string()))
    }

    /// A model from JSON bytes, gzip-compressed or not (recognised by the gzip magic).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut json = String::new();
            flate2::read::GzDecoder::new(bytes)
                .read_to_string(&mut json)
                .map_err(|e| Error::Model(format!("cannot decompress: {e}")))?;
            Self::from_json(&json)
        } else {
            let json = std::str::from_utf8(bytes).map_err(|e| Error::Model(e.to_string()))?;
            Self::from_json(json)
        }
    }

    /// Writes the model to `path`: gzip-compressed when the name ends in `.gz`, else JSON.
    pub fn save(&self, path: &Path) -> Result<()> {
        let bytes = if path.extension().is_some_and(|e| e == "gz") {
            self.to_gzip()?
        } else {
            self.to_json()?.into_bytes()
        };
        std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
    }

    /// Reads a model written by [`SentimentModel::save`].
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::from_bytes(&bytes)
    }

    /// Consistency of a deserialized model, so that prediction can index without checks.
    fn check(&self) -> Result<()> {
        if self.format_version != FORMAT_VERSION {
            return Err(Error::Model(format!(
                "format version {} is not supported (this build reads {FORMAT_VERSION})",
                self.format_version
            )));
        }
        let rows = if self.classes.len() == 2 { 1 } else { self.classes.len() };
        let ok = self.classes.len() >= 2
            && self.linear.n_classes == self.classes.len()
            && self.linear.n_features == self.vectorizer.n_features()
            && self.linear.weights.len() == rows * self.linear.n_features
            && self.linear.bias.len() == rows;
        if ok {
            Ok(())
        } else {
            Err(Error::Model("weights do not match classes and features".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (Vec<&'static str>, Vec<&'static str>) {
        let pos = [
            "很好吃，下次还来",
            "味道不错，送餐快",
            "好吃好吃",
            "服务好，很满意",
            "不错，好评",
        ];
        let neg = [
            "太难吃了",
            "送餐太慢，差评",
            "菜都凉了，难吃",
            "很失望，不会再点",
            "差评，太慢",
        ];
        let texts: Vec<&str> = pos.iter().chain(&neg).copied().collect();
        let labels = [vec!["1"; 5], vec!["0"; 5]].concat();
        (texts, labels)
    }

    #[test]
    fn trains_predicts_and_round_trips() {
        let (texts, labels) = toy();
        let params = SentimentParams {
            min_df: 1,
            ..Default::default()
        };
        let m = train(&texts, &labels, &params).expect("trains");
        assert_eq!(m.classes(), ["0", "1"]);
        assert_eq!(m.predict("好吃，满意"), "1");
        assert_eq!(m.predict("难吃，差评"), "0");
        let p = m.predict_proba("好吃");
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let back = SentimentModel::from_bytes(&m.to_gzip().expect("gz")).expect("reads");
        assert_eq!(back.predict_proba("送餐快"), m.predict_proba("送餐快"));
        let back = SentimentModel::from_json(&m.to_json().expect("json")).expect("reads");
        assert_eq!(back.predict_proba("凉了"), m.predict_proba("凉了"));
    }

    #[test]
    fn multiclass_labels() {
        let texts = ["好评好评", "很好很好", "差评差评", "很差很差", "一般般吧", "还行一般"];
        let labels = ["positive", "positive", "negative", "negative", "neutral", "neutral"];
        let m = train(
            &texts,
            &labels,
            &SentimentParams {
                min_df: 1,
                ..Default::default()
            },
        )
        .expect("trains");
        assert_eq!(m.classes(), ["negative", "neutral", "positive"]);
        assert_eq!(m.predict("好评"), "positive");
        assert_eq!(m.predict("差评"), "negative");
        assert_eq!(m.predict("一般"), "neutral");
        assert_eq!(m.predict_proba("x").len(), 3);
    }

    #[test]
    fn rejects_bad_input() {
        let p = SentimentParams::default();
        assert!(train(&["a", "b"], &["1"], &p).is_err());
        assert!(train(&["a", "b"], &["1", "1"], &p).is_err());
        assert!(
            train(&["a", "b"], &["1", "0"], &p).is_err(),
            "min_df 2 leaves no feature"
        );
        assert!(train(&["a", "b"], &["1", "0"], &SentimentParams { c: -1.0, ..p }).is_err());
        assert!(SentimentModel::from_json("{}").is_err());
        assert!(SentimentModel::from_bytes(&[0x1f, 0x8b, 0]).is_err());
    }
}
