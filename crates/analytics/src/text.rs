//! Text analysis of the workspace's tickets (huaxiang-text on the `tickets` table).
//!
//! The build's `text` stage classifies every ticket's `text` before the as-of cutoff with
//! the workspace's sentiment model (`meta/text/sentiment.json.gz`, written by
//! `huaxiang text train`; the shipped ticket model when there is none) and the topic
//! taxonomy (`meta/text/taxonomy.toml` when present, else the default one), and writes:
//!
//! * `ticket_text(ticket_id, person_id, created_at, sentiment, sentiment_prob, negative_prob,
//!   topic, keywords)`: one row per ticket with a text;
//! * `person_text(person_id, text_tickets, negative_tickets, negative_tickets_90d,
//!   negative_ticket_text_share, top_complaint_topic)`: one row per person with a classified
//!   ticket, which `refresh_model_scores` folds into `model_scores` for the tags.
//!
//! The built-in tag `negative_sentiment` (负面情绪客户) is true for persons with at least one
//! ticket classified negative in the 90 local days ending with the as-of day.
//!
//! Which class is "negative" for a user-trained model with arbitrary labels: the first class
//! named `negative`, `neg`, `负面`, `差评`, `bad` or `0` (case-insensitive); failing that, for
//! a two-class model, the class that sorts first (huaxiang-text reports the one that sorts
//! last as positive). A model with none of these has no negative class and the negative
//! columns are NULL.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use huaxiang_core::build::BuildContext;
use huaxiang_store::Workspace;
use huaxiang_store::builder::{TableBuilder, meta};
use huaxiang_store::sql::SqlEngine;
use huaxiang_text::{Keyword, SentimentModel, Taxonomy, TextRankParams, TfIdf, Tokenizer, textrank};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::read;

/// One row per ticket: sentiment, topic and keywords.
pub const TICKET_TEXT: &str = "ticket_text";
/// One row per person with classified tickets (joined into `model_scores`).
pub const PERSON_TEXT: &str = huaxiang_models::scoring::PERSON_TEXT;
/// Directory under `meta/` of the text models and settings.
pub const META_DIR: &str = "text";
/// The workspace's current sentiment model.
pub const MODEL_FILE: &str = "sentiment.json.gz";
/// Earlier models, `sentiment-v{N}.json.gz`.
pub const HISTORY_DIR: &str = "history";
/// The list of trained model versions.
pub const VERSIONS_FILE: &str = "models.json";
/// A user taxonomy replacing the default one.
pub const TAXONOMY_FILE: &str = "taxonomy.toml";
/// Days of the `negative_sentiment` window.
pub const NEGATIVE_WINDOW_DAYS: i64 = 90;
/// Keywords kept per text.
pub const KEYWORDS_PER_TEXT: usize = 3;
/// Below this many texts keywords come from TextRank (no corpus to weigh against).
const TFIDF_MIN_DOCS: usize = 20;

/// `meta/text/`.
pub fn meta_dir(ws: &Workspace) -> PathBuf {
    ws.meta_dir().join(META_DIR)
}

/// `meta/text/sentiment.json.gz`.
pub fn model_path(ws: &Workspace) -> PathBuf {
    meta_dir(ws).join(MODEL_FILE)
}

fn text_err(e: huaxiang_text::Error) -> Error {
    Error::Invalid(format!("文本分析 / text analysis: {e}"))
}

/// Where a model came from.
#[derive(Debug, Clone, Serialize)]
pub struct ModelSource {
    /// `workspace`, `file` or `default`.
    pub kind: &'static str,
    /// The file read (None for the shipped model).
    pub path: Option<String>,
}

