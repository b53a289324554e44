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
