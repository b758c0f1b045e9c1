//! Feature columns that depend on the data: one `days_since_<event_type>` per
//! event type and one `touches_<channel>` per marketing channel present
//! before the cutoff.
//!
//! The values are read once per build (a small grouped scan) and turned into
//! column names: lowercase, every run of characters other than `a-z0-9`
//! becomes `_`. Two values that give the same name get `_2`, `_3`…; a value
//! with nothing left (e.g. only Chinese characters) is named by its position.
//! At most [`MAX_PER_FAMILY`] of the most frequent values get a column, so a
//! source with thousands of free-text event types cannot explode the table;
//! the others are reported in the build details.

use arrow::array::{Array, StringArray};
use datafusion::prelude::SessionContext;
use huaxiang_core::build::BuildContext;
use huaxiang_store::table::plain_strings;

use crate::catalog::{DAYS_SINCE_PREFIX, TOUCHES_PREFIX};
use crate::error::{Result, step};
use crate::inputs::{instant, view};

/// The most columns one family gets.
pub const MAX_PER_FAMILY: usize = 50;

/// A data value and the feature column it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub value: String,
    pub column: String,
}

/// The data-dependent columns of one build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dynamic {
    pub event_types: Vec<Named>,
    pub touch_channels: Vec<Named>,
    /// Values beyond [`MAX_PER_FAMILY`] that got no column.
    pub omitted: Vec<String>,
}

impl Dynamic {
    /// Every dynamic column name, in output order within each family.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.event_types
            .iter()
            .chain(self.touch_channels.iter())
            .map(|n| n.column.as_str())
    }
}

/// `prefix` + the value made into an identifier (`None` when nothing is left).
pub fn column_name(prefix: &str, value: &str) -> Option<String> {
    let mut s = String::new();
    for ch in value.trim().chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_lowercase() || ch.is_ascii_digit() {
            s.push(ch);
        } else if !s.ends_with('_') {
            s.push('_');
        }
    }
    let s = s.trim_matches('_');
    (!s.is_empty()).then(|| format!("{prefix}{s}"))
}

/// Names `values` (most frequent first) under `prefix`; returns the named
/// ones sorted by value and the omitted ones.
pub fn name_values(prefix: &str, values: &[String]) -> (Vec<Named>, Vec<String>) {
    let (kept, omitted) = values.split_at(values.len().min(MAX_PER_FAMILY));
    let mut kept: Vec<&String> = kept.iter().collect();
    kept.sort();
    let mut used = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(kept.len());
    for (i, v) in kept.into_iter().enumerate() {
        let base = column_name(prefix, v).unwrap_or_else(|| format!("{prefix}{}", i + 1));
        let mut name = base.clone();
        let mut n = 2;
        while !used.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        out.push(Named {
            value: v.clone(),
            column: name,
        });
    }
    (out, omitted.iter().map(|v| format!("{prefix}{v}")).collect())
}

/// The distinct non-empty values of `column` in `table` before the cutoff, most frequent first.
async fn values(ctx: &SessionContext, table: &str, column: &str, time: &str, cutoff: &str) -> Result<Vec<String>> {
    let sql = format!(
        "SELECT CAST({column} AS VARCHAR) AS v, count(*) AS n FROM {t} \
         WHERE {time} < {cutoff} AND {column} IS NOT NULL GROUP BY {column} ORDER BY n DESC, v",
        t = view(table)
    );
    let what = format!("the {column} values of `{table}`");
    let batches = ctx
        .sql(&sql)
        .await
        .map_err(step(&what))?
        .collect()
        .await
        .map_err(step(&what))?;
    let mut out = Vec::new();
    for b in batches {
        let b = plain_strings(&b)?;
        if let Some(a) = b.column(0).as_any().downcast_ref::<StringArray>() {
            out.extend(a.iter().flatten().map(str::to_string));
        }
    }
    Ok(out)
}

/// A family of data-dependent columns: where its values come from and how
/// its columns are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `days_since_<event_type>`, from `events.event_type`.
    EventTypes,
    /// `touches_<channel>`, from `touches.channel`.
    TouchChannels,
}

impl Family {
    /// Both families, in output order.
    pub const ALL: [Family; 2] = [Family::EventTypes, Family::TouchChannels];

    /// `(table, value column, time column, column prefix)`.
    fn source(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Family::EventTypes => ("events", "event_type", "event_time", DAYS_SINCE_PREFIX),
            Family::TouchChannels => ("touches", "channel", "touch_time", TOUCHES_PREFIX),
        }
    }

    /// What the family's per-record table holds, for error messages.
    pub fn what(self) -> &'static str {
        match self {
            Family::EventTypes => "events per session",
            Family::TouchChannels => "touches per record",
        }
    }
}

/// The named values of `family` present before the cutoff, and the omitted ones.
pub async fn named(ctx: &SessionContext, build: &BuildContext, family: Family) -> Result<(Vec<Named>, Vec<String>)> {
    let (table, column, time, prefix) = family.source();
    let cutoff = instant(build.cutoff_micros());
    let found = values(ctx, table, column, time, &cutoff).await?;
    Ok(name_values(prefix, &found))
}

impl Dynamic {
    /// Sets the columns of `family` from [`named`]; its omitted values are
    /// added to [`Dynamic::omitted`].
    pub fn set(&mut self, family: Family, (named, omitted): (Vec<Named>, Vec<String>)) {
        match family {
            Family::EventTypes => self.event_types = named,
            Family::TouchChannels => self.touch_channels = named,
        }
        self.omitted.extend(omitted);
    }

    /// The columns of `family` alone.
    pub fn only(family: Family, found: (Vec<Named>, Vec<String>)) -> Self {
        let mut d = Dynamic::default();
        d.set(family, found);
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_identifiers() {
        assert_eq!(
            column_name("touches_", "ad_search").as_deref(),
            Some("touches_ad_search")
        );
        assert_eq!(
            column_name("days_since_", " Add To-Cart ").as_deref(),
            Some("days_since_add_to_cart")
        );
        assert_eq!(column_name("touches_", "微信"), None);
    }

    #[test]
    fn collisions_and_unnamed_values_get_distinct_names() {
        let vals: Vec<String> = ["b-x", "b_x", "短信", "a"].iter().map(|s| s.to_string()).collect();
        let (named, omitted) = name_values("touches_", &vals);
        let cols: Vec<&str> = named.iter().map(|n| n.column.as_str()).collect();
        assert_eq!(cols, ["touches_a", "touches_b_x", "touches_b_x_2", "touches_4"]);
        assert!(omitted.is_empty());
    }

    #[test]
    fn only_the_most_frequent_values_get_columns() {
        let vals: Vec<String> = (0..MAX_PER_FAMILY + 3).map(|i| format!("t{i:03}")).collect();
        let (named, omitted) = name_values("days_since_", &vals);
        assert_eq!(named.len(), MAX_PER_FAMILY);
        assert_eq!(omitted.len(), 3);
        assert_eq!(omitted[0], format!("days_since_t{:03}", MAX_PER_FAMILY));
    }
}
