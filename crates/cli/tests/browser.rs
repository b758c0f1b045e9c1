//! The web UI in real headless Chromium: `huaxiang demo --no-serve` builds a
//! workspace, `huaxiang serve` serves it, and `tests/e2e/ui.mjs` (Playwright's
//! core library driving Debian's `chromium`) signs in, opens every page,
//! checks that the numbers on screen equal the API's, creates a tag through
//! the editor, toggles the language and checks a viewer's limits. Screenshots
//! go to `$CARGO_TARGET_TMPDIR/browser-screenshots`.
//!
//! Needs `chromium` (or `HX_CHROMIUM`), `node` and `npm ci --prefix tests/e2e`;
//! `.ci/run` installs all three. Outside CI the test skips itself when one is
//! missing; under `CI=true` it fails instead.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{hx_env, ok};

fn chromium() -> Option<PathBuf> {
    let p = std::env::var_os("HX_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    p.is_file().then_some(p)
}

fn e2e_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/e2e")
}

fn missing() -> Option<String> {
    if chromium().is_none() {
        return Some("no chromium (apt-get install chromium)".into());
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("no node".into());
    }
    if !e2e_dir().join("node_modules/playwright-core").is_dir() {
        return Some("no playwright-core (npm ci --prefix tests/e2e)".into());
    }
    None
}

#[test]
fn the_ui_works_in_headless_chromium() {
    if let Some(why) = missing() {
        assert!(std::env::var("CI").is_err(), "browser test cannot run under CI: {why}");
        eprintln!("skipped: {why}");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("demo");
    let out = Command::new(common::bin())
        .args(["demo", "--no-serve", "--customers", "800", "--dir"])
        .arg(&ws)
        .env_remove("HUAXIANG_KEY")
        .output()
        .expect("run demo");
    assert!(
        out.status.success(),
        "demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pw = [("HX_PW", "e2e admin password"), ("HX_PW2", "e2e viewer password")];
    for (user, role, var) in [("e2e_admin", "admin", "HX_PW"), ("e2e_viewer", "viewer", "HX_PW2")] {
        let o = hx_env(&ws, &["user", "add", user, "--role", role, "--password-env", var], &pw);
        assert!(o.status.success(), "{}", common::stderr(&o));
    }
    let person = ok(
        &ws,
        &[
            "sql",
            "--format",
            "csv",
            "SELECT person_id FROM features ORDER BY monetary DESC, person_id LIMIT 1",
        ],
    )
    .lines()
    .nth(1)
    .expect("a person")
    .trim()
    .to_string();

    let server = common::serve(&ws);
    let addr = server.addr.clone();

    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    let run = Command::new("node")
        .arg(e2e_dir().join("ui.mjs"))
        .env("HX_URL", format!("http://{addr}"))
        .env("HX_ADMIN", "e2e_admin:e2e admin password")
        .env("HX_VIEWER", "e2e_viewer:e2e viewer password")
        .env("HX_PERSON", &person)
        .env("HX_OUT", &shots)
        .env("HX_CHROMIUM", chromium().expect("chromium"))
        .output()
        .expect("run node");
    let report = String::from_utf8_lossy(&run.stdout);
    eprintln!("{report}\n{}", String::from_utf8_lossy(&run.stderr));
    eprintln!("screenshots: {}", shots.display());
    drop(server);
    assert!(
        run.status.success() && report.contains("all browser checks passed"),
        "browser checks failed:\n{report}"
    );
    for page in ["overview", "segments", "customer", "tags", "behavior", "models", "data"] {
        assert!(shots.join(format!("{page}.png")).is_file(), "screenshot of {page}");
    }
}
