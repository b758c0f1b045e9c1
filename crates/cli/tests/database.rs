//! Ingest from a real PostgreSQL and a real MariaDB (started by scripts/test.sh).

mod common;

use std::process::Command;

use common::*;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn servers() -> Option<(String, String, String)> {
    match (
        env("HUAXIANG_TEST_PG_URL"),
        env("HUAXIANG_TEST_MYSQL_URL"),
        env("HUAXIANG_TEST_DB_PASSWORD"),
    ) {
        (Some(pg), Some(my), Some(pw)) => Some((pg, my, pw)),
        _ => {
            assert!(
                env("CI").is_none(),
                "CI must provide the test databases (HUAXIANG_TEST_PG_URL, HUAXIANG_TEST_MYSQL_URL)"
            );
            eprintln!("skipped: no test databases; run scripts/test.sh");
            None
        }
    }
}

fn run_sql(url: &str, password: &str, sql: &str) {
    // Use the ingest reader's own connection path through the CLI is not possible for DDL,
    // so set up the table with the servers' command-line clients.
    let (prog, args): (&str, Vec<String>) = if url.starts_with("postgres") {
        (
            "psql",
            vec![
                url.to_string(),
                "-v".into(),
                "ON_ERROR_STOP=1".into(),
                "-q".into(),
                "-c".into(),
                sql.to_string(),
            ],
        )
    } else {
        let u = url::Url::parse(url).expect("url");
        (
            "mysql",
            vec![
                "-h".into(),
                u.host_str().unwrap_or("127.0.0.1").into(),
                "-P".into(),
                u.port().unwrap_or(3306).to_string(),
                "-u".into(),
                u.username().into(),
                u.path().trim_start_matches('/').into(),
                "-e".into(),
                sql.to_string(),
            ],
        )
    };
    let out = Command::new(prog)
        .args(&args)
        .env("PGPASSWORD", password)
        .env("MYSQL_PWD", password)
        .output()
        .expect("client");
    assert!(out.status.success(), "{prog}: {}", String::from_utf8_lossy(&out.stderr));
}

/// `huaxiang ingest --json --from-db URL` of the test table, the password in an environment variable.
fn ingest_from_db(ws: &std::path::Path, url: &str, source: &str, password: &str) -> std::process::Output {
    Command::new(bin())
        .arg("-w")
        .arg(ws)
        .args([
            "ingest",
            "--json",
            "--table",
            "customers",
            "--source",
            source,
            "--from-db",
            url,
        ])
        .args(["--query", "SELECT * FROM hx_customers", "--password-env", "HX_TEST_PW"])
        .env("HX_TEST_PW", password)
        .output()
        .expect("run")
}

#[test]
fn ingest_customers_from_postgres_and_mariadb() {
    let Some((pg, my, pw)) = servers() else { return };
    for (url, source) in [(&pg, "pg"), (&my, "maria")] {
        run_sql(url, &pw, "DROP TABLE IF EXISTS hx_customers");
        run_sql(
            url,
            &pw,
            "CREATE TABLE hx_customers (customer_id VARCHAR(20), name VARCHAR(50), birth_year INT, signup_time TIMESTAMP NULL, phone VARCHAR(30))",
        );
        run_sql(
            url,
            &pw,
            "INSERT INTO hx_customers VALUES ('C1', '李雷', 1990, '2025-01-01 10:00:00', '13812345678'), ('C2', NULL, 2099, NULL, NULL), (NULL, '无名', 1980, NULL, NULL)",
        );
        let (_tmp, ws) = workspace();
        let out = ingest_from_db(&ws, url, source, &pw);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(
            (v["read"].as_u64(), v["accepted"].as_u64(), v["rejected"].as_u64()),
            (Some(3), Some(2), Some(1)),
            "{source}: {v}"
        );
        assert_eq!(
            scalar(&ws, "SELECT phone FROM customers WHERE customer_id = 'C1'"),
            "138****5678"
        );
        assert_eq!(
            scalar(&ws, "SELECT count(*) FROM quarantine WHERE column_name = 'birth_year'"),
            "1"
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains(&pw));
        // Same content again: nothing added.
        let again = ingest_from_db(&ws, url, source, &pw);
        assert!(again.status.success());
        assert_eq!(scalar(&ws, "SELECT count(*) FROM customers"), "2");
    }
}
