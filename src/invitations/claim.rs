//! Using an invitation, shared by the JSON onboarding routes and the invitation page so
//! the rules live once: what state a link is in (unknown, used, expired, revoked, open), and the
//! claim itself — a compare-and-set on `is_accepted` in the same transaction that stores
//! the password hash, ends the user's older sessions and writes the audit rows.

use super::store::{self, Invitation};
use crate::audit::{self, Actor};
use crate::auth::policy;
use crate::auth::rights::Rights;
use crate::error::ApiError;
use crate::state::AppState;
use crate::users::UserRecord;
use serde_json::json;
use std::sync::Arc;

/// What an invitation link leads to now.
pub enum LinkState {
    Unknown,
    Used,
    Expired,
    /// Whoever made it no longer holds the rights to onboard this user (the user gained
    /// rights, signed in meanwhile, or the maker lost theirs).
    Revoked,
    Open {
        invitation: Box<Invitation>,
        user: Arc<UserRecord>,
    },
}

/// The state of the invitation whose link carries `link_id`.
pub async fn link_state(state: &AppState, link_id: &str) -> Result<LinkState, ApiError> {
    let lookup = link_id.to_string();
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
    let Some(user) = state.users.get(&invitation.user_id) else {
        return Ok(LinkState::Unknown);
    };
    // The maker's right to make it is checked again now: a chain of allowed calls made
    // after the invitation must not turn its link into more than it was.
    let maker = invitation.created_by.as_deref().map(|by| Rights::of_user(state, by)).unwrap_or_else(Rights::nobody);
    if policy::may_invite(state, &maker, &user.user_id).is_err() {
        return Ok(LinkState::Revoked);
    }
    Ok(LinkState::Open { invitation: Box::new(invitation), user })
}

/// Accepts the invitation whose link carries `link_id` for `user_id` with the given
/// password hash, and revokes the user's other open invitations. `None` when the link was
/// no longer open at the moment of the write (used or expired meanwhile).
pub async fn claim(
    state: &AppState,
    link_id: &str,
    user_id: &str,
    password_hash: String,
) -> Result<Option<UserRecord>, ApiError> {
    let now_text = crate::time::format(state.clock.now());
    let actor = Actor::user(user_id);
    let cache = state.clone();
    let (id, user_id) = (store::stored_id(link_id), user_id.to_string());
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
                for other in store::revoke_open(tx, &user_id, Some(&id))? {
                    audit::record(tx, &actor, &now_text, "revoked", "invitations", &other, None, None)?;
                }
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