/// The model at `path`, or the workspace's model, or the shipped ticket model.
pub fn load_model(ws: Option<&Workspace>, path: Option<&Path>) -> Result<(SentimentModel, ModelSource)> {
    if let Some(p) = path {
        let m = SentimentModel::load(p).map_err(text_err)?;
        return Ok((
            m,
            ModelSource {
                kind: "file",
                path: Some(p.display().to_string()),
            },
        ));
    }
    if let Some(ws) = ws {
        let p = model_path(ws);
        if p.is_file() {
            let m = SentimentModel::load(&p).map_err(text_err)?;
            return Ok((
                m,
                ModelSource {
                    kind: "workspace",
                    path: Some(p.display().to_string()),
                },
            ));
        }
    }
    Ok((
        SentimentModel::default_tickets().map_err(text_err)?,
        ModelSource {
            kind: "default",
            path: None,
        },
    ))
}

/// The workspace's taxonomy (`meta/text/taxonomy.toml`) or the default one.
pub fn load_taxonomy(ws: Option<&Workspace>) -> Result<Taxonomy> {
    if let Some(ws) = ws {
        let p = meta_dir(ws).join(TAXONOMY_FILE);
        if p.is_file() {
            return Taxonomy::from_path(&p).map_err(text_err);
        }
    }
    Ok(Taxonomy::default())
}

/// One trained model version of the workspace.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelVersion {
    pub version: u32,
    pub trained_at: String,
    /// The copy under `meta/text/history/`.
    pub file: String,
    /// Details of the training (input file, rows, classes, cross-validation).
    pub info: Value,
}

/// Saves `model` as the workspace's current model and as a new version in the history.
pub fn save_model(ws: &Workspace, model: &SentimentModel, info: Value) -> Result<ModelVersion> {
    let dir = meta_dir(ws);
    let versions_path = dir.join(VERSIONS_FILE);
    let mut versions: Vec<ModelVersion> = huaxiang_store::meta::read_json(&versions_path)?.unwrap_or_default();
    let version = versions.iter().map(|v| v.version).max().unwrap_or(0) + 1;
    let bytes = model.to_gzip().map_err(text_err)?;
    let file = format!("{HISTORY_DIR}/sentiment-v{version}.json.gz");
    let io = |p: &Path, e: std::io::Error| Error::Invalid(format!("无法写入 / cannot write {}: {e}", p.display()));
    let hist = dir.join(HISTORY_DIR);
    std::fs::create_dir_all(&hist).map_err(|e| io(&hist, e))?;
    huaxiang_store::meta::write_atomic(&dir.join(&file), &bytes)?;
    huaxiang_store::meta::write_atomic(&dir.join(MODEL_FILE), &bytes)?;
    let v = ModelVersion {
        version,
        trained_at: chrono::Utc::now().to_rfc3339(),
        file,
        info,
    };
    versions.push(v.clone());
    huaxiang_store::meta::write_json(&versions_path, &versions)?;
    Ok(v)
}

/// The index of the negative class (see the module documentation).
pub fn negative_class(classes: &[String]) -> Option<usize> {
    const NAMES: [&str; 6] = ["negative", "neg", "负面", "差评", "bad", "0"];
    classes
        .iter()
        .position(|c| NAMES.iter().any(|n| c.trim().eq_ignore_ascii_case(n)))
        .or_else(|| (classes.len() == 2).then_some(0))
}

/// What one text was classified as.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classified {
    /// The most probable sentiment class.
    pub sentiment: String,
    /// Its probability.
    pub probability: f64,
    /// Probability of the negative class, when the model has one.
    pub negative_probability: Option<f64>,
    /// Probabilities of every class, in the model's class order.
    pub probabilities: Vec<f64>,
    /// The taxonomy topic (the fallback, 其他, when nothing matched).
    pub topic: String,
    /// Top keywords, best first.
    pub keywords: Vec<String>,
}

/// A sentiment model, a taxonomy and a tokenizer: everything to classify texts.
pub struct Analyzer {
    pub model: SentimentModel,
    pub taxonomy: Taxonomy,
    tokenizer: Tokenizer,
    negative: Option<usize>,
}

