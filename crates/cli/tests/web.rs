//! `huaxiang user add` and `huaxiang serve`.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;

use common::{hx, hx_env, ok, stderr, workspace};

#[test]
fn user_add_prints_a_generated_password_once_and_stores_a_hash() {
    let (_tmp, ws) = workspace();
    let out = ok(&ws, &["user", "add", "alice", "--role", "analyst"]);
    let password = out
        .lines()
        .find_map(|l| l.split("(shown once): ").nth(1))
        .unwrap_or_else(|| panic!("a generated password: {out}"))
        .trim()
        .to_string();
    assert!(password.len() >= 16, "{password}");
    let users = std::fs::read_to_string(ws.join("meta/users.json")).expect("users.json");
    assert!(users.contains("\"alice\"") && users.contains("$argon2"), "{users}");
    assert!(!users.contains(&password), "the password is stored hashed");

    let given = hx_env(
        &ws,
        &["user", "add", "bob", "--role", "viewer", "--password-env", "HX_TEST_PW"],
        &[("HX_TEST_PW", "a long enough password")],
    );
    assert!(given.status.success(), "{}", stderr(&given));
    assert!(!String::from_utf8_lossy(&given.stdout).contains("shown once"));

    let bad = hx(&ws, &["user", "add", "carol", "--role", "root"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("unknown role"), "{}", stderr(&bad));
    let again = hx(&ws, &["user", "add", "alice", "--role", "admin"]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("already exists"), "{}", stderr(&again));
    let list = ok(&ws, &["user", "list"]);
    assert!(
        list.contains("alice\tanalyst") && list.contains("bob\tviewer"),
        "{list}"
    );
}

#[test]
fn serve_prints_its_url_and_answers() {
    let (_tmp, ws) = workspace();
    let server = common::serve(&ws);
    let addr = server.addr.clone();
    let mut conn = TcpStream::connect(&addr).expect("connect");
    conn.write_all(format!("GET /api/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())
        .expect("send");
    let mut reply = String::new();
    conn.read_to_string(&mut reply).expect("reply");
    drop(server);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("\"status\":\"ok\""), "{reply}");
}
