//! Crash safety: `kill -9` during an ingest and during a build leaves every
//! table readable at its last committed version, and re-running finishes the
//! work with nothing lost and nothing duplicated.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const ROWS: usize = 400_000;

fn big_events(path: &Path) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    writeln!(f, "event_id,event_time,customer_id,session_id,event_type").expect("w");
    for i in 0..ROWS {
        writeln!(
            f,
            "E{i:010},2025-03-{:02}T{:02}:00:00+08:00,C{:08},S{:09},page_view",
            1 + i % 28,
            i % 24,
            i % 5000,
            i / 7
        )
        .expect("w");
    }
}

fn kill_after(ws: &Path, args: &[&str], when: impl Fn() -> bool, max: Duration) -> bool {
    let mut child = Command::new(bin())
        .arg("-w")
        .arg(ws)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    while start.elapsed() < max {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if when() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("kill -9");
    child.wait().expect("wait");
    true
}

#[test]
fn kill_during_ingest_then_rerun() {
    let (tmp, ws) = workspace();
    let f = tmp.path().join("events.csv");
    big_events(&f);
    let fs = f.to_string_lossy().to_string();
    let table_dir = ws.join("tables/events");
    // Kill mid-ingest: the table exists (created when the header was read) and rows are streaming.
    let created = std::cell::Cell::new(None::<Instant>);
    let log = table_dir.join("_delta_log");
    let killed = kill_after(
        &ws,
        &["ingest", "--table", "events", "--source", "app", &fs],
        || {
            if created.get().is_none() && log.is_dir() {
                created.set(Some(Instant::now()));
            }
            created.get().is_some_and(|t| t.elapsed() >= Duration::from_millis(300))
        },
        Duration::from_secs(120),
    );
    assert!(
        killed,
        "the ingest finished before it could be killed; make the input larger"
    );
    // Every table is readable; the events table holds all or nothing.
    let n: usize = scalar(&ws, "SELECT count(*) FROM events").parse().expect("count");
    assert!(n == 0 || n == ROWS, "partial commit: {n}");
    // Re-running finishes the work: nothing lost, nothing duplicated.
    ok(&ws, &["ingest", "--table", "events", "--source", "app", &fs]);
    assert_eq!(scalar(&ws, "SELECT count(*) FROM events"), ROWS.to_string());
    assert_eq!(
        scalar(&ws, "SELECT count(DISTINCT record_id) FROM events"),
        ROWS.to_string()
    );
    ok(&ws, &["ingest", "--table", "events", "--source", "app", &fs]);
    assert_eq!(scalar(&ws, "SELECT count(*) FROM events"), ROWS.to_string());
}

#[test]
fn kill_during_build_then_rerun() {
    let (tmp, ws) = workspace();
    let data = demo_data(tmp.path(), 3000, 5);
    ingest_json(
        &ws,
        &[
            "--table",
            "customers",
            "--source",
            "shop",
            &data.join("customers.csv").to_string_lossy(),
        ],
    );
    ingest_json(
        &ws,
        &[
            "--table",
            "events",
            "--source",
            "shop",
            &data.join("events.csv").to_string_lossy(),
        ],
    );
    // The reference: an uninterrupted build in a copy.
    let reference = tmp.path().join("ref");
    copy_dir(&ws, &reference);
    ok(&reference, &["build"]);
    let expected = ok(
        &reference,
        &[
            "sql",
            "--format",
            "csv",
            "SELECT source, record_id, person_id FROM identity_links ORDER BY 1, 2",
        ],
    );
    let expected_anon = scalar(&reference, "SELECT count(*) FROM anonymous_links");
    // Kill the build at several points.
    for delay_ms in [30u64, 150, 400, 900] {
        let start = Instant::now();
        kill_after(
            &ws,
            &["build", "--force"],
            || start.elapsed() >= Duration::from_millis(delay_ms),
            Duration::from_secs(60),
        );
        for t in ["customers", "events"] {
            assert!(!scalar(&ws, &format!("SELECT count(*) FROM {t}")).is_empty());
        }
        if ws.join("tables/identity_links/_delta_log").exists() {
            let n: usize = scalar(&ws, "SELECT count(*) FROM identity_links")
                .parse()
                .expect("count");
            assert!(n == 0 || n == 3000, "identity_links partially written: {n}");
        }
    }
    ok(&ws, &["build"]);
    assert_eq!(
        ok(
            &ws,
            &[
                "sql",
                "--format",
                "csv",
                "SELECT source, record_id, person_id FROM identity_links ORDER BY 1, 2"
            ]
        ),
        expected
    );
    assert_eq!(scalar(&ws, "SELECT count(*) FROM anonymous_links"), expected_anon);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read").flatten() {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).expect("copy");
        }
    }
}