impl Analyzer {
    pub fn new(model: SentimentModel, taxonomy: Taxonomy) -> Analyzer {
        let negative = negative_class(model.classes());
        Analyzer {
            model,
            taxonomy,
            tokenizer: Tokenizer::new(),
            negative,
        }
    }

    /// The negative class's name, if the model has one.
    pub fn negative_label(&self) -> Option<&str> {
        self.negative.map(|i| self.model.classes()[i].as_str())
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    fn one(&self, text: &str) -> (Classified, Vec<String>) {
        let p = self.model.predict_proba(text);
        let best = p
            .iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |b, (k, &v)| if v > b.1 { (k, v) } else { b })
            .0;
        let tokens: Vec<String> = self
            .tokenizer
            .tokenize(text)
            .into_iter()
            .filter(|w| w.chars().count() >= 2)
            .collect();
        (
            Classified {
                sentiment: self.model.classes().get(best).cloned().unwrap_or_default(),
                probability: p.get(best).copied().unwrap_or(f64::NAN),
                negative_probability: self.negative.and_then(|i| p.get(i).copied()),
                probabilities: p,
                topic: self.taxonomy.label(text),
                keywords: Vec::new(),
            },
            tokens,
        )
    }

    /// Classifies `texts` on the available cores; keywords by TF-IDF over these texts (or
    /// TextRank per text when there are fewer than 20).
    pub fn classify_all<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Classified> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).max(1);
        let chunk = texts.len().div_ceil(threads).max(1);
        let mut parts: Vec<Vec<(Classified, Vec<String>)>> = Vec::new();
        std::thread::scope(|s| {
            let handles: Vec<_> = texts
                .chunks(chunk)
                .map(|c| s.spawn(move || c.iter().map(|t| self.one(t.as_ref())).collect::<Vec<_>>()))
                .collect();
            for h in handles {
                // A worker that panicked leaves its part empty; the length check below
                // then classifies everything again on this thread.
                parts.push(h.join().unwrap_or_default());
            }
        });
        let mut out: Vec<(Classified, Vec<String>)> = parts.into_iter().flatten().collect();
        if out.len() != texts.len() {
            out = texts.iter().map(|t| self.one(t.as_ref())).collect();
        }
        let (mut classified, tokens): (Vec<Classified>, Vec<Vec<String>>) = out.into_iter().unzip();
        let words = |k: Vec<Keyword>| k.into_iter().map(|k| k.term).collect::<Vec<_>>();
        if texts.len() >= TFIDF_MIN_DOCS {
            let tfidf = TfIdf::fit(&tokens);
            for (c, t) in classified.iter_mut().zip(&tokens) {
                c.keywords = words(tfidf.top_k(t, KEYWORDS_PER_TEXT));
            }
        } else {
            let params = TextRankParams::default();
            for (c, t) in classified.iter_mut().zip(&tokens) {
                c.keywords = textrank(t, KEYWORDS_PER_TEXT, &params).map(words).unwrap_or_default();
            }
        }
        classified
    }
}

/// Tables whose change re-runs the stage.
const READS: [&str; 3] = ["tickets", "identity_links", "customers"];

fn hash_file(h: &mut Sha256, p: &Path) {
    match std::fs::read(p) {
        Ok(b) => h.update(&b),
        Err(_) => h.update(b"-"),
    }
    h.update(b";");
}

/// A fingerprint of the stage's inputs: the tickets and person mapping, the model, the
/// taxonomy and the as-of day.
pub async fn fingerprint(ws: &Workspace, ctx: &BuildContext) -> Result<String> {
    let mut h = Sha256::new();
    for t in READS {
        h.update(format!("{t}@{:?};", ws.tables().version(t).await?));
    }
    let model = model_path(ws);
    if model.is_file() {
        hash_file(&mut h, &model);
    } else {
        h.update(huaxiang_text::DEFAULT_SENTIMENT_MODEL_GZ);
    }
    hash_file(&mut h, &meta_dir(ws).join(TAXONOMY_FILE));
    h.update(ctx.as_of.to_string());
    Ok(format!("{:x}", h.finalize()))
}

