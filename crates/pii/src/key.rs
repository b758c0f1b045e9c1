//! The master key, the two keys derived from it, and the operations that use them.

use std::io::Write;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::CIPHERTEXT_PREFIX;

/// Length of the master key in bytes.
pub const MASTER_KEY_LEN: usize = 32;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("no encryption key: set the environment variable {env} or create the key file {file} (huaxiang init does)")]
    Missing { env: String, file: PathBuf },
    #[error("the key in {origin} is not {MASTER_KEY_LEN} bytes of base64")]
    Malformed { origin: String },
    #[error("cannot {action} key file {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("key file {path} is readable by others (mode {mode:o}); run: chmod 600 {path}")]
    Permissions { path: PathBuf, mode: u32 },
    #[error("a value cannot be decrypted: it was not encrypted with this workspace's key, or it is damaged")]
    Decrypt,
}

/// The derived keys of a workspace.
#[derive(Clone)]
pub struct Keys {
    cipher: Aes256Gcm,
    /// HMAC-SHA256 keyed once: each [`Keys::hash`] clones this state instead
    /// of hashing the key pads again (two of the four SHA-256 blocks of a
    /// short value).
    mac: HmacSha256,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

fn derive(master: &[u8], label: &[u8]) -> [u8; 32] {
    // HMAC as a PRF: K_label = HMAC(master, label). Domain-separates the two uses.
    let mut mac =
        <HmacSha256 as Mac>::new_from_slice(master).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl Keys {
    /// Builds the keys from 32 master-key bytes.
    pub fn from_master(master: &[u8; MASTER_KEY_LEN]) -> Keys {
        let enc = derive(master, b"huaxiang/aes-256-gcm/v1");
        let mac_key = derive(master, b"huaxiang/hmac-sha256/v1");
        let cipher = Aes256Gcm::new_from_slice(&enc).unwrap_or_else(|_| unreachable!("32-byte key"));
        let mac = <HmacSha256 as Mac>::new_from_slice(&mac_key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        Keys { cipher, mac }
    }

    fn from_base64(text: &str, origin: String) -> Result<Keys, KeyError> {
        let bytes = B64
            .decode(text.trim())
            .map_err(|_| KeyError::Malformed { origin: origin.clone() })?;
        let master: [u8; MASTER_KEY_LEN] = bytes.try_into().map_err(|_| KeyError::Malformed { origin })?;
        Ok(Keys::from_master(&master))
    }

    /// Loads the key: the environment variable `env` if set, else `file`.
    pub fn load(env: &str, file: &Path) -> Result<Keys, KeyError> {
        if let Ok(v) = std::env::var(env)
            && !v.trim().is_empty()
        {
            return Keys::from_base64(&v, format!("${env}"));
        }
        if !file.exists() {
            return Err(KeyError::Missing {
                env: env.to_string(),
                file: file.to_path_buf(),
            });
        }
        check_permissions(file)?;
        let text = std::fs::read_to_string(file).map_err(|source| KeyError::Io {
            action: "read",
            path: file.into(),
            source,
        })?;
        Keys::from_base64(&text, file.display().to_string())
    }

    /// Creates a new random key file with mode 0600. Refuses to overwrite one.
    pub fn create_file(file: &Path) -> Result<(), KeyError> {
        let io = |action, source| KeyError::Io {
            action,
            path: file.into(),
            source,
        };
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io("create the folder of", e))?;
        }
        let mut master = [0u8; MASTER_KEY_LEN];
        rand::fill(&mut master);
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(file).map_err(|e| io("create", e))?;
        f.write_all(B64.encode(master).as_bytes()).map_err(|e| io("write", e))?;
        f.write_all(b"\n").map_err(|e| io("write", e))?;
        f.sync_all().map_err(|e| io("sync", e))?;
        Ok(())
    }

    /// Encrypts a value. The result is `enc1:` + base64(nonce ‖ ciphertext ‖ tag).
    pub fn encrypt(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::fill(&mut nonce);
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .unwrap_or_else(|_| unreachable!("AES-GCM encryption of an in-memory buffer cannot fail"));
        let mut out = Vec::with_capacity(12 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        format!("{CIPHERTEXT_PREFIX}{}", B64.encode(out))
    }

    /// Decrypts a value produced by [`Keys::encrypt`].
    pub fn decrypt(&self, cell: &str) -> Result<String, KeyError> {
        let body = cell.strip_prefix(CIPHERTEXT_PREFIX).ok_or(KeyError::Decrypt)?;
        let bytes = B64.decode(body).map_err(|_| KeyError::Decrypt)?;
        if bytes.len() < 12 + 16 {
            return Err(KeyError::Decrypt);
        }
        let (nonce, ct) = bytes.split_at(12);
        let pt = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| KeyError::Decrypt)?;
        String::from_utf8(pt).map_err(|_| KeyError::Decrypt)
    }

    /// Keyed hash (HMAC-SHA256, hex) of an already-normalised value, namespaced
    /// by `kind` so that equal strings of different kinds do not collide.
    pub fn hash(&self, kind: &str, normalized: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(normalized.as_bytes());
        let mut out = [0u8; 64];
        hex::encode_to_slice(mac.finalize().into_bytes(), &mut out)
            .unwrap_or_else(|_| unreachable!("32 bytes are 64 hex digits"));
        String::from_utf8(out.to_vec()).unwrap_or_else(|_| unreachable!("hex digits are ASCII"))
    }
}

#[cfg(unix)]
fn check_permissions(file: &Path) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(file).map_err(|source| KeyError::Io {
        action: "inspect",
        path: file.into(),
        source,
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::Permissions {
            path: file.into(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_file: &Path) -> Result<(), KeyError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::from_master(&[7u8; 32])
    }

    #[test]
    fn roundtrip_and_nonce_freshness() {
        let k = keys();
        let a = k.encrypt("13812345678");
        let b = k.encrypt("13812345678");
        assert_ne!(a, b, "a fresh nonce per value");
        assert!(!a.contains("13812345678"));
        assert_eq!(k.decrypt(&a).expect("decrypt"), "13812345678");
        assert_eq!(k.decrypt(&b).expect("decrypt"), "13812345678");
    }

    #[test]
    fn wrong_key_or_tampering_fails() {
        let a = keys().encrypt("张三");
        assert!(Keys::from_master(&[8u8; 32]).decrypt(&a).is_err());
        let mut t = a.clone();
        t.pop();
        t.push(if a.ends_with('A') { 'B' } else { 'A' });
        assert!(keys().decrypt(&t).is_err());
        assert!(keys().decrypt("plain").is_err());
    }

    #[test]
    fn hashes_are_keyed_and_namespaced() {
        let k = keys();
        assert_eq!(k.hash("phone", "+8613812345678"), k.hash("phone", "+8613812345678"));
        assert_ne!(k.hash("phone", "x"), k.hash("email", "x"));
        assert_ne!(k.hash("phone", "x"), Keys::from_master(&[9u8; 32]).hash("phone", "x"));
    }

    /// Stored hashes must stay what they were: HMAC-SHA256 under the derived
    /// key, as Python's `hmac` computes it (`hmac.new(hmac.new(master,
    /// b"huaxiang/hmac-sha256/v1", sha256).digest(), b"phone\0+8613812345678",
    /// sha256).hexdigest()` with a master key of 32 bytes 7).
    #[test]
    fn hashes_equal_the_reference_hmac() {
        assert_eq!(
            Keys::from_master(&[7u8; 32]).hash("phone", "+8613812345678"),
            "a5ad9a8243ce8400b2ce7815380131bf7076e6a9944ad67fe26ea1face420fc4"
        );
    }

    #[test]
    fn key_file_is_private_and_loads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join(".huaxiang/key");
        Keys::create_file(&f).expect("create");
        assert!(Keys::create_file(&f).is_err(), "never overwrites");
        let k = Keys::load("HUAXIANG_TEST_KEY_UNSET_VAR", &f).expect("load");
        let c = k.encrypt("v");
        assert_eq!(
            Keys::load("HUAXIANG_TEST_KEY_UNSET_VAR", &f)
                .expect("load")
                .decrypt(&c)
                .expect("dec"),
            "v"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&f).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            assert!(matches!(
                Keys::load("HUAXIANG_TEST_KEY_UNSET_VAR", &f),
                Err(KeyError::Permissions { .. })
            ));
        }
        let missing = Keys::load("HUAXIANG_TEST_KEY_UNSET_VAR", &dir.path().join("nope"));
        assert!(matches!(missing, Err(KeyError::Missing { .. })));
    }
}
