//! `huaxiang model`: train, list, show and score propensity models.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use huaxiang_models::predict::{self, Target};
use huaxiang_models::registry::{Registry, TrainingSource, load_model};
use huaxiang_predict::{ModelChoice, TrainOptions, TrainOutcome};
use huaxiang_store::Workspace;
use serde_json::{Value, json};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Train a model (churn, repurchase, conversion, or a label file) / 训练模型
    Train(TrainArgs),
    /// List the registered models / 模型列表
    List(ListArgs),
    /// Show one model: metrics, calibration, importance / 查看模型
    Show(ShowArgs),
    /// Score the persons with every registered model / 重新评分
    Score(ListArgs),
}

#[derive(clap::Args, Debug)]
struct TrainArgs {
    /// churn, repurchase or conversion (omit with --label-file) / 预测目标
    target: Option<String>,
    /// Days the label looks ahead / 预测窗口（天）
    #[arg(long, default_value_t = 180)]
    horizon: i64,
    /// gbdt, logistic, or best (cross-validate both, keep the better) / 算法
    #[arg(long, default_value = "best")]
    algo: String,
    /// A CSV file with an id column and a binary label column / 标签文件
    #[arg(long, requires_all = ["id_col", "label_col"])]
    label_file: Option<PathBuf>,
    /// The label file's id column / 标签文件的 ID 列
    #[arg(long)]
    id_col: Option<String>,
    /// The label file's label column / 标签文件的标签列
    #[arg(long)]
    label_col: Option<String>,
    /// Cross-validation folds (0 = none) / 交叉验证折数
    #[arg(long, default_value_t = 5)]
    cv: usize,
    /// Feature columns, comma-separated (default: all) / 特征列
    #[arg(long, value_delimiter = ',')]
    features: Vec<String>,
    /// Model name (default: the target or the label column) / 模型名
    #[arg(long)]
    name: Option<String>,
    /// Last day of the label window (default: the day the current features describe) / 截止日
    #[arg(long)]
    as_of: Option<chrono::NaiveDate>,
    /// Evaluate on a stratified held-out share (e.g. 0.2) instead of cross-validation;
    /// the model is not registered / 留出法评估（不注册模型）
    #[arg(long)]
    holdout: Option<f64>,
    /// Random seed of folds and trees / 随机种子
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Print one JSON object / 输出 JSON
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
struct ListArgs {
    /// Print JSON / 输出 JSON
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
struct ShowArgs {
    /// Model name / 模型名
    name: String,
    /// Version (default: the newest) / 版本
    #[arg(long)]
    version: Option<u32>,
    /// Print JSON / 输出 JSON
    #[arg(long)]
    json: bool,
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    match a.command {
        Command::Train(t) => train(ws, t).await,
        Command::List(l) => list(ws, l),
        Command::Show(s) => show(ws, s),
        Command::Score(l) => score(ws, l).await,
    }
}

fn options(t: &TrainArgs) -> anyhow::Result<TrainOptions> {
    let model = match t.algo.to_ascii_lowercase().as_str() {
        "gbdt" => ModelChoice::Gbdt,
        "logistic" => ModelChoice::Logistic,
        "best" => ModelChoice::Best,
        other => anyhow::bail!("未知算法 / unknown --algo `{other}`: use gbdt, logistic or best"),
    };
    let mut o = TrainOptions {
        model,
        cv_folds: t.cv,
        seed: t.seed,
        ..TrainOptions::default()
    };
    o.gbdt.seed = t.seed;
    Ok(o)
}

async fn train(ws_dir: &Path, t: TrainArgs) -> anyhow::Result<()> {
    let opts = options(&t)?;
    let features: Option<Vec<String>> = (!t.features.is_empty()).then(|| t.features.clone());
    let (data, name, target, source, about) = if let Some(file) = &t.label_file {
        if t.target.is_some() {
            anyhow::bail!("给出 --label-file 时不要再给目标 / give either a target or --label-file, not both");
        }
        let (id_col, label_col) = (
            t.id_col.clone().unwrap_or_default(),
            t.label_col.clone().unwrap_or_default(),
        );
        // A label file needs no workspace: without one, its own columns are the features.
        let ws = Workspace::open(ws_dir).ok();
        let (data, used) = predict::label_file_set(ws.as_ref(), file, &id_col, &label_col, features.as_deref())
            .await
            .with_context(|| format!("label file {}", file.display()))?;
        let source = if used.self_contained {
            TrainingSource::LabelFile {
                file: used.file.clone(),
                id_col: id_col.clone(),
                label_col: label_col.clone(),
            }
        } else {
            TrainingSource::LabelJoined {
                file: used.file.clone(),
                id_col: id_col.clone(),
                label_col: label_col.clone(),
            }
        };
        let name = t.name.clone().unwrap_or_else(|| predict::name_from_label(&label_col));
        (
            data,
            name,
            format!("label:{label_col}"),
            source,
            serde_json::to_value(&used)?,
        )
    } else {
        let Some(target) = &t.target else {
            anyhow::bail!("需要目标或 --label-file / give a target (churn, repurchase, conversion) or --label-file");
        };
        let target: Target = target.parse()?;
        let ws = Workspace::open(ws_dir)?;
        let set = predict::training_set(&ws, target, t.horizon, t.as_of, features.as_deref()).await?;
        let source = TrainingSource::Workspace {
            features_as_of: set.features_as_of.to_string(),
            label_end: set.label_end.to_string(),
            horizon_days: set.horizon_days,
        };
        let about = json!({
            "features_as_of": set.features_as_of.to_string(),
            "label_end": set.label_end.to_string(),
            "horizon_days": set.horizon_days,
            "rows": set.data.n_rows(),
            "excluded_persons": set.excluded,
        });
        let name = t.name.clone().unwrap_or_else(|| target.as_str().to_string());
        (set.data, name, target.as_str().to_string(), source, about)
    };
    if let Some(fraction) = t.holdout {
        return holdout(&t, &data, &name, &target, opts, fraction, about);
    }
    let ws = Workspace::open(ws_dir).ok();
    let started = std::time::Instant::now();
    let (outcome, entry) =
        predict::train_and_register(ws.as_ref(), &name, &target, source.clone(), &data, &opts).await?;
    let train_seconds = started.elapsed().as_secs_f64();
    let mut scored = Value::Null;
    if let (Some(ws), Some(e)) = (&ws, &entry)
        && e.scores_workspace()
    {
        let frame = huaxiang_models::cluster::read_features(ws).await?;
        scored = serde_json::to_value(huaxiang_models::scoring::score_all(ws, &frame).await?)?;
        huaxiang_models::scoring::refresh_model_scores(ws).await?;
    }
    let report = report_json(
        &name,
        &target,
        &outcome,
        entry.as_ref().map(|e| e.version),
        about,
        train_seconds,
        scored,
    );
    if t.json {
        return crate::output::emit(&format!("{}\n", serde_json::to_string_pretty(&report)?));
    }
    crate::output::emit(&render_train(&report, &outcome))
}

/// Trains on a stratified share of the rows and evaluates on the rest, as a
/// notebook's `train_test_split` does; prints the held-out metrics.
fn holdout(
    t: &TrainArgs,
    data: &huaxiang_ml::Dataset,
    name: &str,
    target: &str,
    mut opts: TrainOptions,
    fraction: f64,
    about: Value,
) -> anyhow::Result<()> {
    use huaxiang_ml::Predict as _;
    opts.cv_folds = 0;
    if opts.model == ModelChoice::Best {
        opts.model = ModelChoice::Gbdt;
    }
    let y = data.require_labels("holdout")?;
    let split = huaxiang_ml::stratified_split(y, fraction, t.seed)?;
    let train_rows = data.select_rows(&split.train)?;
    let test_rows = data.select_rows(&split.test)?;
    let started = std::time::Instant::now();
    let outcome = huaxiang_predict::train(&train_rows, &opts)?;
    let scores = outcome.model.predict(&test_rows)?;
    let seconds = started.elapsed().as_secs_f64();
    let y_test = test_rows.require_labels("holdout")?;
    let m = huaxiang_ml::BinaryMetrics::compute(y_test, &scores, huaxiang_ml::ThresholdRule::Fixed(0.5))?;
    let report = json!({
        "model": name,
        "target": target,
        "algo": outcome.model.kind.name(),
        "evaluation": format!("stratified holdout {fraction} (seed {}); not registered", t.seed),
        "train_rows": train_rows.n_rows(),
        "test_rows": test_rows.n_rows(),
        "roc_auc": m.roc_auc,
        "pr_auc": m.pr_auc,
        "log_loss": m.log_loss,
        "accuracy": m.at_threshold.accuracy,
        "f1": m.at_threshold.f1,
        "top_decile_lift": m.top_decile_lift,
        "checks": {"leakage_excluded": outcome.checks.leaked, "features": outcome.checks.kept.len()},
        "importance": outcome.model.importance.iter().take(10).collect::<Vec<_>>(),
        "data": about,
        "train_seconds": seconds,
    });
    if t.json {
        return crate::output::emit(&format!("{}\n", serde_json::to_string_pretty(&report)?));
    }
    crate::output::emit(&format!(
        "留出评估 / holdout ({} train, {} test rows, {}): ROC-AUC {:.4}  PR-AUC {:.4}  accuracy {:.4}  F1 {:.4} · {:.2} s\n",
        train_rows.n_rows(),
        test_rows.n_rows(),
        outcome.model.kind.name(),
        m.roc_auc,
        m.pr_auc,
        m.at_threshold.accuracy,
        m.at_threshold.f1,
        seconds
    ))
}

fn report_json(
    name: &str,
    target: &str,
    out: &TrainOutcome,
    version: Option<u32>,
    data: Value,
    seconds: f64,
    scored: Value,
) -> Value {
    let m = &out.model;
    let eval = m.evaluation.as_ref();
    let chosen = eval.and_then(|e| match m.kind {
        huaxiang_predict::ModelKind::Gbdt => e.gbdt.as_ref(),
        huaxiang_predict::ModelKind::Logistic => e.logistic.as_ref(),
    });
    json!({
        "model": name,
        "version": version,
        "target": target,
        "algo": m.kind.name(),
        "cv_folds": chosen.map(|c| c.folds),
        "roc_auc": chosen.map(|c| c.mean.roc_auc),
        "pr_auc": chosen.map(|c| c.mean.pr_auc),
        "log_loss": chosen.map(|c| c.mean.log_loss),
        "accuracy": chosen.map(|c| c.mean.accuracy),
        "f1": chosen.map(|c| c.mean.f1),
        "top_decile_lift": chosen.map(|c| c.pooled.top_decile_lift),
        "calibration": chosen.map(|c| &c.pooled.calibration),
        "threshold": m.threshold,
        "grade": eval.and_then(|e| e.grade.as_ref()),
        "gbdt": eval.and_then(|e| e.gbdt.as_ref()).map(|c| &c.mean),
        "logistic": eval.and_then(|e| e.logistic.as_ref()).map(|c| &c.mean),
        "checks": {
            "positives": out.checks.positives,
            "negatives": out.checks.negatives,
            "leakage_excluded": out.checks.leaked,
            "features": out.checks.kept.len(),
        },
        "importance": m.importance.iter().take(10).collect::<Vec<_>>(),
        "data": data,
        "data_hash": m.training.data_hash,
        "train_seconds": seconds,
        "scored": scored,
    })
}

fn num(v: &Value) -> String {
    v.as_f64().map_or("-".into(), |x| format!("{x:.4}"))
}

fn render_train(r: &Value, out: &TrainOutcome) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "模型 / model `{}` v{} · 目标 / target {} · 算法 / algorithm {}",
        r["model"].as_str().unwrap_or("-"),
        r["version"].as_u64().map_or("-".into(), |v| v.to_string()),
        r["target"].as_str().unwrap_or("-"),
        r["algo"].as_str().unwrap_or("-"),
    );
    for m in out.checks.messages() {
        let _ = writeln!(t, "  检查 / check: {m}");
    }
    let _ = writeln!(
        t,
        "交叉验证 / cross-validated ({} folds): ROC-AUC {}  PR-AUC {}  log-loss {}  accuracy {}  F1 {}  top-decile lift {}",
        r["cv_folds"].as_u64().map_or("-".into(), |v| v.to_string()),
        num(&r["roc_auc"]),
        num(&r["pr_auc"]),
        num(&r["log_loss"]),
        num(&r["accuracy"]),
        num(&r["f1"]),
        num(&r["top_decile_lift"]),
    );
    if let Some(g) = r["grade"]["message"].as_str() {
        let _ = writeln!(t, "对比基线 / against the baseline: {g}");
    }
    if let Some(bins) = r["calibration"].as_array() {
        let _ = writeln!(t, "校准 / calibration (deciles, out-of-fold): predicted → observed");
        for b in bins {
            let _ = writeln!(
                t,
                "  {:>6.3} → {:>6.3}  ({} rows)",
                b["mean_predicted"].as_f64().unwrap_or(f64::NAN),
                b["observed_rate"].as_f64().unwrap_or(f64::NAN),
                b["rows"]
            );
        }
    }
    let _ = writeln!(t, "重要特征 / importance:");
    for f in out.model.importance.iter().take(8) {
        let _ = writeln!(t, "  {:<32} {:.4}", f.feature, f.mean_abs_contribution);
    }
    if let Some(s) = r["scored"].as_array() {
        for x in s {
            let _ = writeln!(
                t,
                "评分 / scored: {} v{} · {} 人 / persons",
                x["model"].as_str().unwrap_or("-"),
                x["version"],
                x["persons"]
            );
        }
        let _ = writeln!(t, "表 / tables: models, predictions, model_scores");
    }
    t
}

