//! Resolving a mapping against an input's columns, once, before any row is read.

use std::collections::{BTreeMap, BTreeSet};

use chrono_tz::Tz;
use huaxiang_core::config::Mapping;
use huaxiang_core::schema::{ColumnType, LINEAGE_COLUMNS, PiiKind, Range, TableDef, hash_column};

use crate::error::Result;
use crate::mapping_err;
use crate::parse::{NumberOptions, TimestampFormat};

/// Where an output column's values come from.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueSource {
    /// The input column of this name.
    Input(String),
    /// The same text on every row.
    Constant(String),
    /// A SQL expression over the other output columns.
    Derived(String),
    /// Nothing: the column stays empty.
    Absent,
}

/// One output column of the target table.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputColumn {
    pub name: String,
    pub ty: ColumnType,
    pub required: bool,
    pub pii: Option<PiiKind>,
    pub range: Option<Range>,
    pub source: ValueSource,
    /// Whether the column is one of the canonical table's.
    pub canonical: bool,
}

/// How each row's `record_id` is formed.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordId {
    /// From these output columns, joined with `/`.
    Key(Vec<String>),
}

/// A resolved mapping.
#[derive(Debug, Clone)]
pub struct Plan {
    pub table: TableDef,
    pub columns: Vec<OutputColumn>,
    pub record_id: RecordId,
    /// Whether a repeated record id within one input gets a `#n` suffix
    /// (tables whose natural key is not unique, such as invoice lines).
    pub disambiguate_ids: bool,
    pub timestamp_formats: Vec<TimestampFormat>,
    pub time_zone: Tz,
    pub numbers: NumberOptions,
    pub return_prefix: Option<String>,
    pub negative_quantity_is_return: bool,
    pub derive_orders: bool,
}

impl Plan {
    pub fn column(&self, name: &str) -> Option<&OutputColumn> {
        self.columns.iter().find(|c| c.name == name)
    }
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

fn parse_type(input: &str, column: &str, t: &str) -> Result<ColumnType> {
    Ok(match t.trim().to_ascii_lowercase().as_str() {
        "text" | "string" => ColumnType::Text,
        "id" => ColumnType::Id,
        "int" | "integer" => ColumnType::Int,
        "decimal" | "float" | "number" | "money" => ColumnType::Decimal,
        "bool" | "boolean" => ColumnType::Bool,
        "timestamp" | "datetime" | "time" => ColumnType::Timestamp,
        other => {
            return Err(mapping_err!(
                input,
                "column `{column}`: unknown type `{other}` (use text, id, int, decimal, bool or timestamp)"
            ));
        }
    })
}

/// Turns an input column name into a safe stored column name.
pub fn sanitize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for ch in name.trim().chars() {
        if ch.is_alphanumeric() || ch == '_' {
            out.extend(ch.to_lowercase());
        } else {
            out.push('_');
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'c');
    }
    out
}

