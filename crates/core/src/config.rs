//! `huaxiang.toml`: a workspace's sources, mappings and settings.
//!
//! The file is the single place where a workspace is described, so it is meant
//! to be read and edited by people: `huaxiang init` writes it with every
//! setting documented inline ([`TEMPLATE`]), and unknown keys are errors rather
//! than silently ignored typos.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};

/// The name of the configuration file inside a workspace directory.
pub const CONFIG_FILE: &str = "huaxiang.toml";

/// A whole `huaxiang.toml`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub workspace: WorkspaceSettings,
    #[serde(default)]
    pub privacy: PrivacySettings,
    #[serde(default)]
    pub ingest: IngestSettings,
    #[serde(default)]
    pub identity: IdentitySettings,
    #[serde(default)]
    pub sources: Vec<SourceConfig>,
    /// User-defined features: SQL expressions computed per person next to the built-in ones.
    #[serde(default)]
    pub features: Vec<FeatureConfig>,
    /// Natural-language questions (`huaxiang ask`, `POST /api/ask`).
    #[serde(default)]
    pub ask: AskSettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceSettings {
    /// IANA zone in which days, months and as-of boundaries are counted.
    #[serde(default = "default_tz")]
    pub time_zone: String,
    /// Country calling code assumed for phone numbers written without one.
    #[serde(default = "default_country")]
    pub default_country: String,
}

impl Default for WorkspaceSettings {
    fn default() -> Self {
        Self {
            time_zone: default_tz(),
            default_country: default_country(),
        }
    }
}

fn default_tz() -> String {
    crate::time::DEFAULT_TIME_ZONE.to_string()
}
fn default_country() -> String {
    "86".to_string()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacySettings {
    /// Environment variable holding the base64 master key; it wins over the key file.
    #[serde(default = "default_key_env")]
    pub key_env: String,
    /// Key file, relative to the workspace, created by `init` with mode 0600.
    #[serde(default = "default_key_file")]
    pub key_file: String,
    /// OS user names allowed to reveal personal data in exports (`segment export --reveal`);
    /// empty: anyone who has the key.
    #[serde(default)]
    pub reveal_users: Vec<String>,
}

impl Default for PrivacySettings {
    fn default() -> Self {
        Self {
            key_env: default_key_env(),
            key_file: default_key_file(),
            reveal_users: Vec::new(),
        }
    }
}

fn default_key_env() -> String {
    "HUAXIANG_KEY".to_string()
}
fn default_key_file() -> String {
    ".huaxiang/key".to_string()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestSettings {
    /// Rows per batch while streaming an input.
    #[serde(default = "default_batch_rows")]
    pub batch_rows: usize,
}

impl Default for IngestSettings {
    fn default() -> Self {
        Self {
            batch_rows: default_batch_rows(),
        }
    }
}

fn default_batch_rows() -> usize {
    65_536
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentitySettings {
    /// Extra regular expressions of junk identifier values, on top of the built-in list.
    #[serde(default)]
    pub blocklist: Vec<String>,
    /// An identifier value shared by more records than this is treated as junk.
    #[serde(default = "default_max_per_identifier")]
    pub max_records_per_identifier: usize,
    /// A person never grows beyond this many records.
    #[serde(default = "default_max_per_person")]
    pub max_records_per_person: usize,
    /// Minimum match probability for a probabilistic link.
    #[serde(default = "default_threshold")]
    pub match_threshold: f64,
}

impl Default for IdentitySettings {
    fn default() -> Self {
        Self {
            blocklist: Vec::new(),
            max_records_per_identifier: default_max_per_identifier(),
            max_records_per_person: default_max_per_person(),
            match_threshold: default_threshold(),
        }
    }
}

fn default_max_per_identifier() -> usize {
    20
}
fn default_max_per_person() -> usize {
    50
}
fn default_threshold() -> f64 {
    0.9
}

/// `[ask]`: natural-language questions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AskSettings {
    /// `[ask.llm]`: the optional language-model fallback; absent, questions stay offline.
    #[serde(default)]
    pub llm: Option<LlmSettings>,
}

/// `[ask.llm]`: an OpenAI-compatible chat-completions endpoint asked to write
/// SQL for the questions the offline parser cannot answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmSettings {
    /// The API base, e.g. `http://127.0.0.1:11434/v1`; requests go to `{base_url}/chat/completions`.
    pub base_url: String,
    /// The model name sent with every request.
    pub model: String,
    /// The NAME of the environment variable holding the API key (sent as a
    /// bearer token); none for local servers without a key.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Seconds allowed for the model's reply, and again for running its SQL.
    #[serde(default = "default_llm_timeout")]
    pub timeout_secs: u64,
    /// The largest `LIMIT` the model's SQL may have.
    #[serde(default = "default_llm_max_rows")]
    pub max_rows: usize,
}

fn default_llm_timeout() -> u64 {
    20
}
fn default_llm_max_rows() -> usize {
    1000
}

/// The largest accepted `ask.llm.timeout_secs`.
pub const LLM_MAX_TIMEOUT_SECS: u64 = 600;
/// The largest accepted `ask.llm.max_rows`.
pub const LLM_MAX_ROWS: usize = 100_000;

/// A source declared in the configuration: files or a database query, ingested
/// into one canonical table under one source name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub name: String,
    pub table: String,
    /// Files (paths relative to the workspace, or absolute).
    #[serde(default)]
    pub files: Vec<String>,
    /// A mapping file (relative to the workspace, or absolute).
    #[serde(default)]
    pub map: Option<String>,
    /// Inline renames: source column = canonical column.
    #[serde(default)]
    pub rename: BTreeMap<String, String>,
    /// Database URL without a password (`postgres://user@host:5432/db`, `mysql://…`).
    #[serde(default)]
    pub url: Option<String>,
    /// Environment variable that holds the database password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// The SQL query or table name to read from the database.
    #[serde(default)]
    pub query: Option<String>,
}