/// The tickets with a text before the cutoff: `(ticket_id, person_id, created_at µs, text)`.
pub async fn read_tickets(
    ws: &Workspace,
    engine: &SqlEngine,
    cutoff_micros: Option<i64>,
) -> Result<Vec<(String, Option<String>, Option<i64>, String)>> {
    let has_links = ws.tables().exists("identity_links");
    let (with, joins, person) = if has_links {
        let (ctes, joins, person) = read::record_person("t");
        (format!("WITH {ctes} "), joins, person)
    } else {
        (String::new(), String::new(), "CAST(NULL AS VARCHAR)".to_string())
    };
    let filter = cutoff_micros
        .map(|c| format!(" AND t.created_at < {}", huaxiang_core::build::micros_sql(c)))
        .unwrap_or_default();
    let sql = format!(
        "{with}SELECT CAST(t.ticket_id AS VARCHAR) AS ticket_id, CAST({person} AS VARCHAR) AS person_id, \
         t.created_at AS created_at, CAST(t.text AS VARCHAR) AS text FROM tickets t {joins} \
         WHERE t.text IS NOT NULL AND trim(CAST(t.text AS VARCHAR)) <> ''{filter} ORDER BY 1"
    );
    let b = read::query(engine, &sql).await?;
    let ids = read::texts(&b, "ticket_id")?;
    let persons = read::texts(&b, "person_id")?;
    let times = read::micros(&b, "created_at")?;
    let texts = read::texts(&b, "text")?;
    Ok(ids
        .into_iter()
        .zip(persons)
        .zip(times)
        .zip(texts)
        .filter_map(|(((id, p), t), x)| Some((id?, p, t, x?)))
        .collect())
}

/// Per-person text features.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonText {
    pub text_tickets: i64,
    pub negative_tickets: i64,
    pub negative_tickets_90d: i64,
    /// Negative tickets' topics with their counts.
    pub negative_topics: BTreeMap<String, i64>,
}

impl PersonText {
    /// Share of the person's classified tickets that are negative.
    pub fn negative_share(&self) -> f64 {
        if self.text_tickets == 0 {
            0.0
        } else {
            self.negative_tickets as f64 / self.text_tickets as f64
        }
    }

    /// The most frequent topic of the negative tickets, a taxonomy topic before the
    /// fallback, ties broken by name.
    pub fn top_complaint_topic(&self, fallback: &str) -> Option<&str> {
        self.negative_topics
            .iter()
            .max_by(|a, b| {
                (a.0 != fallback, a.1)
                    .cmp(&(b.0 != fallback, b.1))
                    .then_with(|| b.0.cmp(a.0))
            })
            .map(|(t, _)| t.as_str())
    }
}

/// Folds classified tickets into per-person features; `window_start` is the first instant
/// of the 90-day window.
pub fn person_features<'a>(
    rows: impl IntoIterator<Item = (Option<&'a str>, Option<i64>, bool, &'a str)>,
    window_start: i64,
) -> BTreeMap<String, PersonText> {
    let mut out: BTreeMap<String, PersonText> = BTreeMap::new();
    for (person, at, negative, topic) in rows {
        let Some(person) = person else { continue };
        let p = out.entry(person.to_string()).or_default();
        p.text_tickets += 1;
        if negative {
            p.negative_tickets += 1;
            if at.is_some_and(|t| t >= window_start) {
                p.negative_tickets_90d += 1;
            }
            *p.negative_topics.entry(topic.to_string()).or_default() += 1;
        }
    }
    out
}

