//! Using an invitation, shared by the JSON onboarding routes and the invitation page so
//! the rules live once: what state a link is in (unknown, used, expired, open), and the
//! claim itself — a compare-and-set on `is_accepted` in the same transaction that stores
//! the password hash, ends the user's older sessions and writes the audit rows.

use super::store::{self, Invitation};
use crate::audit::{self, Actor};
use crate::error::ApiError;
use crate::state::AppState;
use crate::users::UserRecord;
use serde_json::json;
use std::sync::Arc;

/// What an invitation id leads to now.
pub enum LinkState {
    Unknown,
    Used,
    Expired,
    Open { invitation: Box<Invitation>, user: Arc<UserRecord> },
}

pub async fn link_state(state: &AppState, id: &str) -> Result<LinkState, ApiError> {
    let lookup = id.to_string();
    let Some(invitation) = state.db.read(move |conn| store::load(conn, &lookup)).await? else {
        return Ok(LinkState::Unknown);
    };
    if invitation.is_accepted {
        return Ok(LinkState::Used);
    }
    // An unreadable expiry counts as expired: fail closed.
    if crate::time::parse(&invitation.expires_at).is_none_or(|at| at <= state.clock.now()) {
        return Ok(LinkState::Expired);
    }
    match state.users.get(&invitation.user_id) {
        Some(user) => Ok(LinkState::Open { invitation: Box::new(invitation), user }),
        None => Ok(LinkState::Unknown),
    }
}

/// Accepts the invitation for `user_id` with the given password hash. `None` when the
/// link was no longer open at the moment of the write (used or expired meanwhile).
pub async fn claim(
    state: &AppState,
    invitation_id: &str,
    user_id: &str,
    password_hash: String,
) -> Result<Option<UserRecord>, ApiError> {
    let now_text = crate::time::format(state.clock.now());
    let actor = Actor::user(user_id);
    let cache = state.clone();
    let (id, user_id) = (invitation_id.to_string(), user_id.to_string());
    state
        .db
        .write_then(
            move |tx| {
                // Compare-and-set: of two claims racing, one wins; the other changes nothing.
                if !store::accept(tx, &id, &user_id, &now_text)? {
                    return Ok(None);
                }
                let mut user = crate::users::store::load(tx, &user_id)?
                    .ok_or_else(|| ApiError::Unauthorized(format!("User={user_id} does not exist.")))?;
                let before = audit::json(&user);
                user.password_hash = Some(password_hash);
                user.password_reset_required = false;
                user.session_epoch += 1;
                user.updated_at.clone_from(&now_text);
                crate::users::store::save(tx, &user)?;
                audit::record(tx, &actor, &now_text, "accepted", "invitations", &id, None, None)?;
                let after = json!({"password": "changed"});
                audit::record(tx, &actor, &now_text, "password_set", "users", &user_id, Some(&before), Some(&after))?;
                Ok(Some(user))
            },
            move |user: &Option<UserRecord>| {
                if let Some(user) = user {
                    cache.users.put(user.clone());
                }
            },
        )
        .await
}
