//! Helpers shared by the CLI integration tests: run the real binary on a temporary workspace.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_huaxiang"))
}

/// Runs `huaxiang -w WS ARGS…` and returns its output.
pub fn hx(ws: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .arg("-w")
        .arg(ws)
        .args(args)
        .env_remove("HUAXIANG_KEY")
        .output()
        .expect("run huaxiang")
}

/// Runs the binary with extra environment variables.
pub fn hx_env(ws: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(bin());
    c.arg("-w").arg(ws).args(args).env_remove("HUAXIANG_KEY");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run huaxiang")
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs and asserts success; returns stdout.
pub fn ok(ws: &Path, args: &[&str]) -> String {
    let out = hx(ws, args);
    assert!(
        out.status.success(),
        "huaxiang {args:?} failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A fresh workspace in a temporary directory.
pub fn workspace() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    ok(&ws, &["init"]);
    (tmp, ws)
}

/// The single value of a one-row, one-column query.
pub fn scalar(ws: &Path, sql: &str) -> String {
    let out = ok(ws, &["sql", "--format", "csv", sql]);
    out.lines().nth(1).unwrap_or("").trim().to_string()
}

/// Parses the one JSON object of `ingest --json`.
pub fn ingest_json(ws: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["ingest", "--json"];
    all.extend_from_slice(args);
    let out = ok(ws, &all);
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("not one JSON object ({e}): {out}"))
}

/// The shared data folder beside the repository, if present.
pub fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    p.is_dir().then_some(p)
}

/// Generates demo data (the bench generator's schema, with truth files) under `dir/data`.
pub fn demo_data(dir: &Path, customers: usize, seed: u64) -> PathBuf {
    let data = dir.join("data");
    huaxiang_demo::generate(
        &huaxiang_demo::DemoOptions::new()
            .with_customers(customers)
            .with_seed(seed),
        &data,
    )
    .expect("generate");
    data
}

/// `huaxiang sql --reveal --format csv QUERY`: personal data in plain text.
pub fn revealed_csv(ws: &Path, sql: &str) -> String {
    ok(ws, &["sql", "--reveal", "--format", "csv", sql])
}

/// Ingests the demo CSVs of `tables` (e.g. `["customers", "orders"]`) from `data` as source `shop`.
pub fn ingest_tables(ws: &Path, data: &Path, tables: &[&str]) {
    for t in tables {
        let file = data.join(format!("{t}.csv"));
        ingest_json(ws, &["--table", t, "--source", "shop", &file.to_string_lossy()]);
    }
}

/// The peer Python of `$HUAXIANG_PYTHON` (pandas, scikit-learn, mlxtend…), if set.
#[allow(dead_code)]
pub fn python() -> Option<PathBuf> {
    let p = std::env::var_os("HUAXIANG_PYTHON").map(PathBuf::from)?;
    p.is_file().then_some(p)
}

/// The S data set of the shared generator (seed 42) under `dir`, or `None`
/// outside CI when the shared folder or the peer Python is missing.
#[allow(dead_code)]
pub fn generated_s(dir: &Path) -> Option<PathBuf> {
    let (Some(shared), Some(py)) = (shared(), python()) else {
        assert!(std::env::var("CI").is_err(), "CI needs ../shared and $HUAXIANG_PYTHON");
        eprintln!("skipped: the shared folder or the peer Python (HUAXIANG_PYTHON) is missing");
        return None;
    };
    let out = dir.join("S");
    let run = Command::new(py)
        .arg(shared.join("bench/gen_data.py"))
        .args(["--customers", "10000", "--seed", "42", "--out"])
        .arg(&out)
        .output()
        .expect("run the generator");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    Some(out)
}

/// A running `huaxiang serve` on a free port; stopped when dropped.
pub struct Served {
    child: std::process::Child,
    /// `host:port` from the first line the server printed.
    pub addr: String,
    /// Kept open: the server prints more lines after the URL.
    _stdout: std::io::BufReader<std::process::ChildStdout>,
}

/// Starts `huaxiang -w WS serve --bind 127.0.0.1:0` and reads its address.
pub fn serve(ws: &Path) -> Served {
    use std::io::BufRead;
    let mut child = Command::new(bin())
        .arg("-w")
        .arg(ws)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env_remove("HUAXIANG_KEY")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start huaxiang serve");
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    lines.read_line(&mut first).expect("first line");
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("a URL: {first}"))
        .to_string();
    Served {
        child,
        addr,
        _stdout: lines,
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
