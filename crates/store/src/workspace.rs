//! Opening and creating a workspace directory.

use std::path::{Path, PathBuf};

use huaxiang_core::config::{CONFIG_FILE, Config, TEMPLATE, resolve_path};
use huaxiang_pii::Keys;

use crate::error::{Result, StoreError, io};
use crate::table::Tables;

/// An open workspace: its directory, configuration and tables.
#[derive(Debug, Clone)]
pub struct Workspace {
    dir: PathBuf,
    config: Config,
}

impl Workspace {
    /// Creates a new workspace in `dir` (created if missing): the commented
    /// configuration, the key file (mode 0600) and the folders.
    pub fn init(dir: &Path) -> Result<Workspace> {
        std::fs::create_dir_all(dir).map_err(io("create", dir))?;
        let cfg_path = dir.join(CONFIG_FILE);
        if cfg_path.exists() {
            return Err(StoreError::AlreadyAWorkspace(dir.to_path_buf()));
        }
        let config = Config::parse(TEMPLATE, &cfg_path)?;
        let key_file = resolve_path(dir, &config.privacy.key_file);
        if !key_file.exists()
            && std::env::var(&config.privacy.key_env)
                .map(|v| v.trim().is_empty())
                .unwrap_or(true)
        {
            Keys::create_file(&key_file)?;
        }
        for sub in ["tables", "meta"] {
            let p = dir.join(sub);
            std::fs::create_dir_all(&p).map_err(io("create", &p))?;
        }
        crate::meta::write_atomic(&cfg_path, TEMPLATE.as_bytes())?;
        Ok(Workspace {
            dir: dir.to_path_buf(),
            config,
        })
    }

    /// Opens an existing workspace.
    pub fn open(dir: &Path) -> Result<Workspace> {
        if !dir.join(CONFIG_FILE).is_file() {
            return Err(StoreError::NotAWorkspace(dir.to_path_buf()));
        }
        let config = Config::load(dir)?;
        Ok(Workspace {
            dir: dir.to_path_buf(),
            config,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The workspace time zone.
    pub fn time_zone(&self) -> Result<chrono_tz::Tz> {
        Ok(self.config.time_zone()?)
    }

    /// Loads the encryption keys (environment variable first, then the key file).
    pub fn keys(&self) -> Result<Keys> {
        let file = resolve_path(&self.dir, &self.config.privacy.key_file);
        Ok(Keys::load(&self.config.privacy.key_env, &file)?)
    }

    /// The Delta tables of this workspace.
    pub fn tables(&self) -> Tables {
        Tables::new(self.dir.join("tables"))
    }

    /// The metadata folder.
    pub fn meta_dir(&self) -> PathBuf {
        self.dir.join("meta")
    }
}