/// The build's `text` stage.
pub async fn run(ws: &Workspace, ctx: &BuildContext) -> Result<Value> {
    let t = ws.tables();
    if !t.exists("tickets") {
        return Ok(json!({"skipped": "no tickets / 尚无工单数据"}));
    }
    if !t.exists("identity_links") {
        return Ok(json!({"skipped": "no persons yet / 尚无身份识别结果"}));
    }
    let started = std::time::Instant::now();
    let engine = SqlEngine::new(ws, false).await?;
    let tickets = read_tickets(ws, &engine, Some(ctx.cutoff_micros())).await?;
    let (model, source) = load_model(Some(ws), None)?;
    let taxonomy = load_taxonomy(Some(ws))?;
    let analyzer = Analyzer::new(model, taxonomy);
    let texts: Vec<&str> = tickets.iter().map(|r| r.3.as_str()).collect();
    let classified = analyzer.classify_all(&texts);
    let negative = analyzer.negative_label().map(str::to_string);
    let is_negative = |c: &Classified| negative.as_deref() == Some(c.sentiment.as_str());
    TableBuilder::new()
        .text("ticket_id", tickets.iter().map(|r| Some(r.0.as_str())))
        .text("person_id", tickets.iter().map(|r| r.1.as_deref()))
        .timestamp_ms("created_at", tickets.iter().map(|r| r.2.map(|m| m.div_euclid(1000))))
        .text("sentiment", classified.iter().map(|c| Some(c.sentiment.as_str())))
        .float("sentiment_prob", classified.iter().map(|c| c.probability))
        .float(
            "negative_prob",
            classified.iter().map(|c| c.negative_probability.unwrap_or(f64::NAN)),
        )
        .text("topic", classified.iter().map(|c| Some(c.topic.as_str())))
        .text("keywords", classified.iter().map(|c| Some(c.keywords.join(","))))
        .overwrite(
            ws,
            TICKET_TEXT,
            meta([("as_of", ctx.as_of.to_string().into()), ("model", json!(source))]),
        )
        .await?;
    let window_start = ctx.window_start_micros(NEGATIVE_WINDOW_DAYS);
    let persons = person_features(
        tickets
            .iter()
            .zip(&classified)
            .map(|(r, c)| (r.1.as_deref(), r.2, is_negative(c), c.topic.as_str())),
        window_start,
    );
    let fallback = analyzer.taxonomy.fallback().to_string();
    let rows: Vec<(&String, &PersonText)> = persons.iter().collect();
    TableBuilder::new()
        .text("person_id", rows.iter().map(|(p, _)| Some(p.as_str())))
        .int("text_tickets", rows.iter().map(|(_, v)| v.text_tickets))
        .int("negative_tickets", rows.iter().map(|(_, v)| v.negative_tickets))
        .int("negative_tickets_90d", rows.iter().map(|(_, v)| v.negative_tickets_90d))
        .float(
            "negative_ticket_text_share",
            rows.iter().map(|(_, v)| {
                if negative.is_some() {
                    v.negative_share()
                } else {
                    f64::NAN
                }
            }),
        )
        .text(
            "top_complaint_topic",
            rows.iter().map(|(_, v)| v.top_complaint_topic(&fallback)),
        )
        .overwrite(
            ws,
            PERSON_TEXT,
            meta([
                ("as_of", ctx.as_of.to_string().into()),
                ("window_days", NEGATIVE_WINDOW_DAYS.into()),
            ]),
        )
        .await?;
    let mut sentiments: BTreeMap<&str, i64> = BTreeMap::new();
    let mut topics: BTreeMap<&str, i64> = BTreeMap::new();
    for c in &classified {
        *sentiments.entry(c.sentiment.as_str()).or_default() += 1;
        *topics.entry(c.topic.as_str()).or_default() += 1;
    }
    let tags = if t.exists("features") {
        huaxiang_models::scoring::refresh_model_scores(ws).await?
    } else {
        Vec::new()
    };
    Ok(json!({
        "tickets": tickets.len(),
        "persons": persons.len(),
        "model": source,
        "sentiments": sentiments,
        "topics": topics,
        "seconds": started.elapsed().as_secs_f64(),
        "tags_added": tags,
    }))
}

