//! Who may see personal data in plain text.
//!
//! Revealing needs the workspace key and, when `[privacy] reveal_users` in
//! huaxiang.toml lists anyone, an OS user on that list. Every path that can
//! reveal (`huaxiang sql --reveal`, `profile --reveal`, segment exports) goes
//! through [`check_reveal`], which [`crate::sql::SqlEngine::new`] calls, so
//! the rule cannot be skipped by choosing another command.

use huaxiang_core::config::PrivacySettings;

use crate::error::{Result, StoreError};
use crate::workspace::Workspace;

/// The OS user running this process (`$USER`, else `$LOGNAME`).
pub fn current_user() -> Option<String> {
    ["USER", "LOGNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .map(|v| v.trim().to_string())
        .find(|v| !v.is_empty())
}

/// Whether personal data may be revealed, given whether the key loaded and who asks.
pub fn reveal_permission(privacy: &PrivacySettings, key: Result<(), String>, user: Option<&str>) -> Result<()> {
    if let Err(e) = key {
        return Err(StoreError::RevealRefused(format!(
            "the key is not available ({e}); 需要密钥 / the key is required to reveal"
        )));
    }
    if privacy.reveal_users.is_empty() {
        return Ok(());
    }
    match user {
        Some(u) if privacy.reveal_users.iter().any(|a| a == u) => Ok(()),
        Some(u) => Err(StoreError::RevealRefused(format!(
            "user `{u}` is not in [privacy] reveal_users of huaxiang.toml / 当前用户无权查看明文"
        ))),
        None => Err(StoreError::RevealRefused(
            "[privacy] reveal_users restricts revealing and the OS user is unknown ($USER is not set)".to_string(),
        )),
    }
}

/// Checks that the current user may reveal personal data in this workspace.
pub fn check_reveal(ws: &Workspace) -> Result<()> {
    let key = ws.keys().map(|_| ()).map_err(|e| e.to_string());
    reveal_permission(&ws.config().privacy, key, current_user().as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn privacy(users: &[&str]) -> PrivacySettings {
        PrivacySettings {
            reveal_users: users.iter().map(|u| u.to_string()).collect(),
            ..PrivacySettings::default()
        }
    }

    #[test]
    fn reveal_needs_the_key_and_a_listed_user() {
        assert!(reveal_permission(&privacy(&[]), Ok(()), None).is_ok());
        assert!(reveal_permission(&privacy(&["alice"]), Ok(()), Some("alice")).is_ok());
        let err = reveal_permission(&privacy(&["alice"]), Ok(()), Some("bob")).expect_err("bob");
        assert!(err.to_string().contains("`bob`"), "{err}");
        assert!(reveal_permission(&privacy(&["alice"]), Ok(()), None).is_err());
        let err = reveal_permission(&privacy(&[]), Err("no key file".into()), Some("alice")).expect_err("key");
        assert!(err.to_string().contains("no key file"), "{err}");
    }
}