/// A user-defined feature (`[[features]]`): one more column of the `features`
/// table, an SQL expression over the feature and person-attribute columns of
/// the same person, evaluated in the features plan of every build.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureConfig {
    /// Column name: lowercase letters, digits and `_`, starting with a letter.
    pub name: String,
    /// A scalar SQL expression, e.g. `monetary / nullif(tenure_days, 0)`.
    pub sql: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// How a source's columns become canonical columns. Read from a mapping file
/// (`--map FILE.toml`) and extended by `--rename FROM=TO`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Target table, when the mapping is meant for one.
    #[serde(default)]
    pub table: Option<String>,
    /// Source column = canonical (or new) column name.
    #[serde(default)]
    pub rename: BTreeMap<String, String>,
    /// Column = constant text value, for every row.
    #[serde(default)]
    pub constant: BTreeMap<String, String>,
    /// Column = SQL expression over the (renamed, typed) columns, e.g. `qty * unit_price`.
    #[serde(default)]
    pub derive: BTreeMap<String, String>,
    /// Types of non-canonical columns: `text`, `id`, `int`, `decimal`, `bool`, `timestamp`.
    #[serde(default)]
    pub types: BTreeMap<String, String>,
    /// Input columns not to keep (unmapped columns are kept as text otherwise).
    #[serde(default)]
    pub drop: Vec<String>,
    /// Extra columns holding personal data: encrypted and hashed like phone and e-mail.
    #[serde(default)]
    pub pii: Vec<String>,
    /// The column that holds each row's id in its source (default: the table's key).
    #[serde(default)]
    pub record_id: Option<String>,
    #[serde(default)]
    pub timestamp: TimestampMapping,
    #[serde(default)]
    pub number: NumberMapping,
    #[serde(default)]
    pub returns: ReturnsMapping,
    #[serde(default)]
    pub derive_orders: DeriveOrders,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimestampMapping {
    /// Accepted formats, tried in order: `iso8601`, `unix_s`, `unix_ms`, or a strftime pattern.
    #[serde(default = "default_ts_formats")]
    pub formats: Vec<String>,
    /// Zone for timestamps written without an offset (default: the workspace's).
    #[serde(default)]
    pub time_zone: Option<String>,
}

impl Default for TimestampMapping {
    fn default() -> Self {
        Self {
            formats: default_ts_formats(),
            time_zone: None,
        }
    }
}

