//! `huaxiang model`: propensity models trained point in time on the
//! workspace, or on a label file, then registered, scored and explained.
//!
//! A workspace target is learned as a forecaster would be used: the features
//! are computed as of the day `horizon` days before the data's end (with the
//! same plans as a build, reading nothing later), the label is what happened
//! in the `horizon` days after, and the model then scores everyone on the
//! current features. Nothing of the future leaks into a training row.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use huaxiang_core::build::{BuildContext, micros_sql};
use huaxiang_ml::{Dataset, LabelFileOptions, read_label_file};
use huaxiang_predict::{Model, TrainOptions, TrainOutcome, train};
use huaxiang_store::Workspace;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::frame::Frame;
use crate::output::{query, scalar_text};
use crate::registry::{self, Entry, TrainingSource};

/// What a workspace model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// No paid order in the next `horizon` days (everyone who had signed up).
    Churn,
    /// A paid order in the next `horizon` days, for persons who bought before.
    Repurchase,
    /// A first paid order in the next `horizon` days, for persons who never bought.
    Conversion,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Churn => "churn",
            Target::Repurchase => "repurchase",
            Target::Conversion => "conversion",
        }
    }

    /// Whether a person with `frequency` paid orders belongs to the population.
    fn admits(self, frequency: f64) -> bool {
        match self {
            Target::Churn => true,
            Target::Repurchase => frequency >= 1.0,
            Target::Conversion => frequency.is_nan() || frequency == 0.0,
        }
    }

    /// The population of a target named in the registry (`label:…` models score everyone).
    pub fn of_registered(target: &str) -> Option<Target> {
        target.parse().ok()
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Target {
    type Err = Error;
    fn from_str(s: &str) -> Result<Target> {
        match s.trim().to_ascii_lowercase().as_str() {
            "churn" => Ok(Target::Churn),
            "repurchase" => Ok(Target::Repurchase),
            "conversion" => Ok(Target::Conversion),
            _ => Err(Error::UnknownTarget(s.to_string())),
        }
    }
}

/// Checks a model name: it becomes column names of `model_scores`.
pub fn check_name(name: &str) -> Result<()> {
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 40;
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "模型名无效 / invalid model name `{name}`: use lower-case letters, digits and _ (starting with a letter, at most 40)"
        )))
    }
}

/// A label column as a model name (`churned_180d` → `churned_180d`, `Churn` → `churn`).
pub fn name_from_label(label: &str) -> String {
    let mut s: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !s.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
        s.insert_str(0, "m_");
    }
    s.truncate(40);
    s
}

/// Feature columns whose past values the workspace does not know (they come
/// from customer records as exported today), left out of point-in-time
/// training sets unless asked for by name.
pub const POINT_IN_TIME_UNKNOWN: [&str; 1] = ["member_level"];

/// The point-in-time training rows of `target`.
#[derive(Debug, Clone)]
pub struct TrainingSet {
    pub data: Dataset,
    /// The day the features describe (the data's end minus the horizon).
    pub features_as_of: NaiveDate,
    /// The last day of the label window.
    pub label_end: NaiveDate,
    pub horizon_days: i64,
    /// Persons left out because they had not signed up by `features_as_of`
    /// or are outside the target's population.
    pub excluded: usize,
}

/// The last day of the data the current `features` describe.
pub async fn current_as_of(ws: &Workspace) -> Result<NaiveDate> {
    let Some(d) = crate::cluster::features_as_of(ws).await? else {
        return Err(Error::Missing {
            table: "features",
            hint: "run `huaxiang build` first / 请先运行 huaxiang build",
        });
    };
    d.get(..10)
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| Error::Invalid(format!("features.as_of `{d}` is not a date")))
}

/// The local day of the earliest order or event.
async fn first_data_day(ws: &Workspace) -> Result<Option<NaiveDate>> {
    let mut first: Option<NaiveDate> = None;
    for (table, col) in [("orders", "order_time"), ("events", "event_time")] {
        if !ws.tables().exists(table) {
            continue;
        }
        let t = scalar_text(ws, &format!("SELECT CAST(min({col}) AS VARCHAR) FROM {table}")).await?;
        if let Some(d) = t.and_then(|t| t.get(..10).and_then(|d| d.parse::<NaiveDate>().ok())) {
            first = Some(first.map_or(d, |f: NaiveDate| f.min(d)));
        }
    }
    Ok(first)
}