/// Resolves `mapping` for `table` against the input's column `names`.
///
/// `input` names the input in messages; `workspace_tz` is the default zone for
/// timestamps written without an offset.
pub fn resolve(table: &TableDef, mapping: &Mapping, names: &[String], input: &str, workspace_tz: Tz) -> Result<Plan> {
    let name_set: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    if name_set.len() != names.len() {
        return Err(mapping_err!(
            input,
            "the input has repeated column names: {}",
            names.join(", ")
        ));
    }
    for from in mapping.rename.keys() {
        if !name_set.contains(from.as_str()) {
            return Err(mapping_err!(
                input,
                "renamed column `{from}` is not in the input (columns: {})",
                names.join(", ")
            ));
        }
    }
    for d in &mapping.drop {
        if !name_set.contains(d.as_str()) {
            return Err(mapping_err!(
                input,
                "dropped column `{d}` is not in the input (columns: {})",
                names.join(", ")
            ));
        }
    }
    // Output name -> input name, for every kept input column.
    let mut by_target: BTreeMap<String, String> = BTreeMap::new();
    let mut extras_order: Vec<String> = Vec::new();
    for n in names {
        if mapping.drop.contains(n) {
            continue;
        }
        let target = match mapping.rename.get(n) {
            Some(t) => t.trim().to_string(),
            None if table.column(n.trim()).is_some() => n.trim().to_string(),
            None => sanitize(n),
        };
        if let Some(prev) = by_target.insert(target.clone(), n.clone()) {
            return Err(mapping_err!(input, "columns `{prev}` and `{n}` both map to `{target}`"));
        }
        if table.column(&target).is_none() {
            extras_order.push(target);
        }
    }
    let reserved: BTreeSet<String> = LINEAGE_COLUMNS.iter().map(|s| s.to_string()).collect();
    let mut columns = Vec::new();
    let pii_extra: BTreeSet<&str> = mapping.pii.iter().map(String::as_str).collect();
    for def in &table.columns {
        let name = def.name.to_string();
        let source = if let Some(c) = mapping.constant.get(&name) {
            ValueSource::Constant(c.clone())
        } else if let Some(e) = mapping.derive.get(&name) {
            ValueSource::Derived(e.clone())
        } else if let Some(i) = by_target.get(&name) {
            ValueSource::Input(i.clone())
        } else {
            ValueSource::Absent
        };
        if def.required && source == ValueSource::Absent {
            return Err(mapping_err!(
                input,
                "table `{}` needs column `{}`, which the input does not have (columns: {}); map one with --rename COLUMN={}",
                table.name,
                def.name,
                names.join(", "),
                def.name
            ));
        }
        let sources_given = [
            mapping.constant.contains_key(&name),
            mapping.derive.contains_key(&name),
            by_target.contains_key(&name),
        ];
        if sources_given.iter().filter(|b| **b).count() > 1 {
            return Err(mapping_err!(
                input,
                "column `{name}` is given more than once (input column, constant or derived)"
            ));
        }
        columns.push(OutputColumn {
            name,
            ty: def.ty,
            required: def.required,
            pii: def.pii.or(pii_extra.contains(def.name).then_some(PiiKind::Other)),
            range: def.range,
            source,
            canonical: true,
        });
    }
    let extra_sources = extras_order
        .iter()
        .map(|n| (n.clone(), ValueSource::Input(by_target[n].clone())))
        .chain(
            mapping
                .constant
                .iter()
                .filter(|(k, _)| table.column(k).is_none())
                .map(|(k, v)| (k.clone(), ValueSource::Constant(v.clone()))),
        )
        .chain(
            mapping
                .derive
                .iter()
                .filter(|(k, _)| table.column(k).is_none())
                .map(|(k, v)| (k.clone(), ValueSource::Derived(v.clone()))),
        );
    for (name, source) in extra_sources {
        if reserved.contains(&name) || name.ends_with("_hash") && table.column(name.trim_end_matches("_hash")).is_some()
        {
            return Err(mapping_err!(input, "column name `{name}` is reserved; rename it"));
        }
        let ty = match mapping.types.get(&name) {
            Some(t) => parse_type(input, &name, t)?,
            None => ColumnType::Text,
        };
        columns.push(OutputColumn {
            pii: pii_extra.contains(name.as_str()).then_some(PiiKind::Other),
            name,
            ty,
            required: false,
            range: None,
            source,
            canonical: false,
        });
    }
    for t in mapping.types.keys() {
        if !columns.iter().any(|c| &c.name == t) {
            return Err(mapping_err!(
                input,
                "[types] names column `{t}`, which is not an output column"
            ));
        }
        if table.column(t).is_some() {
            return Err(mapping_err!(
                input,
                "[types] cannot change the type of canonical column `{t}`"
            ));
        }
    }
    for p in &mapping.pii {
        if !columns.iter().any(|c| &c.name == p) {
            return Err(mapping_err!(
                input,
                "`pii` names column `{p}`, which is not an output column"
            ));
        }
    }
    for c in &columns {
        if c.pii.is_some() && columns.iter().any(|o| o.name == hash_column(&c.name)) {
            return Err(mapping_err!(
                input,
                "column `{}` would clash with the hash column of `{}`",
                hash_column(&c.name),
                c.name
            ));
        }
    }
    let record_id = match &mapping.record_id {
        Some(rid) => {
            let target = mapping.rename.get(rid).cloned().unwrap_or_else(|| {
                if table.column(rid).is_some() {
                    rid.clone()
                } else {
                    sanitize(rid)
                }
            });
            if !columns.iter().any(|c| c.name == target) {
                return Err(mapping_err!(input, "record_id column `{rid}` is not in the input"));
            }
            RecordId::Key(vec![target])
        }
        None => RecordId::Key(table.key.iter().map(|s| s.to_string()).collect()),
    };
    let time_zone = match &mapping.timestamp.time_zone {
        Some(z) => huaxiang_core::time::parse_tz(z)?,
        None => workspace_tz,
    };
    let timestamp_formats =
        TimestampFormat::parse_specs(&mapping.timestamp.formats).map_err(|e| mapping_err!(input, "{e}"))?;
    let numbers = NumberOptions::from_config(&mapping.number.thousands, &mapping.number.decimal)
        .map_err(|e| mapping_err!(input, "{e}"))?;
    let derive_orders = mapping.derive_orders.enabled;
    if derive_orders {
        if table.name != "order_items" {
            return Err(mapping_err!(
                input,
                "derive_orders works on `order_items` only, not `{}`",
                table.name
            ));
        }
        for needed in ["customer_id", "order_time"] {
            if !columns.iter().any(|c| c.name == needed) {
                return Err(mapping_err!(
                    input,
                    "derive_orders needs a `{needed}` column on the lines"
                ));
            }
        }
        for (needed, ty) in [("order_time", ColumnType::Timestamp), ("customer_id", ColumnType::Id)] {
            if columns.iter().any(|c| c.name == needed && c.ty != ty) {
                return Err(mapping_err!(
                    input,
                    "derive_orders: declare `{needed} = \"{}\"` under [types]",
                    if ty == ColumnType::Id { "id" } else { "timestamp" }
                ));
            }
        }
    }
    Ok(Plan {
        disambiguate_ids: table.name == "order_items" && mapping.record_id.is_none(),
        table: table.clone(),
        columns,
        record_id,
        timestamp_formats,
        time_zone,
        numbers,
        return_prefix: mapping.returns.order_id_prefix.clone().filter(|p| !p.is_empty()),
        negative_quantity_is_return: mapping.returns.negative_quantity,
        derive_orders,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use huaxiang_core::schema::table;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn renames_extras_and_required_columns() {
        let t = table("customers").expect("t");
        let mut m = Mapping::default();
        m.rename.insert("crm_id".into(), "customer_id".into());
        let p = resolve(
            &t,
            &m,
            &names(&["crm_id", "name", "created_at"]),
            "x.csv",
            chrono_tz::Asia::Shanghai,
        )
        .expect("plan");
        assert_eq!(
            p.column("customer_id").expect("c").source,
            ValueSource::Input("crm_id".into())
        );
        assert_eq!(p.column("created_at").expect("extra").ty, ColumnType::Text);
        assert_eq!(p.column("phone").expect("phone").source, ValueSource::Absent);
        let err = resolve(
            &t,
            &Mapping::default(),
            &names(&["crm_id"]),
            "x.csv",
            chrono_tz::Asia::Shanghai,
        )
        .expect_err("missing id");
        assert!(err.to_string().contains("--rename COLUMN=customer_id"), "{err}");
    }

    #[test]
    fn mapping_mistakes_are_named() {
        let t = table("orders").expect("t");
        let mut m = Mapping::default();
        m.rename.insert("nope".into(), "order_id".into());
        let err = resolve(&t, &m, &names(&["order_id"]), "o.csv", chrono_tz::Asia::Shanghai).expect_err("unknown");
        assert!(err.to_string().contains("`nope`"), "{err}");
        assert!(err.to_string().contains("o.csv"), "{err}");
    }
}
