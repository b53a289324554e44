//! Invitations and onboarding: an admin invites an existing user (`/invitation/*`), the
//! user opens `<base>/ui/onboarding?id=<id>`, trades the invitation for a short onboarding
//! token (`/onboarding/get_token`) and sets a password with it (`/onboarding/claim_token`).
//! An invitation expires 7 days after it was made (compared as a timestamp, to the
//! second) and can be used once: claiming is a compare-and-set in the same transaction
//! that stores the password.

pub mod claim;
mod onboarding;
pub mod routes;
pub mod store;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

/// How long an invitation can be used.
pub const VALID_FOR: chrono::Duration = chrono::Duration::days(7);

pub fn routes() -> OpenApiRouter<AppState> {
    routes::routes().merge(onboarding::routes())
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