fn list(ws: &Path, a: ListArgs) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let reg = Registry::load(&ws)?;
    if a.json {
        return crate::output::emit(&format!("{}\n", serde_json::to_string_pretty(&reg.models)?));
    }
    let mut t = String::new();
    writeln!(
        t,
        "{:<16} {:>3}  {:<14} {:<9} {:>8} {:>8} {:>8}  trained_at",
        "name", "v", "target", "algo", "rows", "ROC-AUC", "PR-AUC"
    )?;
    for e in &reg.models {
        writeln!(
            t,
            "{:<16} {:>3}  {:<14} {:<9} {:>8} {:>8} {:>8}  {}",
            e.name,
            e.version,
            e.target,
            e.algo,
            e.rows,
            e.roc_auc.map_or("-".into(), |v| format!("{v:.4}")),
            e.pr_auc.map_or("-".into(), |v| format!("{v:.4}")),
            e.trained_at
        )?;
    }
    if reg.models.is_empty() {
        writeln!(t, "（暂无模型 / no models yet: huaxiang model train churn）")?;
    }
    crate::output::emit(&t)
}

fn show(ws: &Path, a: ShowArgs) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let reg = Registry::load(&ws)?;
    let entry = reg.find(&a.name, a.version)?;
    let model = load_model(&ws, entry)?;
    let v = predict::summary_json(entry, &model);
    if a.json {
        return crate::output::emit(&format!("{}\n", serde_json::to_string_pretty(&v)?));
    }
    let mut t = String::new();
    writeln!(
        t,
        "模型 / model `{}` v{} · {} · {} · trained {}",
        entry.name, entry.version, entry.target, entry.algo, entry.trained_at
    )?;
    writeln!(t, "训练数据 / training data: {:?}", entry.source)?;
    writeln!(
        t,
        "  {} rows, {} positive · hash {}",
        entry.rows, entry.positives, entry.data_hash
    )?;
    writeln!(
        t,
        "指标 / metrics (CV): ROC-AUC {}  PR-AUC {}  log-loss {}  accuracy {}  F1 {}  lift {}",
        opt(entry.roc_auc),
        opt(entry.pr_auc),
        opt(entry.log_loss),
        opt(entry.accuracy),
        opt(entry.f1),
        opt(entry.top_decile_lift)
    )?;
    if let Some(g) = &entry.grade {
        writeln!(t, "对比基线 / against the baseline: {g}")?;
    }
    writeln!(
        t,
        "阈值 / threshold: {:.4} ({:?})",
        model.threshold.value, model.threshold.rule
    )?;
    for l in &model.training.excluded {
        writeln!(t, "泄漏排除 / excluded as leakage: {}", l.message)?;
    }
    writeln!(t, "重要特征 / importance:")?;
    for f in model.importance.iter().take(10) {
        writeln!(t, "  {:<32} {:.4}", f.feature, f.mean_abs_contribution)?;
    }
    crate::output::emit(&t)
}

fn opt(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{x:.4}"))
}

async fn score(ws: &Path, a: ListArgs) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let frame = huaxiang_models::cluster::read_features(&ws).await?;
    let scored = huaxiang_models::scoring::score_all(&ws, &frame).await?;
    let tags = huaxiang_models::scoring::refresh_model_scores(&ws).await?;
    if a.json {
        return crate::output::emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&json!({"scored": scored, "tags_added": tags}))?
        ));
    }
    let mut t = String::new();
    for s in &scored {
        writeln!(
            t,
            "评分 / scored: {} v{} · {} 人 / persons · {} 超过阈值 / above the threshold",
            s.model, s.version, s.persons, s.flagged
        )?;
    }
    if scored.is_empty() {
        writeln!(t, "（暂无模型 / no models yet: huaxiang model train churn）")?;
    }
    crate::output::emit(&t)
}
