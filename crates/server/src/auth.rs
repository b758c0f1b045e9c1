//! Users, password hashing, sessions and API tokens.
//!
//! Users live in `meta/users.json` of the workspace with an argon2 hash of
//! their password and the SHA-256 hashes of their API tokens; no secret is
//! stored in plain text. A login creates a random session token kept only in
//! memory (keyed by its hash) and sent as an HttpOnly, SameSite=Strict cookie;
//! an API token is shown once and sent as `Authorization: Bearer …`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use chrono::{DateTime, Utc};
use huaxiang_store::Workspace;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::roles::Role;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "hx_session";
/// How long a session lasts without a new login.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// The users file inside the workspace's meta folder.
pub const USERS_FILE: &str = "users.json";

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("用户名无效 / invalid user name `{0}`: use 1–64 letters, digits, `_`, `-` or `.`")]
    InvalidName(String),
    #[error("用户已存在 / user `{0}` already exists")]
    UserExists(String),
    #[error("没有此用户 / no user `{0}`")]
    UnknownUser(String),
    #[error("密码太短 / the password must have at least 8 characters")]
    WeakPassword,
    #[error("密码哈希失败 / password hashing failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] huaxiang_store::StoreError),
}

/// One API token, stored as the SHA-256 of its text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredToken {
    pub hash: String,
    pub label: String,
    pub created: DateTime<Utc>,
}

/// One user as stored in `users.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    #[serde(default)]
    pub tokens: Vec<StoredToken>,
    pub created: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct UsersFile {
    users: Vec<User>,
}

/// Serialises the read-modify-write of `users.json` within this process.
static USERS_LOCK: Mutex<()> = Mutex::new(());

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub role: Role,
}

fn users_path(ws: &Workspace) -> PathBuf {
    ws.meta_dir().join(USERS_FILE)
}

fn load(ws: &Workspace) -> Result<UsersFile, AuthError> {
    Ok(huaxiang_store::meta::read_json(&users_path(ws))?.unwrap_or_default())
}

fn save(ws: &Workspace, f: &UsersFile) -> Result<(), AuthError> {
    Ok(huaxiang_store::meta::write_json(&users_path(ws), f)?)
}

/// Every user (name and role), in file order.
pub fn users(ws: &Workspace) -> Result<Vec<(String, Role)>, AuthError> {
    Ok(load(ws)?.users.into_iter().map(|u| (u.name, u.role)).collect())
}

fn check_name(name: &str) -> Result<(), AuthError> {
    let ok = !name.is_empty()
        && name.chars().count() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(AuthError::InvalidName(name.to_string()))
    }
}

/// The argon2 (PHC string) hash of `password` with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Whether `password` matches the stored PHC hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A random password of 20 characters (letters and digits, no look-alikes).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
        .collect()
}

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// The hex SHA-256 of a token, which is all that is kept of it.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Adds user `name` with `role` and `password` to the workspace.
pub fn add_user(ws: &Workspace, name: &str, role: Role, password: &str) -> Result<(), AuthError> {
    check_name(name)?;
    if password.chars().count() < 8 {
        return Err(AuthError::WeakPassword);
    }
    let _guard = USERS_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let mut f = load(ws)?;
    if f.users.iter().any(|u| u.name == name) {
        return Err(AuthError::UserExists(name.to_string()));
    }
    f.users.push(User {
        name: name.to_string(),
        role,
        password_hash: hash_password(password)?,
        tokens: Vec::new(),
        created: Utc::now(),
    });
    save(ws, &f)
}

/// Gives user `name` a new password (their API tokens stay valid).
pub fn set_password(ws: &Workspace, name: &str, password: &str) -> Result<(), AuthError> {
    if password.chars().count() < 8 {
        return Err(AuthError::WeakPassword);
    }
    let _guard = USERS_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let mut f = load(ws)?;
    let user = f
        .users
        .iter_mut()
        .find(|u| u.name == name)
        .ok_or_else(|| AuthError::UnknownUser(name.to_string()))?;
    user.password_hash = hash_password(password)?;
    save(ws, &f)
}

/// The user `name` if `password` is theirs.
pub fn check_password(ws: &Workspace, name: &str, password: &str) -> Result<Option<Principal>, AuthError> {
    let f = load(ws)?;
    Ok(f.users
        .iter()
        .find(|u| u.name == name)
        .filter(|u| verify_password(password, &u.password_hash))
        .map(|u| Principal {
            name: u.name.clone(),
            role: u.role,
        }))
}

/// Creates an API token for `name`; returns its text, which is not stored.
pub fn create_token(ws: &Workspace, name: &str, label: &str) -> Result<String, AuthError> {
    let _guard = USERS_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let mut f = load(ws)?;
    let user = f
        .users
        .iter_mut()
        .find(|u| u.name == name)
        .ok_or_else(|| AuthError::UnknownUser(name.to_string()))?;
    let token = format!("hx_{}", random_token());
    user.tokens.push(StoredToken {
        hash: token_hash(&token),
        label: label.to_string(),
        created: Utc::now(),
    });
    save(ws, &f)?;
    Ok(token)
}

/// The user holding API token `token`.
pub fn token_user(ws: &Workspace, token: &str) -> Result<Option<Principal>, AuthError> {
    let h = token_hash(token);
    Ok(load(ws)?
        .users
        .into_iter()
        .find(|u| u.tokens.iter().any(|t| t.hash == h))
        .map(|u| Principal {
            name: u.name,
            role: u.role,
        }))
}

/// In-memory sessions, keyed by the SHA-256 of the cookie's token.
#[derive(Debug, Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, (Principal, Instant)>>,
}

impl Sessions {
    /// Starts a session for `who`; returns the cookie's token.
    pub fn start(&self, who: Principal) -> String {
        let token = random_token();
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        map.retain(|_, (_, at)| now.duration_since(*at) < SESSION_TTL);
        map.insert(token_hash(&token), (who, now));
        token
    }

    /// The user of a live session.
    pub fn get(&self, token: &str) -> Option<Principal> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&token_hash(token))
            .filter(|(_, at)| at.elapsed() < SESSION_TTL)
            .map(|(p, _)| p.clone())
    }

    /// Ends a session.
    pub fn end(&self, token: &str) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&token_hash(token));
    }
}

/// The session token of the request's cookie, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE_NAME)
        .map(|(_, v)| v.to_string())
}

/// The bearer token of the request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// The `Set-Cookie` value that starts a session.
pub fn set_cookie(token: &str) -> String {
    format!(
        "{COOKIE_NAME}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        SESSION_TTL.as_secs()
    )
}

/// The `Set-Cookie` value that ends a session.
pub fn clear_cookie() -> String {
    format!("{COOKIE_NAME}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse").expect("hash");
        assert!(h.starts_with("$argon2"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn generated_passwords_differ() {
        let a = generate_password();
        assert_eq!(a.chars().count(), 20);
        assert_ne!(a, generate_password());
    }

    #[test]
    fn cookie_and_bearer_parse() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, "a=1; hx_session=abc; b=2".parse().expect("header"));
        h.insert(AUTHORIZATION, "Bearer hx_123".parse().expect("header"));
        assert_eq!(session_cookie(&h).as_deref(), Some("abc"));
        assert_eq!(bearer(&h).as_deref(), Some("hx_123"));
    }
}
