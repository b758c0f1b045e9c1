//! "Bring your own label": a CSV with one row per person, an id column, a binary label column
//! and any other columns, turned into a [`Dataset`] (`--label-file F --id-col C --label-col L`).
//!
//! The rules, in the order they apply:
//!
//! 1. **Header.** The first row names the columns; a UTF-8 byte-order mark is dropped; a
//!    repeated name is an error. The id and label columns must exist (the error lists the header).
//! 2. **Label.** Trimmed and case-insensitive: `1`/`0`, `true`/`false`, `yes`/`no`, `y`/`n`.
//!    Anything else is an error naming file, line, column and value. A **blank** label is
//!    skipped by default and counted in [`LabelFileReport::skipped_blank_labels`] (with the
//!    first few line numbers); [`BlankLabels::Error`] makes it an error instead.
//! 3. **Id.** Kept as the row id, never a feature.
//! 4. **Every other column** is numeric or text, decided over its non-blank cells (trimmed):
//!    * all of them parse as finite numbers → **numeric**;
//!    * at least [`LabelFileOptions::numeric_share`] (default 95%) parse → still **numeric**:
//!      the unparsable cells become missing and are counted per column in the report, with
//!      examples (line and value);
//!    * otherwise → **text**, one-hot encoded: one 0/1 column per distinct value, named
//!      `column=value` (e.g. `Contract=Month-to-month`), values in sorted order. When there are
//!      more than [`LabelFileOptions::max_categories`] distinct values, the most frequent ones keep
//!      their column and the rest share `column=(other)`;
//!    * no non-blank cell at all → the column is **dropped** (reported).
//! 5. **Blanks** become missing (NaN): a blank numeric cell is NaN; a blank text cell makes every
//!    one-hot column of that text column NaN (the category is unknown, not "none of them").

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::error::MlError;

/// What to do with a row whose label cell is blank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlankLabels {
    /// Leave the row out and count it (the default).
    #[default]
    Skip,
    /// Stop with an error naming the line.
    Error,
}

/// How to read a label file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelFileOptions {
    pub id_col: String,
    pub label_col: String,
    pub blank_labels: BlankLabels,
    /// The share of non-blank cells that must parse as numbers for a column to be numeric.
    pub numeric_share: f64,
    /// The most one-hot columns one text column may produce before the rest become `(other)`.
    pub max_categories: usize,
}

impl LabelFileOptions {
    pub fn new(id_col: impl Into<String>, label_col: impl Into<String>) -> LabelFileOptions {
        LabelFileOptions {
            id_col: id_col.into(),
            label_col: label_col.into(),
            blank_labels: BlankLabels::Skip,
            numeric_share: 0.95,
            max_categories: 50,
        }
    }

    fn check(&self) -> Result<(), MlError> {
        if !(self.numeric_share > 0.5 && self.numeric_share <= 1.0) {
            return Err(MlError::param(
                "numeric_share",
                self.numeric_share,
                "must be in (0.5, 1]",
            ));
        }
        if self.max_categories < 2 {
            return Err(MlError::param(
                "max_categories",
                self.max_categories,
                "must be at least 2",
            ));
        }
        if self.id_col == self.label_col {
            return Err(MlError::param(
                "label_col",
                &self.label_col,
                "must differ from the id column",
            ));
        }
        Ok(())
    }
}

/// How one input column was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ColumnKind {
    Numeric {
        /// Non-blank cells that did not parse as finite numbers (now missing).
        unparsable: usize,
        /// Up to five of them: (line, value).
        examples: Vec<(u64, String)>,
    },
    Text {
        /// The names of the one-hot columns it produced.
        one_hot: Vec<String>,
        /// Whether rare values were pooled into `column=(other)`.
        pooled_other: bool,
    },
    /// Every cell was blank.
    Dropped,
}

/// One input column in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnReport {
    pub name: String,
    /// Blank cells among the kept rows (now missing).
    pub blanks: usize,
    #[serde(flatten)]
    pub kind: ColumnKind,
}

/// What reading a label file did, for the person who gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelFileReport {
    pub path: PathBuf,
    /// Data rows kept (with a label).
    pub rows: usize,
    pub positives: usize,
    pub negatives: usize,
    /// Rows left out because their label was blank.
    pub skipped_blank_labels: usize,
    /// The first (up to ten) line numbers of such rows.
    pub skipped_lines: Vec<u64>,
    /// Every input column except the id and the label, in file order.
    pub columns: Vec<ColumnReport>,
}