/// `(topic, sentiment, tickets)` of the build's `ticket_text`, most frequent first.
pub async fn topic_counts(ws: &Workspace) -> Result<Vec<(String, String, i64)>> {
    read::require(ws, TICKET_TEXT, "先运行 huaxiang build / run `huaxiang build` first")?;
    let engine = SqlEngine::new(ws, false).await?;
    let b = read::query(
        &engine,
        "SELECT topic, sentiment, count(*) AS n FROM ticket_text GROUP BY topic, sentiment \
         ORDER BY n DESC, topic, sentiment",
    )
    .await?;
    let topics = read::texts(&b, "topic")?;
    let sentiments = read::texts(&b, "sentiment")?;
    let n = read::ints(&b, "n")?;
    Ok(topics
        .into_iter()
        .zip(sentiments)
        .zip(n)
        .map(|((t, s), n)| (t.unwrap_or_default(), s.unwrap_or_default(), n.unwrap_or(0)))
        .collect())
}

/// Counts of each value, most frequent first.
pub fn counts<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<(String, usize)> {
    let mut m: HashMap<&str, usize> = HashMap::new();
    for v in values {
        *m.entry(v).or_default() += 1;
    }
    let mut v: Vec<(String, usize)> = m.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_class_by_name_then_first_of_two() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(negative_class(&s(&["negative", "neutral", "positive"])), Some(0));
        assert_eq!(negative_class(&s(&["0", "1"])), Some(0));
        assert_eq!(negative_class(&s(&["good", "NEG"])), Some(1));
        assert_eq!(negative_class(&s(&["ham", "spam"])), Some(0));
        assert_eq!(negative_class(&s(&["a", "b", "c"])), None);
    }

    #[test]
    fn person_features_count_share_window_and_top_topic() {
        let rows = vec![
            (Some("P1"), Some(100), true, "物流"),
            (Some("P1"), Some(5), true, "其他"),
            (Some("P1"), Some(200), false, "退款"),
            (Some("P1"), Some(300), true, "物流"),
            (Some("P2"), Some(300), false, "退款"),
            (Some("P3"), Some(1), true, "其他"),
            (None, Some(300), true, "物流"),
        ];
        let f = person_features(rows, 50);
        assert_eq!(f.len(), 3);
        let p1 = &f["P1"];
        assert_eq!(
            (p1.text_tickets, p1.negative_tickets, p1.negative_tickets_90d),
            (4, 3, 2)
        );
        assert!((p1.negative_share() - 0.75).abs() < 1e-12);
        assert_eq!(p1.top_complaint_topic("其他"), Some("物流"));
        assert_eq!(f["P2"].top_complaint_topic("其他"), None);
        assert_eq!(f["P2"].negative_share(), 0.0);
        // Only the fallback: it is the answer.
        assert_eq!(f["P3"].top_complaint_topic("其他"), Some("其他"));
        assert_eq!(f["P3"].negative_tickets_90d, 0);
    }

    #[test]
    fn analyzer_classifies_with_the_shipped_model() {
        let (m, src) = load_model(None, None).expect("default model");
        assert_eq!(src.kind, "default");
        let a = Analyzer::new(m, Taxonomy::default());
        assert_eq!(a.negative_label(), Some("negative"));
        let out = a.classify_all(&["申请退款十天了还没到账，非常失望。", "今天天气不错"]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].sentiment, "negative");
        assert_eq!(out[0].topic, "退款");
        assert!(out[0].negative_probability.is_some_and(|p| p > 0.5));
        assert!(!out[0].keywords.is_empty());
        assert_eq!(out[1].topic, "其他");
        let sum: f64 = out[0].probabilities.iter().sum();
        assert!((sum - 1.0).abs() < 1e-9);
    }

    #[test]
    fn counts_sort_by_frequency_then_name() {
        let c = counts(["b", "a", "b", "c", "a", "b"]);
        assert_eq!(c[0], ("b".to_string(), 3));
        assert_eq!(c[1], ("a".to_string(), 2));
    }
}