fn default_ts_formats() -> Vec<String> {
    vec!["iso8601".to_string()]
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberMapping {
    /// Thousands separator accepted in decimals (`,` by default; empty string for none).
    #[serde(default = "default_thousands")]
    pub thousands: String,
    /// Decimal point.
    #[serde(default = "default_decimal")]
    pub decimal: String,
}

impl Default for NumberMapping {
    fn default() -> Self {
        Self {
            thousands: default_thousands(),
            decimal: default_decimal(),
        }
    }
}

fn default_thousands() -> String {
    ",".to_string()
}
fn default_decimal() -> String {
    ".".to_string()
}

/// How returns are recognised in order lines and orders.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnsMapping {
    /// An order id starting with this prefix is a cancellation / return (e.g. `C`).
    #[serde(default)]
    pub order_id_prefix: Option<String>,
    /// A line with a negative quantity is a return.
    #[serde(default = "default_true")]
    pub negative_quantity: bool,
}

fn default_true() -> bool {
    true
}

/// Deriving `orders` from `order_items` for sources that only have invoice lines.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeriveOrders {
    /// Derive orders from this source's lines (needs `customer_id` and `order_time` on the lines).
    #[serde(default)]
    pub enabled: bool,
}

impl Config {
    /// Reads and validates `DIR/huaxiang.toml`.
    pub fn load(dir: &Path) -> Result<Config> {
        let path = dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| CoreError::Io {
            path: path.clone(),
            source,
        })?;
        Self::parse(&text, &path)
    }

    /// Parses configuration text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let cfg: Config = toml::from_str(text).map_err(|e| CoreError::Config {
            path: path.into(),
            message: e.to_string(),
        })?;
        crate::time::parse_tz(&cfg.workspace.time_zone)?;
        let mut seen = std::collections::BTreeSet::new();
        for s in &cfg.sources {
            if s.name.trim().is_empty() {
                return Err(crate::config_err!(path, "a [[sources]] entry has an empty name"));
            }
            if !seen.insert(s.name.as_str()) {
                return Err(crate::config_err!(path, "source `{}` is declared twice", s.name));
            }
            crate::schema::table_or_err(&s.table)?;
            if s.files.is_empty() && s.url.is_none() {
                return Err(crate::config_err!(
                    path,
                    "source `{}` has neither `files` nor `url`",
                    s.name
                ));
            }
            if s.url.is_some() && s.query.is_none() {
                return Err(crate::config_err!(
                    path,
                    "source `{}` has a `url` but no `query`",
                    s.name
                ));
            }
            if let Some(url) = &s.url
                && url_has_password(url)
            {
                return Err(crate::config_err!(
                    path,
                    "source `{}`: the database URL contains a password; put it in an environment variable and name it in `password_env`",
                    s.name
                ));
            }
        }
        validate_features(&cfg.features, path)?;
        if let Some(llm) = &cfg.ask.llm {
            validate_llm(llm, path)?;
        }
        Ok(cfg)
    }

    /// The workspace time zone.
    pub fn time_zone(&self) -> Result<chrono_tz::Tz> {
        crate::time::parse_tz(&self.workspace.time_zone)
    }
}

impl Mapping {
    /// Reads a mapping file.
    pub fn load(path: &Path) -> Result<Mapping> {
        let text = std::fs::read_to_string(path).map_err(|source| CoreError::Io {
            path: path.into(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| CoreError::Config {
            path: path.into(),
            message: e.to_string(),
        })
    }
}

/// Checks what can be checked of `[[features]]` without data: names and
/// non-empty expressions. Columns are checked when a build starts.
fn validate_features(features: &[FeatureConfig], path: &Path) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for f in features {
        let valid = f.name.starts_with(|c: char| c.is_ascii_lowercase())
            && f.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Err(crate::config_err!(
                path,
                "feature `{}`: a name must start with a lowercase letter and hold only a-z, 0-9 and _",
                f.name
            ));
        }
        if !seen.insert(f.name.as_str()) {
            return Err(crate::config_err!(path, "feature `{}` is declared twice", f.name));
        }
        if f.sql.trim().is_empty() {
            return Err(crate::config_err!(path, "feature `{}` has an empty `sql`", f.name));
        }
    }
    Ok(())
}

