//! Roles and the one permission matrix every route is checked against.
//!
//! A route names the [`Permission`] it needs (in the route table of
//! [`crate::routes`]); [`allows`] says which roles hold it. Nothing else
//! decides access, so the matrix below is the whole policy.

use serde::{Deserialize, Serialize};

/// A user's role. Each role can do what the ones before it can, and more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads aggregates and masked profiles.
    Viewer,
    /// Also previews segments, lists and exports their (masked) members.
    Marketer,
    /// Also creates and edits tags, reads models and runs analyses.
    Analyst,
    /// Everything, including revealing personal data, users and the audit log.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Marketer, Role::Analyst, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Marketer => "marketer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    /// Parses `viewer`, `marketer`, `analyst` or `admin`.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text.trim().to_lowercase())
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Anyone, without credentials (health, login, the OpenAPI document).
    Public,
    /// Any signed-in user (me, logout, own API tokens).
    SignedIn,
    /// Aggregates, catalogs and masked profiles.
    Read,
    /// Segment previews, members and exports.
    Segments,
    /// Tag definitions, models, per-person scores, analyses.
    Analyze,
    /// Users, the audit log, revealing personal data.
    Admin,
}

impl Permission {
    pub const ALL: [Permission; 6] = [
        Permission::Public,
        Permission::SignedIn,
        Permission::Read,
        Permission::Segments,
        Permission::Analyze,
        Permission::Admin,
    ];

    /// How the OpenAPI document and error messages name it.
    pub fn describe(self) -> &'static str {
        match self {
            Permission::Public => "public",
            Permission::SignedIn => "any signed-in user",
            Permission::Read => "viewer, marketer, analyst or admin",
            Permission::Segments => "marketer, analyst or admin",
            Permission::Analyze => "analyst or admin",
            Permission::Admin => "admin",
        }
    }
}

/// The permission matrix: whether `role` holds `permission`.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission as P;
    use Role as R;
    match (permission, role) {
        (P::Public | P::SignedIn | P::Read, _) => true,
        (P::Segments, R::Marketer | R::Analyst | R::Admin) => true,
        (P::Analyze, R::Analyst | R::Admin) => true,
        (P::Admin, R::Admin) => true,
        (P::Segments | P::Analyze | P::Admin, _) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_is_monotonic_in_role() {
        for p in Permission::ALL {
            for w in Role::ALL.windows(2) {
                assert!(
                    !allows(w[0], p) || allows(w[1], p),
                    "{p:?}: {:?} but not {:?}",
                    w[0],
                    w[1]
                );
            }
        }
        assert!(allows(Role::Admin, Permission::Admin));
        assert!(!allows(Role::Analyst, Permission::Admin));
        assert!(!allows(Role::Viewer, Permission::Segments));
        assert!(allows(Role::Marketer, Permission::Segments));
        assert!(!allows(Role::Marketer, Permission::Analyze));
    }

    #[test]
    fn roles_parse() {
        assert_eq!(Role::parse("Analyst"), Some(Role::Analyst));
        assert_eq!(Role::parse("root"), None);
    }
}
