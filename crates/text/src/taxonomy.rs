//! Topics from a keyword taxonomy: each topic is a list of weighted keywords, a text scores
//! the weights of the keywords it contains, and the best topic wins.
//!
//! Keywords are matched as substrings of the lower-cased text rather than as jieba tokens:
//! segmentation is not stable across contexts (收货地址 may come out as one word or two),
//! and a topic word must be found whatever jieba decides. Matching is leftmost-longest, so a
//! longer keyword (会员价, 价格) shadows a shorter one inside it (会员, 账户), and a phrase in
//! `ignore` (客服你好) consumes its characters without scoring. Latin-letter keywords must
//! stand as whole words (`return` does not match inside `returns`).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The default taxonomy (TOML), embedded from `assets/default_taxonomy.toml`.
pub const DEFAULT_TAXONOMY_TOML: &str = include_str!("../assets/default_taxonomy.toml");

/// The TOML form of a taxonomy.
#[derive(Debug, Clone, Deserialize, Serialize)]
struct TaxonomyFile {
    #[serde(default = "default_fallback")]
    fallback: String,
    #[serde(default = "default_min_score")]
    min_score: f64,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    topic: Vec<TopicFile>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct TopicFile {
    name: String,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    weights: BTreeMap<String, f64>,
}

fn default_fallback() -> String {
    "其他".to_owned()
}

fn default_min_score() -> f64 {
    1.0
}

/// One topic and its weighted keywords.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    /// The topic's name (the label returned).
    pub name: String,
    /// Keywords (lower case) with their weights.
    pub keywords: Vec<(String, f64)>,
}

/// A topic's score for one text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicScore {
    /// Topic name.
    pub topic: String,
    /// Sum of the weights of its keywords found in the text.
    pub score: f64,
}

/// The outcome of [`Taxonomy::classify`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicMatch {
    /// The best topic, or `None` when no topic reached `min_score`.
    pub topic: Option<String>,
    /// The best topic's score (0 when nothing matched).
    pub score: f64,
    /// Every topic with a positive score, best first.
    pub scores: Vec<TopicScore>,
    /// The keywords found, in text order (for explaining the decision).
    pub keywords: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Topic(usize, f64),
    Ignore,
}

#[derive(Debug, Clone)]
struct Pattern {
    text: String,
    latin: bool,
    target: Target,
}

/// A set of topics with their keywords, ready to classify texts.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    topics: Vec<Topic>,
    fallback: String,
    min_score: f64,
    ignore: Vec<String>,
    /// Patterns by first character, longest first.
    by_first: HashMap<char, Vec<Pattern>>,
}

impl Default for Taxonomy {
    /// The embedded default taxonomy (物流, 退款, 质量, 价格, 客服态度, 账户, 发票).
    fn default() -> Self {
        // The embedded file is checked by a unit test; should it ever fail to parse, an empty
        // taxonomy (everything "其他") is the safe degradation.
        Self::from_toml_str(DEFAULT_TAXONOMY_TOML)
            .unwrap_or_else(|_| Taxonomy::build(Vec::new(), default_fallback(), default_min_score(), Vec::new()))
    }
}

fn is_latin_word(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == ' ')
}

impl Taxonomy {
    /// Parses a taxonomy in the TOML format of `assets/default_taxonomy.toml`.
    pub fn from_toml_str(toml_text: &str) -> Result<Self> {
        let file: TaxonomyFile = toml::from_str(toml_text).map_err(|e| Error::Taxonomy(e.to_string()))?;
        if !(file.min_score > 0.0 && file.min_score.is_finite()) {
            return Err(Error::Taxonomy(format!(
                "min_score = {} must be a positive number",
                file.min_score
            )));
        }
        let mut topics = Vec::new();
        let mut names = std::collections::HashSet::new();
        for t in file.topic {
            let name = t.name.trim().to_owned();
            if name.is_empty() || !names.insert(name.clone()) {
                return Err(Error::Taxonomy(format!("topic name {:?} is empty or repeated", t.name)));
            }
            let mut kw: BTreeMap<String, f64> = t.keywords.iter().map(|k| (k.trim().to_lowercase(), 1.0)).collect();
            for (k, w) in t.weights {
                if !(w > 0.0 && w.is_finite()) {
                    return Err(Error::Taxonomy(format!(
                        "weight of {k:?} in {name} is {w}: it must be > 0"
                    )));
                }
                kw.insert(k.trim().to_lowercase(), w);
            }
            kw.remove("");
            if kw.is_empty() {
                return Err(Error::Taxonomy(format!("topic {name} has no keywords")));
            }
            topics.push(Topic {
                name,
                keywords: kw.into_iter().collect(),
            });
        }
        Ok(Taxonomy::build(topics, file.fallback, file.min_score, file.ignore))
    }

    /// Reads a taxonomy TOML file.
    pub fn from_path(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_toml_str(&text)
    }

    /// A taxonomy from topics built in code. Weights must be positive; others are dropped.
    pub fn from_topics(topics: Vec<Topic>, fallback: &str, min_score: f64) -> Self {
        Taxonomy::build(topics, fallback.to_owned(), min_score, Vec::new())
    }

