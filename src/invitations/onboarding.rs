//! `GET /onboarding/get_token` and `POST /onboarding/claim_token`, as LiteLLM's onboarding
//! page calls them. No API key: the invitation id, then a 15-minute onboarding token
//! signed with the proxy's signing secret, are the credentials. LiteLLM hides them from
//! its API docs; here `docs/unrouted.rs` describes them, as it does every route.

use super::claim::{self, LinkState};
use super::store::Invitation;
use crate::auth::request_info::PublicBase;
use crate::auth::{password, presented_key, session};
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryParams};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;

const TOKEN_TYPE: &str = "litellm_onboarding";
const REVOKED: &str =
    "Invitation link is no longer valid: whoever made it may no longer onboard this user. Ask an admin.";
const TOKEN_LIFETIME: chrono::Duration = chrono::Duration::minutes(15);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route("/onboarding/get_token", get(get_token))
        .route("/onboarding/claim_token", post(claim_token))
}

#[derive(Serialize, Deserialize)]
struct OnboardingClaims {
    token_type: String,
    invitation_link: String,
    user_id: String,
    exp: i64,
}

/// The invitation, if it can still be used now (LiteLLM's 401 messages otherwise; a
/// blocked user's invitation waits until they are unblocked).
async fn usable(state: &AppState, id: String) -> Result<Invitation, ApiError> {
    match claim::link_state(state, &id).await? {
        LinkState::Open { user, .. } if user.blocked => Err(ApiError::Forbidden(crate::auth::login::BLOCKED.into())),
        LinkState::Open { invitation, .. } => Ok(*invitation),
        LinkState::Unknown => Err(ApiError::Unauthorized("Invitation link does not exist in db.".into())),
        LinkState::Expired => Err(ApiError::Unauthorized("Invitation link has expired.".into())),
        LinkState::Used => Err(ApiError::Unauthorized("Invitation link has already been used.".into())),
        LinkState::Revoked => Err(ApiError::Unauthorized(REVOKED.into())),
    }
}

#[derive(Deserialize)]
struct GetToken {
    invite_link: Option<String>,
    /// The current UI's name for it.
    invitation_id: Option<String>,
    id: Option<String>,
}

async fn get_token(
    State(state): State<AppState>,
    PublicBase(base): PublicBase,
    QueryParams(query): QueryParams<GetToken>,
) -> Result<Json<Value>, ApiError> {
    let id = query
        .invite_link
        .or(query.invitation_id)
        .or(query.id)
        .ok_or_else(|| ApiError::field("invite_link", "invite_link is required"))?;
    let invitation = usable(&state, id.clone()).await?;
    let user = state
        .users
        .get(&invitation.user_id)
        .ok_or_else(|| ApiError::Unauthorized(format!("User={} does not exist.", invitation.user_id)))?;
    let claims = OnboardingClaims {
        token_type: TOKEN_TYPE.into(),
        invitation_link: id,
        user_id: user.user_id.clone(),
        exp: (state.clock.now() + TOKEN_LIFETIME).timestamp(),
    };
    let token = state.sessions.sign(&claims).map_err(ApiError::internal)?;
    let email = user.user_email.clone().unwrap_or_default();
    let login_url =
        format!("{}/ui/onboarding?token={}&user_email={}", base, super::encode(&token), super::encode(&email));
    Ok(Json(json!({"login_url": login_url, "token": token, "user_email": user.user_email})))
}

#[derive(Deserialize)]
struct Claim {
    invitation_link: String,
    user_id: String,
    password: String,
}

async fn claim_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    PublicBase(base): PublicBase,
    JsonBody(claim): JsonBody<Claim>,
) -> Result<Json<Value>, ApiError> {
    let invalid = || ApiError::Unauthorized("Missing/Invalid onboarding session for invitation link.".into());
    let custom = state.config.settings.general_settings.litellm_key_header_name.as_deref();
    let bearer = presented_key(&headers, custom).map_err(|_| invalid())?.ok_or_else(invalid)?;
    let claims: OnboardingClaims = state.sessions.verify(&bearer).ok_or_else(invalid)?;
    let now = state.clock.now();
    if claims.token_type != TOKEN_TYPE
        || claims.exp <= now.timestamp()
        || claims.invitation_link != claim.invitation_link
    {
        return Err(invalid());
    }
    let invitation = usable(&state, claim.invitation_link.clone()).await?;
    if invitation.user_id != claim.user_id || claims.user_id != claim.user_id {
        return Err(ApiError::Unauthorized(
            "Invalid invitation link. The user id submitted does not match the user id of the invitation.".into(),
        ));
    }
    let min_length = state.config.settings.general_settings.min_password_length;
    if claim.password.chars().count() < min_length {
        return Err(ApiError::field("password", format!("password must have at least {min_length} characters")));
    }
    let secret = claim.password;
    let hash = tokio::task::spawn_blocking(move || password::hash(&secret))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let user = claim::claim(&state, &claim.invitation_link, &claim.user_id, hash)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("Invitation link has already been used.".into()))?;
    let role = session::effective_role(&state, &user);
    let (token, _) = session::issue(&state, &user, role, session::PASSWORD).map_err(ApiError::internal)?;
    Ok(Json(json!({
        "login_url": format!("{}/ui?login=success", base),
        "token": token,
        "user_email": user.user_email,
        "user": crate::users::view::user(&state, &user),
    })))
}