/// Checks `[ask.llm]`: an http(s) base URL without credentials, a model
/// name, a variable NAME (not a key) and bounded timeout and row limit.
fn validate_llm(llm: &LlmSettings, path: &Path) -> Result<()> {
    let url = llm.base_url.trim();
    if url.is_empty() {
        return Err(crate::config_err!(path, "[ask.llm] has an empty `base_url`"));
    }
    let scheme_ok = url
        .split_once("://")
        .is_some_and(|(s, rest)| matches!(s.to_ascii_lowercase().as_str(), "http" | "https") && !rest.is_empty());
    if !scheme_ok {
        return Err(crate::config_err!(
            path,
            "[ask.llm] `base_url` must be an http:// or https:// URL such as http://127.0.0.1:11434/v1"
        ));
    }
    let authority = url
        .split_once("://")
        .map(|(_, r)| r.split(['/', '?', '#']).next().unwrap_or(""))
        .unwrap_or("");
    if authority.contains('@') || url.contains('?') {
        return Err(crate::config_err!(
            path,
            "[ask.llm] `base_url` must not carry credentials or a query string; put the API key in an environment variable and name it in `api_key_env`"
        ));
    }
    if llm.model.trim().is_empty() {
        return Err(crate::config_err!(path, "[ask.llm] has an empty `model`"));
    }
    if let Some(var) = &llm.api_key_env {
        let valid = var.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            // Never echo the value: it may be the key itself, pasted by mistake.
            return Err(crate::config_err!(
                path,
                "[ask.llm] `api_key_env` must be the NAME of an environment variable (letters, digits and _, e.g. HUAXIANG_LLM_KEY), never the key itself"
            ));
        }
    }
    if llm.timeout_secs == 0 || llm.timeout_secs > LLM_MAX_TIMEOUT_SECS {
        return Err(crate::config_err!(
            path,
            "[ask.llm] `timeout_secs` must be between 1 and {LLM_MAX_TIMEOUT_SECS}, not {}",
            llm.timeout_secs
        ));
    }
    if llm.max_rows == 0 || llm.max_rows > LLM_MAX_ROWS {
        return Err(crate::config_err!(
            path,
            "[ask.llm] `max_rows` must be between 1 and {LLM_MAX_ROWS}, not {}",
            llm.max_rows
        ));
    }
    Ok(())
}

/// Whether a URL of the form `scheme://user:password@host/…` carries a password.
pub fn url_has_password(url: &str) -> bool {
    let Some(rest) = url.split_once("://").map(|(_, r)| r) else {
        return false;
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    match authority.rsplit_once('@') {
        Some((userinfo, _)) => userinfo.contains(':'),
        None => false,
    }
}

/// Resolves a path from the configuration against the workspace directory.
pub fn resolve_path(dir: &Path, p: &str) -> PathBuf {
    let path = Path::new(p);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        dir.join(path)
    }
}

/// The commented `huaxiang.toml` that `huaxiang init` writes.
pub const TEMPLATE: &str = r#"# Huaxiang workspace configuration.
# Every table of this workspace lives under tables/ as a Delta Lake table.

[workspace]
# IANA time zone in which every "day", "month" and as-of boundary is counted.
time_zone = "Asia/Shanghai"
# Country calling code assumed for phone numbers written without one.
default_country = "86"

[privacy]
# Names, phones, e-mails and any column a mapping marks `pii` are encrypted at
# rest (AES-256-GCM) and matched through keyed hashes (HMAC-SHA256).
# The master key is read from this environment variable (base64, 32 bytes) ...
key_env = "HUAXIANG_KEY"
# ... or, when the variable is unset, from this file (created by `init`, mode 0600).
key_file = ".huaxiang/key"
# OS users ($USER) allowed to export personal data in plain text
# (`huaxiang segment export --reveal`), e.g. ["alice", "bob"]. Empty: anyone
# who has the key. Anybody else is refused (masked exports still work).
reveal_users = []

[ingest]
# Rows per batch while streaming an input; memory use is bounded by it.
batch_rows = 65536