    fn build(mut topics: Vec<Topic>, fallback: String, min_score: f64, ignore: Vec<String>) -> Self {
        let mut by_first: HashMap<char, Vec<Pattern>> = HashMap::new();
        let mut add = |text: String, target: Target| {
            if let Some(c) = text.chars().next() {
                let latin = is_latin_word(&text);
                by_first.entry(c).or_default().push(Pattern { text, latin, target });
            }
        };
        for (ti, t) in topics.iter_mut().enumerate() {
            t.keywords.retain(|(k, w)| !k.is_empty() && *w > 0.0 && w.is_finite());
            for (k, w) in &t.keywords {
                add(k.to_lowercase(), Target::Topic(ti, *w));
            }
        }
        let ignore: Vec<String> = ignore
            .into_iter()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        for s in &ignore {
            add(s.clone(), Target::Ignore);
        }
        for list in by_first.values_mut() {
            list.sort_by(|a, b| b.text.len().cmp(&a.text.len()).then_with(|| a.text.cmp(&b.text)));
        }
        Taxonomy {
            topics,
            fallback,
            min_score,
            ignore,
            by_first,
        }
    }

    /// The topics, in priority order (ties go to the earlier one).
    pub fn topics(&self) -> &[Topic] {
        &self.topics
    }

    /// The label for texts no topic matches (default "其他").
    pub fn fallback(&self) -> &str {
        &self.fallback
    }

    /// The smallest score that assigns a topic.
    pub fn min_score(&self) -> f64 {
        self.min_score
    }

    /// Scores every topic on `text` and picks the best.
    pub fn classify(&self, text: &str) -> TopicMatch {
        let lower = text.to_lowercase();
        let mut scores = vec![0.0; self.topics.len()];
        let mut found: Vec<String> = Vec::new();
        let mut i = 0;
        while i < lower.len() {
            let rest = &lower[i..];
            let Some(c) = rest.chars().next() else { break };
            let hit = self.by_first.get(&c).and_then(|list| {
                list.iter().find(|p| {
                    rest.starts_with(&p.text)
                        && (!p.latin || {
                            let before = lower[..i].chars().next_back();
                            let after = rest[p.text.len()..].chars().next();
                            !before.is_some_and(|b| b.is_ascii_alphanumeric())
                                && !after.is_some_and(|a| a.is_ascii_alphanumeric())
                        })
                })
            });
            match hit {
                Some(p) => {
                    if let Target::Topic(t, w) = p.target
                        && !found.contains(&p.text)
                    {
                        scores[t] += w;
                        found.push(p.text.clone());
                    }
                    i += p.text.len();
                }
                None => i += c.len_utf8(),
            }
        }
        let mut ranked: Vec<TopicScore> = self
            .topics
            .iter()
            .zip(&scores)
            .filter(|&(_, &s)| s > 0.0)
            .map(|(t, &s)| TopicScore {
                topic: t.name.clone(),
                score: s,
            })
            .collect();
        // Stable sort: equal scores keep taxonomy order.
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
        let best = ranked.first().filter(|s| s.score >= self.min_score);
        TopicMatch {
            topic: best.map(|s| s.topic.clone()),
            score: ranked.first().map_or(0.0, |s| s.score),
            scores: ranked.clone(),
            keywords: found,
        }
    }

    /// The topic of `text`, or the fallback label when none matches.
    pub fn label(&self, text: &str) -> String {
        self.classify(text).topic.unwrap_or_else(|| self.fallback.clone())
    }

    /// The ignore phrases (lower case).
    pub fn ignore(&self) -> &[String] {
        &self.ignore
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_parses_with_expected_topics() {
        let t = Taxonomy::from_toml_str(DEFAULT_TAXONOMY_TOML).expect("default taxonomy parses");
        let names: Vec<&str> = t.topics().iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["物流", "退款", "质量", "价格", "客服态度", "账户", "发票"]);
        assert_eq!(t.fallback(), "其他");
    }

    #[test]
    fn classifies_with_scores_longest_match_and_ignore() {
        let t = Taxonomy::default();
        assert_eq!(t.label("快递太慢了，下单一周还没到"), "物流");
        assert_eq!(t.label("客服主动帮我办理了退款，很满意"), "退款");
        assert_eq!(t.label("会员价和活动价哪个更低"), "价格");
        assert_eq!(t.label("客服你好，请问怎么开具电子发票？"), "发票");
        assert_eq!(t.label("客服你好，今天天气不错"), "其他");
        assert_eq!(t.label("The courier lost my parcel"), "物流");
        assert_eq!(t.label("returns-free"), "其他", "Latin keywords are whole words");
        let m = t.classify("送货员态度很差，衣服还被压坏了");
        assert_eq!(m.topic.as_deref(), Some("物流"));
        assert!(m.scores.len() >= 2 && m.scores[0].score > m.scores[1].score, "{m:?}");
        assert!(m.keywords.contains(&"送货员".to_owned()));
    }

    #[test]
    fn user_taxonomy_and_errors() {
        let toml_text = r#"
            fallback = "none"
            [[topic]]
            name = "Shipping"
            keywords = ["Parcel", "late"]
            [topic.weights]
            lost = 2.0
        "#;
        let t = Taxonomy::from_toml_str(toml_text).expect("parses");
        assert_eq!(t.label("parcel late"), "Shipping");
        assert_eq!(t.label("hello"), "none");
        assert!(Taxonomy::from_toml_str("[[topic]]\nname = \"x\"\n").is_err());
        assert!(Taxonomy::from_toml_str("min_score = 0\n").is_err());
        assert!(
            Taxonomy::from_toml_str(
                "[[topic]]\nname = \"x\"\nkeywords=[\"a\"]\n[[topic]]\nname = \"x\"\nkeywords=[\"b\"]\n"
            )
            .is_err()
        );
    }
}
