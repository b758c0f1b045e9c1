//! What every handler shares: the workspace and the live sessions.

use std::sync::Arc;

use huaxiang_store::Workspace;

use crate::auth::Sessions;
use crate::cache::Cache;

/// The server's state, cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    ws: Workspace,
    sessions: Sessions,
    cache: Cache,
}

impl AppState {
    pub fn new(ws: Workspace) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                ws,
                sessions: Sessions::default(),
                cache: Cache::default(),
            }),
        }
    }

    pub fn workspace(&self) -> &Workspace {
        &self.inner.ws
    }

    pub fn sessions(&self) -> &Sessions {
        &self.inner.sessions
    }

    /// Answers cached per data version (see [`crate::cache`]).
    pub fn cache(&self) -> &Cache {
        &self.inner.cache
    }
}
