//! The canonical tables and the meaning of their columns.
//!
//! Huaxiang's default input format is the schema of the bench generator: eight
//! canonical tables whose names are fixed, because every later stage (identity,
//! features, tags, metrics, models) refers to them by name. Each stored row also
//! carries lineage columns: `source` (the source name it came from),
//! `record_id` (its id in that source), `_run_id` (the ingest run) and `_line`
//! (its line or row number in the input).

/// The logical type of a canonical column. Storage types follow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// An identifier, stored as text; float-looking ids (`17850.0`) become `17850`.
    Id,
    /// Free text.
    Text,
    /// A whole number (stored as 64-bit integer).
    Int,
    /// An amount of money or another decimal (stored as 64-bit float).
    Decimal,
    /// A boolean (`Y/N`, `yes/no`, `true/false`, `1/0`, `是/否`).
    Bool,
    /// An instant, stored as UTC microseconds.
    Timestamp,
}

/// Personal data that is encrypted at rest and matched through keyed hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PiiKind {
    Name,
    Phone,
    Email,
    /// Any other column a mapping marks `pii`.
    Other,
}

impl PiiKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PiiKind::Name => "name",
            PiiKind::Phone => "phone",
            PiiKind::Email => "email",
            PiiKind::Other => "other",
        }
    }
}

/// A range check on a numeric column, inclusive on both ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub min: f64,
    pub max: f64,
}

/// One canonical column.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    pub name: &'static str,
    pub ty: ColumnType,
    /// A row without a valid value here is rejected; otherwise an invalid value
    /// is set to NULL and reported in quarantine as a field issue.
    pub required: bool,
    pub pii: Option<PiiKind>,
    pub range: Option<Range>,
}

/// One canonical table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDef {
    pub name: &'static str,
    pub columns: Vec<ColumnDef>,
    /// Columns whose values, joined with `/`, form the `record_id` when the
    /// mapping does not name one.
    pub key: &'static [&'static str],
}

impl TableDef {
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Lineage columns every stored row carries, after the canonical ones.
pub const LINEAGE_COLUMNS: [&str; 4] = ["source", "record_id", "_run_id", "_line"];

/// The names of the canonical tables.
pub const TABLE_NAMES: [&str; 8] = [
    "customers",
    "products",
    "orders",
    "order_items",
    "events",
    "tickets",
    "touches",
    "experiment",
];

const fn col(name: &'static str, ty: ColumnType) -> ColumnDef {
    ColumnDef {
        name,
        ty,
        required: false,
        pii: None,
        range: None,
    }
}
const fn req(name: &'static str, ty: ColumnType) -> ColumnDef {
    ColumnDef {
        name,
        ty,
        required: true,
        pii: None,
        range: None,
    }
}
const fn pii(name: &'static str, kind: PiiKind) -> ColumnDef {
    ColumnDef {
        name,
        ty: ColumnType::Text,
        required: false,
        pii: Some(kind),
        range: None,
    }
}
const fn ranged(name: &'static str, ty: ColumnType, min: f64, max: f64) -> ColumnDef {
    ColumnDef {
        name,
        ty,
        required: false,
        pii: None,
        range: Some(Range { min, max }),
    }
}

/// The definition of canonical table `name`, or `None` for an unknown name.
pub fn table(name: &str) -> Option<TableDef> {
    use ColumnType::*;
    let (columns, key): (Vec<ColumnDef>, &'static [&'static str]) = match name {
        "customers" => (
            vec![
                req("customer_id", Id),
                pii("name", PiiKind::Name),
                col("gender", Text),
                // Birth years outside 1901..=2030 are impossible for a living customer.
                ranged("birth_year", Int, 1901.0, 2030.0),
                col("city", Text),
                ranged("city_tier", Int, 1.0, 5.0),
                col("signup_time", Timestamp),
                col("acquisition_channel", Text),
                col("member_level", Text),
                pii("phone", PiiKind::Phone),
                pii("email", PiiKind::Email),
            ],
            &["customer_id"],
        ),
        "products" => (
            vec![
                req("product_id", Id),
                col("category", Text),
                ranged("list_price", Decimal, 0.0, f64::MAX),
            ],
            &["product_id"],
        ),
        "orders" => (
            vec![
                req("order_id", Id),
                col("customer_id", Id),
                req("order_time", Timestamp),
                col("channel", Text),
                req("amount", Decimal),
                col("discount", Decimal),
                col("coupon_used", Bool),
                req("status", Text),
            ],
            &["order_id"],
        ),
        "order_items" => (
            vec![
                req("order_id", Id),
                req("product_id", Id),
                col("category", Text),
                req("unit_price", Decimal),
                req("qty", Int),
            ],
            &["order_id", "product_id"],
        ),
        "events" => (
            vec![
                req("event_id", Id),
                req("event_time", Timestamp),
                col("customer_id", Id),
                col("anonymous_id", Id),
                col("session_id", Id),
                req("event_type", Text),
                col("product_id", Id),
                col("category", Text),
                col("device", Text),
                col("channel", Text),
            ],
            &["event_id"],
        ),
        "tickets" => (
            vec![
                req("ticket_id", Id),
                col("customer_id", Id),
                req("created_at", Timestamp),
                col("channel", Text),
                col("text", Text),
                ranged("rating", Int, 1.0, 5.0),
            ],
            &["ticket_id"],
        ),
        "touches" => (
            vec![
                req("touch_id", Id),
                col("customer_id", Id),
                req("touch_time", Timestamp),
                col("channel", Text),
                col("campaign_id", Text),
            ],
            &["touch_id"],
        ),
        "experiment" => (
            vec![
                req("customer_id", Id),
                req("experiment_id", Id),
                req("variant", Text),
                req("converted", Bool),
            ],
            &["experiment_id", "customer_id"],
        ),
        _ => return None,
    };
    let name = TABLE_NAMES.iter().copied().find(|t| *t == name)?;
    Some(TableDef { name, columns, key })
}

/// Like [`table`], but an unknown name is an error that lists the valid ones.
pub fn table_or_err(name: &str) -> crate::Result<TableDef> {
    table(name).ok_or_else(|| crate::CoreError::UnknownTable(name.to_string()))
}

/// The name of the keyed-hash column that accompanies PII column `column`.
pub fn hash_column(column: &str) -> String {
    format!("{column}_hash")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_resolves_and_keys_exist() {
        for name in TABLE_NAMES {
            let t = table_or_err(name).expect("table");
            for k in t.key {
                assert!(t.column(k).is_some(), "{name}.{k}");
            }
        }
        assert!(table("customer").is_none());
    }
}