/// Persons with a paid order in the local days `(from, to]`.
async fn buyers_between(ws: &Workspace, ctx_from: &BuildContext, ctx_to: &BuildContext) -> Result<Vec<String>> {
    use huaxiang_features::persons::{UNIQUE_RECORDS_CTE, person_of};
    let (joins, person) = person_of("o");
    let sql = format!(
        "WITH {UNIQUE_RECORDS_CTE} SELECT DISTINCT {person} AS person_id FROM orders o {joins} \
         WHERE o.status = 'paid' AND o.order_time >= {} AND o.order_time < {} AND {person} IS NOT NULL",
        micros_sql(ctx_from.cutoff_micros()),
        micros_sql(ctx_to.cutoff_micros()),
    );
    let batches = query(ws, &sql).await?;
    let cols = crate::output::text_columns(&batches, &["person_id"])?;
    Ok(cols.into_iter().flatten().flatten().collect())
}

/// Builds the training rows of `target` with labels from the `horizon`
/// days that end at `as_of` (the current features' day when `None`).
pub async fn training_set(
    ws: &Workspace,
    target: Target,
    horizon_days: i64,
    as_of: Option<NaiveDate>,
    features: Option<&[String]>,
) -> Result<TrainingSet> {
    if horizon_days < 1 {
        return Err(Error::Invalid(format!(
            "--horizon must be at least 1 day (got {horizon_days})"
        )));
    }
    let as_of = match as_of {
        Some(d) => d,
        None => current_as_of(ws).await?,
    };
    let first = first_data_day(ws).await?.ok_or(Error::Missing {
        table: "orders",
        hint: "ingest orders or events first / 请先导入订单或行为数据",
    })?;
    let span = (as_of - first).num_days() + 1;
    if span < 2 * horizon_days {
        return Err(Error::ShortHistory {
            first: first.to_string(),
            as_of: as_of.to_string(),
            span_days: span,
            horizon: horizon_days,
            need: 2 * horizon_days,
        });
    }
    let tz = ws.time_zone()?;
    let features_as_of = as_of - chrono::Duration::days(horizon_days);
    let ctx_f = BuildContext::new(0, features_as_of, tz, true);
    let ctx_t = BuildContext::new(0, as_of, tz, true);
    let (_, batches) = huaxiang_features::compute(ws, &ctx_f).await?;
    let frame = Frame::from_batches(&batches, "person_id")?;
    let tenure = frame.numeric("tenure_days").map(<[f64]>::to_vec);
    let frequency = frame.numeric("frequency").map(<[f64]>::to_vec);
    let keep: Vec<usize> = (0..frame.len())
        .filter(|&i| tenure.as_ref().is_none_or(|t| t[i] >= 0.0))
        .filter(|&i| target.admits(frequency.as_ref().map_or(f64::NAN, |f| f[i])))
        .collect();
    let excluded = frame.len() - keep.len();
    let frame = frame.select_rows(&keep);
    let buyers: std::collections::HashSet<String> = buyers_between(ws, &ctx_f, &ctx_t).await?.into_iter().collect();
    let labels: Vec<bool> = frame
        .ids
        .iter()
        .map(|id| {
            let bought = buyers.contains(id);
            if target == Target::Churn { !bought } else { bought }
        })
        .collect();
    let data = frame.dataset(features)?.with_labels(labels)?;
    // Attributes a source system updates in place (a member level recomputed
    // from spend) hold their value of today, not of the training day: as
    // features of a past day they would leak the label window.
    let data = match features {
        Some(_) => data,
        None => {
            let drop: Vec<String> = data
                .columns()
                .iter()
                .filter(|c| {
                    POINT_IN_TIME_UNKNOWN
                        .iter()
                        .any(|u| c.as_str() == *u || c.starts_with(&format!("{u}=")))
                })
                .cloned()
                .collect();
            data.drop_columns(&drop)
        }
    };
    Ok(TrainingSet {
        data,
        features_as_of,
        label_end: as_of,
        horizon_days,
        excluded,
    })
}

/// How a label file was used.
#[derive(Debug, Clone, Serialize)]
pub struct LabelUse {
    pub file: String,
    pub rows: usize,
    /// Label-file rows whose id is a record of the workspace.
    pub matched_rows: usize,
    pub persons: usize,
    /// Persons whose records carried different labels (the first record's label is used).
    pub conflicting_persons: usize,
    /// Whether the file's own columns were the features (no workspace match).
    pub self_contained: bool,
}