[identity]
# Extra regular expressions of junk identifier values that must never link
# people, on top of the built-in list (empty, null, -1, unknown, 00000000000 ...).
blocklist = []
# An identifier value shared by more records than this is treated as junk.
max_records_per_identifier = 20
# A person never grows beyond this many records.
max_records_per_person = 50
# Minimum match probability for a probabilistic (fuzzy) link.
match_threshold = 0.9

# Sources ingested by a plain `huaxiang ingest`. One block per source:
#
# [[sources]]
# name = "shop"                  # source name, stored in every row's `source`
# table = "customers"            # canonical table
# files = ["data/customers.csv"] # CSV (any delimiter, gzip), JSON Lines or Parquet
# map = "maps/shop.toml"         # optional mapping file
# rename = { crm_id = "customer_id" }
#
# [[sources]]
# name = "erp"
# table = "orders"
# url = "postgres://reader@db.example.com:5432/erp"   # never put a password here
# password_env = "ERP_DB_PASSWORD"                     # the password comes from this variable
# query = "SELECT * FROM orders"

# Questions in Chinese or English (`huaxiang ask`, the ask box of the web UI)
# are answered offline from the metric catalog. Optionally, a question the
# offline parser cannot answer is sent to a language model: any
# OpenAI-compatible chat-completions endpoint (Ollama, vLLM, llama.cpp, a
# hosted API). The model gets the table columns, the metric catalog and the
# as-of day, and only writes SQL; that SQL runs only if it is one SELECT over
# the analytics tables with a LIMIT of at most `max_rows`, read-only and with
# personal data masked. Without this section nothing leaves the machine.
#
# [ask.llm]
# base_url = "http://127.0.0.1:11434/v1"   # requests go to {base_url}/chat/completions
# model = "qwen2.5:7b-instruct"
# api_key_env = "HUAXIANG_LLM_KEY"          # NAME of the variable holding the key; omit for a local server
# timeout_secs = 20                         # for the model's reply, and again for running its SQL
# max_rows = 1000                           # the SQL must end with LIMIT n, n <= max_rows

