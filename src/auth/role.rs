//! Global roles of users, as LiteLLM names them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    ProxyAdmin,
    ProxyAdminViewer,
    InternalUser,
    InternalUserViewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::ProxyAdmin, Role::ProxyAdminViewer, Role::InternalUser, Role::InternalUserViewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::ProxyAdmin => "proxy_admin",
            Role::ProxyAdminViewer => "proxy_admin_viewer",
            Role::InternalUser => "internal_user",
            Role::InternalUserViewer => "internal_user_viewer",
        }
    }

    /// Admins and admin viewers see everything.
    pub fn sees_everything(self) -> bool {
        matches!(self, Role::ProxyAdmin | Role::ProxyAdminViewer)
    }

    pub fn is_viewer(self) -> bool {
        matches!(self, Role::ProxyAdminViewer | Role::InternalUserViewer)
    }

    /// Whether this role holds every right of `other`: admins everything, each writer
    /// role its viewer role, every role itself. An admin viewer reads what an internal
    /// user cannot, and an internal user writes what a viewer cannot, so neither covers
    /// the other.
    pub fn covers(self, other: Role) -> bool {
        match self {
            Role::ProxyAdmin => true,
            Role::ProxyAdminViewer => matches!(other, Role::ProxyAdminViewer | Role::InternalUserViewer),
            Role::InternalUser => matches!(other, Role::InternalUser | Role::InternalUserViewer),
            Role::InternalUserViewer => other == Role::InternalUserViewer,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRole(pub String);

impl fmt::Display for UnknownRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a role: use proxy_admin, proxy_admin_viewer, internal_user or internal_user_viewer",
            self.0
        )
    }
}

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == text).ok_or_else(|| UnknownRole(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn roles_cover_themselves_and_their_viewers_only() {
        for role in Role::ALL {
            assert!(role.covers(role));
            assert!(Role::ProxyAdmin.covers(role));
        }
        assert!(Role::InternalUser.covers(Role::InternalUserViewer));
        assert!(!Role::InternalUser.covers(Role::ProxyAdminViewer));
        assert!(!Role::ProxyAdminViewer.covers(Role::InternalUser));
        assert!(!Role::InternalUserViewer.covers(Role::InternalUser));
        assert!(!Role::ProxyAdminViewer.covers(Role::ProxyAdmin));
    }
}