/// A label file as training rows: joined to the workspace's current features
/// by record id when its ids are workspace records, otherwise its own
/// columns are the features.
pub async fn label_file_set(
    ws: Option<&Workspace>,
    path: &std::path::Path,
    id_col: &str,
    label_col: &str,
    features: Option<&[String]>,
) -> Result<(Dataset, LabelUse)> {
    let (file_data, report) = read_label_file(path, &LabelFileOptions::new(id_col, label_col))?;
    let file = path.display().to_string();
    let ids = file_data.ids().map(<[String]>::to_vec).unwrap_or_default();
    let labels = file_data.require_labels("label file")?.to_vec();
    let mapping = match ws {
        Some(ws) if ws.tables().exists("identity_links") && ws.tables().exists(huaxiang_features::TABLE) => {
            record_persons(ws).await?
        }
        _ => HashMap::new(),
    };
    let matched_rows = ids.iter().filter(|id| mapping.contains_key(id.as_str())).count();
    if matched_rows == 0 {
        let data = match features {
            Some(f) => file_data.select_columns(f)?,
            None => file_data,
        };
        let used = label_use(file, report.rows, matched_rows, data.n_rows(), 0, true);
        return Ok((data, used));
    }
    let Some(ws) = ws else {
        return Err(Error::Invalid("a workspace is needed".into()));
    };
    let mut by_person: HashMap<&str, bool> = HashMap::new();
    let mut conflicts = std::collections::HashSet::new();
    for (id, &y) in ids.iter().zip(&labels) {
        if let Some(p) = mapping.get(id.as_str()) {
            match by_person.get(p.as_str()) {
                Some(&prev) if prev != y => {
                    conflicts.insert(p.clone());
                }
                Some(_) => {}
                None => {
                    by_person.insert(p.as_str(), y);
                }
            }
        }
    }
    let frame = crate::cluster::read_features(ws).await?;
    let keep: Vec<usize> = (0..frame.len())
        .filter(|&i| by_person.contains_key(frame.ids[i].as_str()))
        .collect();
    let frame = frame.select_rows(&keep);
    let y: Vec<bool> = frame.ids.iter().map(|p| by_person[p.as_str()]).collect();
    let data = frame.dataset(features)?.with_labels(y)?;
    let used = label_use(file, report.rows, matched_rows, data.n_rows(), conflicts.len(), false);
    Ok((data, used))
}

fn label_use(
    file: String,
    rows: usize,
    matched_rows: usize,
    persons: usize,
    conflicting_persons: usize,
    self_contained: bool,
) -> LabelUse {
    LabelUse {
        file,
        rows,
        matched_rows,
        persons,
        conflicting_persons,
        self_contained,
    }
}

/// Record id → person id, for record ids that belong to exactly one person.
async fn record_persons(ws: &Workspace) -> Result<HashMap<String, String>> {
    let batches = query(
        ws,
        &format!(
            "WITH {} SELECT record_id AS id, person_id FROM hx_unique_records",
            huaxiang_features::persons::UNIQUE_RECORDS_CTE
        ),
    )
    .await?;
    let cols = crate::output::text_columns(&batches, &["id", "person_id"])?;
    Ok(cols[0]
        .iter()
        .zip(&cols[1])
        .filter_map(|(r, p)| Some((r.clone()?, p.clone()?)))
        .collect())
}

/// Trains on `data` and, when `ws` is given, registers the model as the next
/// version of `name`.
pub async fn train_and_register(
    ws: Option<&Workspace>,
    name: &str,
    target: &str,
    source: TrainingSource,
    data: &Dataset,
    options: &TrainOptions,
) -> Result<(TrainOutcome, Option<Entry>)> {
    check_name(name)?;
    let outcome = train(data, options)?;
    let entry = match ws {
        Some(ws) => Some(registry::register(ws, name, target, source, &outcome.model).await?),
        None => None,
    };
    Ok((outcome, entry))
}

/// The model's stored form, for `model show`.
pub fn summary_json(entry: &Entry, model: &Model) -> serde_json::Value {
    serde_json::json!({
        "entry": entry,
        "kind": model.kind.name(),
        "threshold": model.threshold,
        "training": model.training,
        "evaluation": model.evaluation,
        "importance": model.importance.iter().take(15).collect::<Vec<_>>(),
    })
}