# Your own features: extra columns of the `features` table, computed by every
# `huaxiang build` in the same plan as the built-in ones. `sql` is a scalar SQL
# expression over the feature columns (recency_days, frequency, monetary, ...)
# and person attributes (gender, birth_year, city, acquisition_channel,
# record_count, first_signup_time, age_band) of the same person, and over
# features declared above it. An unknown column stops the build with its name.
#
# [[features]]
# name = "spend_per_tenure_day"                 # column name: a-z, 0-9, _
# sql = "monetary / nullif(tenure_days, 0)"
# description = "paid spend per day since signup"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_parses_with_defaults() {
        let cfg = Config::parse(TEMPLATE, Path::new("huaxiang.toml")).expect("template");
        assert_eq!(cfg.workspace.time_zone, "Asia/Shanghai");
        assert_eq!(cfg.identity.max_records_per_person, 50);
        assert!(cfg.sources.is_empty());
        assert!(cfg.privacy.reveal_users.is_empty());
        let listed = Config::parse("[privacy]\nreveal_users = ['alice']\n", Path::new("h.toml")).expect("users");
        assert_eq!(listed.privacy.reveal_users, vec!["alice".to_string()]);
    }

    #[test]
    fn rejects_passwords_typos_and_unknown_tables() {
        let with_pw = "[[sources]]\nname='a'\ntable='orders'\nurl='postgres://u:secret@h/db'\nquery='x'\n";
        let err = Config::parse(with_pw, Path::new("h.toml")).expect_err("password");
        assert!(err.to_string().contains("password_env"), "{err}");
        assert!(!err.to_string().contains("secret"));
        assert!(Config::parse("[workspace]\ntime_zon='UTC'\n", Path::new("h.toml")).is_err());
        let bad_table = "[[sources]]\nname='a'\ntable='order'\nfiles=['x.csv']\n";
        assert!(Config::parse(bad_table, Path::new("h.toml")).is_err());
    }

    #[test]
    fn user_features_parse_and_names_are_checked() {
        let ok = "[[features]]\nname = 'spend_x2'\nsql = 'monetary * 2'\ndescription = 'd'\n";
        let cfg = Config::parse(ok, Path::new("h.toml")).expect("feature");
        assert_eq!(cfg.features.len(), 1);
        assert_eq!(cfg.features[0].sql, "monetary * 2");
        for (bad, needle) in [
            ("[[features]]\nname = 'Bad-Name'\nsql = '1'\n", "Bad-Name"),
            ("[[features]]\nname = 'a'\nsql = ' '\n", "empty `sql`"),
            (
                "[[features]]\nname = 'a'\nsql = '1'\n[[features]]\nname = 'a'\nsql = '2'\n",
                "twice",
            ),
            ("[[features]]\nname = 'a'\nsql = '1'\nexpr = '2'\n", "expr"),
        ] {
            let err = Config::parse(bad, Path::new("h.toml")).expect_err(bad);
            assert!(err.to_string().contains(needle), "{bad}: {err}");
        }
    }

    #[test]
    fn ask_llm_is_optional_defaulted_and_checked() {
        let off = Config::parse(TEMPLATE, Path::new("h.toml")).expect("template");
        assert!(off.ask.llm.is_none(), "the template stays offline");
        let on = "[ask.llm]\nbase_url = 'http://127.0.0.1:11434/v1'\nmodel = 'qwen'\n";
        let cfg = Config::parse(on, Path::new("h.toml")).expect("llm");
        let llm = cfg.ask.llm.expect("section");
        assert_eq!(llm.model, "qwen");
        assert_eq!(llm.api_key_env, None);
        assert_eq!((llm.timeout_secs, llm.max_rows), (20, 1000));
        // The commented example in the template, uncommented, is a valid section.
        let example: String = TEMPLATE
            .lines()
            .skip_while(|l| *l != "# [ask.llm]")
            .take_while(|l| !l.trim().is_empty())
            .map(|l| l.trim_start_matches("# "))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(example.starts_with("[ask.llm]"), "{example}");
        let example = Config::parse(&example, Path::new("h.toml")).expect("the commented example parses");
        let ex = example.ask.llm.expect("example section");
        assert_eq!(ex.api_key_env.as_deref(), Some("HUAXIANG_LLM_KEY"));
        for (bad, needle) in [
            ("[ask.llm]\nbase_url = 'http://h/v1'\nmodel = 'm'\nkey = 'x'\n", "key"),
            ("[ask]\nllm_url = 'x'\n", "llm_url"),
            ("[ask.llm]\nmodel = 'm'\n", "base_url"),
            ("[ask.llm]\nbase_url = ''\nmodel = 'm'\n", "empty `base_url`"),
            ("[ask.llm]\nbase_url = 'ftp://h'\nmodel = 'm'\n", "http://"),
            ("[ask.llm]\nbase_url = 'https://u:p@h/v1'\nmodel = 'm'\n", "api_key_env"),
            (
                "[ask.llm]\nbase_url = 'https://h/v1?key=abc'\nmodel = 'm'\n",
                "query string",
            ),
            ("[ask.llm]\nbase_url = 'http://h/v1'\nmodel = ' '\n", "empty `model`"),
            (
                "[ask.llm]\nbase_url = 'http://h/v1'\nmodel = 'm'\napi_key_env = 'sk-abc123'\n",
                "NAME",
            ),
            (
                "[ask.llm]\nbase_url = 'http://h/v1'\nmodel = 'm'\ntimeout_secs = 0\n",
                "timeout_secs",
            ),
            (
                "[ask.llm]\nbase_url = 'http://h/v1'\nmodel = 'm'\nmax_rows = 0\n",
                "max_rows",
            ),
            (
                "[ask.llm]\nbase_url = 'http://h/v1'\nmodel = 'm'\nmax_rows = 1000000\n",
                "max_rows",
            ),
        ] {
            let err = Config::parse(bad, Path::new("h.toml")).expect_err(bad);
            assert!(err.to_string().contains(needle), "{bad}: {err}");
            assert!(!err.to_string().contains("sk-abc123"), "the key is never echoed: {err}");
        }
    }

    #[test]
    fn password_detection() {
        assert!(url_has_password("mysql://u:p@h:3306/db"));
        assert!(!url_has_password("mysql://u@h:3306/db"));
        assert!(!url_has_password("postgres://h/db?x=a:b@c"));
    }
}