impl LabelFileReport {
    /// Input columns that were mostly numeric but had unparsable cells: (name, count).
    pub fn unparsable(&self) -> Vec<(&str, usize)> {
        self.columns
            .iter()
            .filter_map(|c| match &c.kind {
                ColumnKind::Numeric { unparsable, .. } if *unparsable > 0 => Some((c.name.as_str(), *unparsable)),
                _ => None,
            })
            .collect()
    }
}

/// Parses a binary label cell (already known to be non-blank).
pub fn parse_label(cell: &str) -> Option<bool> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" => Some(true),
        "0" | "false" | "no" | "n" => Some(false),
        _ => None,
    }
}

fn parse_number(cell: &str) -> Option<f64> {
    cell.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Reads a label file into a dataset with ids and labels, and a report of what was done.
pub fn read_label_file(path: &Path, opts: &LabelFileOptions) -> Result<(Dataset, LabelFileReport), MlError> {
    opts.check()?;
    let file = std::fs::File::open(path).map_err(|source| MlError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_label_csv(std::io::BufReader::new(file), path, opts)
}

/// Like [`read_label_file`] but from any reader; `path` is only used in messages.
pub fn read_label_csv<R: std::io::Read>(
    reader: R,
    path: &Path,
    opts: &LabelFileOptions,
) -> Result<(Dataset, LabelFileReport), MlError> {
    opts.check()?;
    let csv_err = |source| MlError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).from_reader(reader);
    let header: Vec<String> = rdr
        .headers()
        .map_err(csv_err)?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if i == 0 {
                h.trim_start_matches('\u{feff}').to_string()
            } else {
                h.to_string()
            }
        })
        .collect();
    let mut seen = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        if seen.insert(h.as_str(), i).is_some() {
            return Err(MlError::DuplicateColumn {
                context: path.display().to_string(),
                column: h.clone(),
            });
        }
    }
    let find = |name: &str| {
        seen.get(name).copied().ok_or_else(|| MlError::MissingColumn {
            path: path.to_path_buf(),
            column: name.to_string(),
            available: header.join(", "),
        })
    };
    let id_at = find(&opts.id_col)?;
    let label_at = find(&opts.label_col)?;
    let feature_at: Vec<usize> = (0..header.len()).filter(|&i| i != id_at && i != label_at).collect();

    // Pass 1: keep the raw cells of labelled rows.
    let mut ids = Vec::new();
    let mut labels = Vec::new();
    let mut lines = Vec::new();
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); feature_at.len()];
    let mut skipped = 0usize;
    let mut skipped_lines = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(csv_err)?;
        let line = rec.position().map_or(0, |p| p.line());
        let raw = rec.get(label_at).unwrap_or("").trim();
        if raw.is_empty() {
            match opts.blank_labels {
                BlankLabels::Error => {
                    return Err(MlError::BlankLabel {
                        path: path.to_path_buf(),
                        line,
                        column: opts.label_col.clone(),
                    });
                }
                BlankLabels::Skip => {
                    skipped += 1;
                    if skipped_lines.len() < 10 {
                        skipped_lines.push(line);
                    }
                    continue;
                }
            }
        }
        let label = parse_label(raw).ok_or_else(|| MlError::BadLabel {
            path: path.to_path_buf(),
            line,
            column: opts.label_col.clone(),
            value: raw.to_string(),
        })?;
        labels.push(label);
        ids.push(rec.get(id_at).unwrap_or("").trim().to_string());
        lines.push(line);
        for (k, &c) in feature_at.iter().enumerate() {
            cells[k].push(rec.get(c).unwrap_or("").trim().to_string());
        }
    }
    let n = labels.len();
    if n == 0 {
        let detail = if skipped > 0 {
            format!(" with a label ({skipped} rows have a blank label)")
        } else {
            String::new()
        };
        return Err(MlError::NoRows {
            path: path.to_path_buf(),
            detail,
        });
    }

    // Pass 2: decide each column's kind and build the feature columns.
    let mut out_names: Vec<String> = Vec::new();
    let mut out_cols: Vec<Vec<f64>> = Vec::new();
    let mut reports = Vec::with_capacity(feature_at.len());
    for (k, &c) in feature_at.iter().enumerate() {
        let name = &header[c];
        let col = &cells[k];
        let blanks = col.iter().filter(|s| s.is_empty()).count();
        let filled = n - blanks;
        if filled == 0 {
            reports.push(ColumnReport {
                name: name.clone(),
                blanks,
                kind: ColumnKind::Dropped,
            });
            continue;
        }
        let parsed: Vec<Option<f64>> = col.iter().map(|s| parse_number(s)).collect();
        let numeric = parsed.iter().filter(|v| v.is_some()).count();
        if numeric as f64 >= opts.numeric_share * filled as f64 {
            let mut examples = Vec::new();
            let mut unparsable = 0;
            for (i, (s, v)) in col.iter().zip(&parsed).enumerate() {
                if v.is_none() && !s.is_empty() {
                    unparsable += 1;
                    if examples.len() < 5 {
                        examples.push((lines[i], s.clone()));
                    }
                }
            }
            out_names.push(name.clone());
            out_cols.push(parsed.iter().map(|v| v.unwrap_or(f64::NAN)).collect());
            reports.push(ColumnReport {
                name: name.clone(),
                blanks,
                kind: ColumnKind::Numeric { unparsable, examples },
            });
        } else {
            let (names, columns, pooled_other) = one_hot(name, col, opts.max_categories);
            reports.push(ColumnReport {
                name: name.clone(),
                blanks,
                kind: ColumnKind::Text {
                    one_hot: names.clone(),
                    pooled_other,
                },
            });
            out_names.extend(names);
            out_cols.extend(columns);
        }
    }

    let p = out_cols.len();
    let mut values = Vec::with_capacity(n * p);
    for i in 0..n {
        values.extend(out_cols.iter().map(|c| c[i]));
    }
    let positives = labels.iter().filter(|&&b| b).count();
    let ds = Dataset::new(out_names, n, values)?.with_labels(labels)?.with_ids(ids)?;
    let report = LabelFileReport {
        path: path.to_path_buf(),
        rows: n,
        positives,
        negatives: n - positives,
        skipped_blank_labels: skipped,
        skipped_lines,
        columns: reports,
    };
    Ok((ds, report))
}

