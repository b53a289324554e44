//! `/invitation/new`, `/invitation/info`, `/invitation/delete`.

use super::store::{self, Invitation};
use crate::audit::{self, Actor};
use crate::auth::Caller;
use crate::auth::policy::{self, Op};
use crate::auth::request_info::PublicBase;
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryParams};
use crate::fields;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(new_invitation))
        .routes(routes!(invitation_info))
        .routes(routes!(delete_invitation))
}

fn unknown() -> ApiError {
    ApiError::bad_request("Invitation id does not exist in the database.")
}

/// The invitation as answered: `id` is the id the link carries (what was stored is its
/// hash) and `invitation_link` the link, when the caller presented that id.
fn shown(base: &str, invitation: &Invitation, link_id: &str) -> Value {
    let mut value = audit::json(invitation);
    value["id"] = Value::String(link_id.to_string());
    let link = format!("{}/ui/onboarding?id={}", base, super::encode(link_id));
    value["invitation_link"] = Value::String(link);
    value
}

#[derive(Deserialize)]
struct NewInvitation {
    user_id: String,
}

/// Invite an existing user: the answer holds `invitation_link`, valid for 7 days, once.
/// With `[email]` configured the link is also emailed (`email_sent`, `email_error`).
#[utoipa::path(post, path = "/invitation/new", tag = "invitations", request_body = crate::docs::schemas::invitations::InvitationNewRequest, responses((status = 200, body = crate::docs::schemas::invitations::InvitationObject)))]
async fn new_invitation(
    State(state): State<AppState>,
    PublicBase(base): PublicBase,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    new(&state, &base, &caller, &body).await.map(Json)
}

/// `/invitation/new` for the JSON route and the UI: the invitation with its link.
pub async fn new(state: &AppState, base: &str, caller: &Caller, body: &Value) -> Result<Value, ApiError> {
    let user_id = fields::text(body, "user_id");
    let teams: Vec<String> = user_id
        .as_deref()
        .map(|u| state.teams.of_user(u).into_iter().map(|(t, _)| t.team_id.clone()).collect())
        .unwrap_or_default();
    let _permit =
        policy::authorize(state, caller, Op::InvitationNew { user_id: user_id.as_deref(), target_teams: &teams })?;
    let request: NewInvitation = fields::parse(body)?;
    if state.users.get(&request.user_id).is_none() {
        return Err(ApiError::field(
            "user_id",
            format!("User id {} does not exist. Fix this by creating the user via `/user/new`.", request.user_id),
        ));
    }
    let now = state.clock.now();
    let now_text = crate::time::format(now);
    let link_id = uuid::Uuid::new_v4().to_string();
    let invitation = Invitation {
        id: store::stored_id(&link_id),
        user_id: request.user_id,
        is_accepted: false,
        accepted_at: None,
        expires_at: crate::time::format(now + super::VALID_FOR),
        created_at: now_text.clone(),
        created_by: caller.user_id.clone(),
        updated_at: now_text.clone(),
        updated_by: caller.user_id.clone(),
    };
    let actor = Actor::of(caller);
    let invitation = state
        .db
        .write(move |tx| {
            store::insert(tx, &invitation)?;
            audit::record(
                tx,
                &actor,
                &now_text,
                "created",
                "invitations",
                &invitation.id,
                None,
                Some(&audit::json(&invitation)),
            )?;
            Ok::<_, ApiError>(invitation)
        })
        .await?;
    let mut answer = shown(base, &invitation, &link_id);
    let email = &state.config.settings.email;
    if crate::email::configured(email) {
        // The invitation is stored whatever happens here; the answer says how the send went.
        let to = state.users.get(&invitation.user_id).and_then(|u| u.user_email.clone());
        let result = match to {
            // Without a configured base URL the link's host came from the request's Host
            // header, which anyone can set: the email would carry a working link to them.
            _ if state.config.settings.server.base_url.is_none() => Err(
                "not emailed: set `base_url` in [server] (PROXY_BASE_URL) so that emailed links point at this proxy, not at the host a request named".to_string(),
            ),
            Some(to) => {
                let link = answer["invitation_link"].as_str().unwrap_or_default().to_string();
                crate::email::send_invitation(email, &to, &link, &invitation.expires_at).await
            }
            None => Err("the user has no user_email".to_string()),
        };
        if let Err(e) = &result {
            tracing::warn!(invitation = %invitation.id, error = %e, "invitation email not sent");
        }
        answer["email_sent"] = Value::Bool(result.is_ok());
        answer["email_error"] = result.err().map_or(Value::Null, Value::String);
    }
    Ok(answer)
}

#[derive(Deserialize, IntoParams)]
pub struct InfoQuery {
    invitation_id: String,
}

/// An invitation (proxy admins and admin viewers).
#[utoipa::path(get, path = "/invitation/info", tag = "invitations", params(InfoQuery), responses((status = 200, body = crate::docs::schemas::invitations::InvitationObject)))]
async fn invitation_info(
    State(state): State<AppState>,
    PublicBase(base): PublicBase,
    caller: Caller,
    QueryParams(query): QueryParams<InfoQuery>,
) -> Result<Json<Value>, ApiError> {
    policy::authorize(&state, &caller, Op::InvitationRead)?;
    let link_id = query.invitation_id.clone();
    let invitation = state.db.read(move |conn| store::load(conn, &query.invitation_id)).await?.ok_or_else(unknown)?;
    Ok(Json(shown(&base, &invitation, &link_id)))
}

#[derive(Deserialize)]
struct DeleteInvitation {
    invitation_id: String,
}

/// Delete an invitation; its link stops working. Answers the deleted row.
#[utoipa::path(post, path = "/invitation/delete", tag = "invitations", request_body = crate::docs::schemas::invitations::InvitationRef, responses((status = 200, body = crate::docs::schemas::invitations::InvitationObject)))]
async fn delete_invitation(
    State(state): State<AppState>,
    PublicBase(base): PublicBase,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let _permit = policy::authorize(&state, &caller, Op::InvitationDelete)?;
    let request: DeleteInvitation = fields::parse(&body)?;
    let link_id = request.invitation_id.clone();
    let actor = Actor::of(&caller);
    let now = crate::time::format(state.clock.now());
    let invitation = state
        .db
        .write(move |tx| {
            let invitation = store::load(tx, &request.invitation_id)?.ok_or_else(unknown)?;
            store::delete(tx, &invitation.id)?;
            audit::record(
                tx,
                &actor,
                &now,
                "deleted",
                "invitations",
                &invitation.id,
                Some(&audit::json(&invitation)),
                None,
            )?;
            Ok::<_, ApiError>(invitation)
        })
        .await?;
    Ok(Json(shown(&base, &invitation, &link_id)))
}