/// The name of the one-hot column for `value` of text column `column`.
pub fn one_hot_name(column: &str, value: &str) -> String {
    format!("{column}={value}")
}

/// Splits a one-hot column name back into (column, value) at the first `=`.
pub fn split_one_hot(name: &str) -> Option<(&str, &str)> {
    name.split_once('=')
}

const OTHER: &str = "(other)";

fn one_hot(name: &str, col: &[String], max_categories: usize) -> (Vec<String>, Vec<Vec<f64>>, bool) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in col.iter().filter(|s| !s.is_empty()) {
        *counts.entry(s.as_str()).or_default() += 1;
    }
    let pooled = counts.len() > max_categories;
    let kept: Vec<&str> = if pooled {
        let mut by_freq: Vec<(&str, usize)> = counts.iter().map(|(k, v)| (*k, *v)).collect();
        by_freq.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut k: Vec<&str> = by_freq[..max_categories - 1].iter().map(|x| x.0).collect();
        k.sort_unstable();
        k
    } else {
        counts.keys().copied().collect()
    };
    let slot: HashMap<&str, usize> = kept.iter().enumerate().map(|(i, v)| (*v, i)).collect();
    let width = kept.len() + usize::from(pooled);
    let mut cols = vec![vec![0.0; col.len()]; width];
    for (i, s) in col.iter().enumerate() {
        if s.is_empty() {
            for c in cols.iter_mut() {
                c[i] = f64::NAN;
            }
        } else {
            let j = slot.get(s.as_str()).copied().unwrap_or(kept.len());
            cols[j][i] = 1.0;
        }
    }
    let mut names: Vec<String> = kept.iter().map(|v| one_hot_name(name, v)).collect();
    if pooled {
        names.push(one_hot_name(name, OTHER));
    }
    (names, cols, pooled)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn read(text: &str, opts: &LabelFileOptions) -> Result<(Dataset, LabelFileReport), MlError> {
        read_label_csv(text.as_bytes(), Path::new("labels.csv"), opts)
    }

    const SAMPLE: &str = "\u{feff}id,Contract,tenure,Total,Churn\n\
        a,Month-to-month,1,29.85,Yes\n\
        b,One year,34, ,no\n\
        c,Month-to-month,2,108.15,TRUE\n\
        d,,45,1840.75,0\n\
        e,Two year,8,n/a,\n\
        f,One year,22,1949.4,y\n";

    #[test]
    fn reads_one_hot_numbers_blanks_and_skips_blank_labels() {
        let (d, r) = read(SAMPLE, &LabelFileOptions::new("id", "Churn")).unwrap();
        assert_eq!(
            d.columns(),
            ["Contract=Month-to-month", "Contract=One year", "tenure", "Total"],
            "one-hot names, sorted values; `Two year` only occurs on the skipped row"
        );
        assert_eq!(d.n_rows(), 5);
        assert_eq!(d.ids().unwrap(), ["a", "b", "c", "d", "f"]);
        assert_eq!(d.labels().unwrap(), [true, false, true, false, true]);
        assert_eq!(d.row(0), [1.0, 0.0, 1.0, 29.85]);
        // Blank numeric → NaN; blank text → NaN in every one-hot column of that column.
        assert!(d.get(1, 3).is_nan());
        assert!(d.get(3, 0).is_nan() && d.get(3, 1).is_nan());
        assert_eq!(r.skipped_blank_labels, 1);
        assert_eq!(r.skipped_lines, vec![6]);
        assert_eq!((r.positives, r.negatives), (3, 2));
        let total = r.columns.iter().find(|c| c.name == "Total").unwrap();
        assert_eq!(total.blanks, 1);
    }

    #[test]
    fn mostly_numeric_column_counts_unparsable_cells() {
        let mut text = String::from("id,x,y\n");
        for i in 0..40 {
            let x = if i == 7 { "oops".to_string() } else { format!("{i}.5") };
            text.push_str(&format!("p{i},{x},{}\n", i % 2));
        }
        let (d, r) = read(&text, &LabelFileOptions::new("id", "y")).unwrap();
        assert_eq!(d.columns(), ["x"]);
        assert!(d.get(7, 0).is_nan());
        assert_eq!(r.unparsable(), vec![("x", 1)]);
        match &r.columns[0].kind {
            ColumnKind::Numeric { examples, .. } => assert_eq!(examples, &vec![(9, "oops".to_string())]),
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn bad_label_names_file_line_column_and_value() {
        let text = "id,x,Churn\na,1,Yes\nb,2,maybe\n";
        let e = read(text, &LabelFileOptions::new("id", "Churn")).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("labels.csv"), "{msg}");
        assert!(msg.contains("line 3"), "{msg}");
        assert!(msg.contains("`Churn`"), "{msg}");
        assert!(msg.contains("`maybe`"), "{msg}");
    }

    #[test]
    fn blank_label_can_be_an_error_and_missing_columns_are_named() {
        let mut o = LabelFileOptions::new("id", "Churn");
        o.blank_labels = BlankLabels::Error;
        let e = read(SAMPLE, &o).unwrap_err().to_string();
        assert!(e.contains("line 6") && e.contains("blank"), "{e}");
        let e = read(SAMPLE, &LabelFileOptions::new("customer", "Churn"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`customer`") && e.contains("Contract"), "{e}");
    }

    #[test]
    fn many_categories_pool_into_other() {
        let mut text = String::from("id,city,y\n");
        for i in 0..30 {
            let city = if i < 10 {
                "A".to_string()
            } else if i < 18 {
                "B".to_string()
            } else {
                format!("c{i}")
            };
            text.push_str(&format!("p{i},{city},{}\n", i % 2));
        }
        let mut o = LabelFileOptions::new("id", "y");
        o.max_categories = 3;
        let (d, r) = read(&text, &o).unwrap();
        assert_eq!(d.columns(), ["city=A", "city=B", "city=(other)"]);
        assert_eq!(d.row(29), [0.0, 0.0, 1.0]);
        assert!(matches!(r.columns[0].kind, ColumnKind::Text { pooled_other: true, .. }));
    }

    #[test]
    fn labels_accept_the_documented_spellings_only() {
        for (s, v) in [
            ("1", true),
            ("0", false),
            ("Yes", true),
            ("NO", false),
            ("y", true),
            ("n", false),
        ] {
            assert_eq!(parse_label(s), Some(v), "{s}");
        }
        assert_eq!(parse_label(" True "), Some(true));
        assert_eq!(parse_label("2"), None);
        assert_eq!(parse_label("1.0"), None);
        assert_eq!(
            split_one_hot("Contract=Month-to-month"),
            Some(("Contract", "Month-to-month"))
        );
    }
}
