//! The redirect flow. `start` remembers `state`, the PKCE verifier, the nonce and where to
//! return in a short-lived signed HttpOnly cookie (path `/sso`), then sends the browser to
//! the provider. `callback` checks `state` against that cookie, exchanges the code (the
//! provider refuses a replayed code; we show its refusal), verifies the id token
//! (`id_token.rs`), reads userinfo, signs the user in to the user table and opens a
//! session.

use super::id_token::{self, IdTokenError};
use super::identity::{self, Identity};
use super::provider::{Missing, Provider, TokenResponse};
use super::provision::{self, ProvisionError};
use crate::auth::login::{safe_next, with_session};
use crate::auth::request_info::{Peer, RequestInfo, base_url};
use crate::auth::session;
use crate::state::AppState;
use crate::ui::message;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use oauth2::{AuthorizationCode, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, Scope, TokenResponse as _};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const COOKIE: &str = "sso_state";
const COOKIE_PATH: &str = "/sso";
/// Seconds the user has to finish at the provider.
const PENDING_SECONDS: i64 = 600;

#[derive(Serialize, Deserialize)]
struct Pending {
    state: String,
    verifier: Option<String>,
    nonce: Option<String>,
    next: String,
    exp: i64,
}

#[derive(Deserialize, Default)]
pub struct StartQuery {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct CallbackQuery {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

/// A failed sign-in, shown as a page that says what went wrong.
struct Failed(StatusCode, String);

impl IntoResponse for Failed {
    fn into_response(self) -> Response {
        message(self.0, "Single sign-on failed", &self.1, Some(("/ui/login", "Back to sign-in")))
    }
}

fn failed(status: StatusCode, text: &str) -> Failed {
    Failed(status, text.to_string())
}

fn provider_or_page(state: &AppState) -> Result<Provider, Failed> {
    match Provider::configured(state) {
        Some(Ok(provider)) => Ok(provider),
        Some(Err(Missing(names))) => Err(failed(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("Single sign-on is not fully configured: set {}.", names.join(", ")),
        )),
        None => Err(failed(
            StatusCode::NOT_FOUND,
            "Single sign-on is not configured on this proxy. Sign in with your email and password.",
        )),
    }
}

fn info(state: &AppState, headers: &HeaderMap, peer: Option<std::net::IpAddr>) -> RequestInfo {
    RequestInfo::from_headers(headers, peer, state)
}

fn random_token() -> String {
    CsrfToken::new_random().secret().clone()
}

pub async fn start(
    State(state): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Query(query): Query<StartQuery>,
) -> Response {
    let provider = match Provider::configured(&state) {
        // As LiteLLM: without SSO the button's URL shows the password form.
        None => {
            let next = safe_next(query.next.as_deref());
            return crate::auth::login::login_page_with(&state, StatusCode::OK, &next, "", None);
        }
        Some(_) => match provider_or_page(&state) {
            Ok(p) => p,
            Err(page) => return page.into_response(),
        },
    };
    let info = info(&state, &headers, peer);
    let redirect_uri = format!("{}/sso/callback", base_url(&state, &info));
    let client = match provider.client(&redirect_uri) {
        Ok(c) => c,
        Err(e) => {
            return failed(StatusCode::SERVICE_UNAVAILABLE, &format!("The SSO settings are not usable: {e}."))
                .into_response();
        }
    };
    let csrf = random_token();
    let csrf_for_url = csrf.clone();
    let mut request = client
        .authorize_url(move || CsrfToken::new(csrf_for_url))
        .add_scopes(provider.scopes.iter().map(|s| Scope::new(s.clone())));
    let verifier = if provider.use_pkce {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        request = request.set_pkce_challenge(challenge);
        Some(verifier.secret().clone())
    } else {
        None
    };
    let nonce = provider.is_oidc().then(random_token);
    if let Some(nonce) = &nonce {
        request = request.add_extra_param("nonce", nonce.clone());
    }
    let (url, _) = request.url();
    let pending = Pending {
        state: csrf,
        verifier,
        nonce,
        next: safe_next(query.next.as_deref()),
        exp: state.clock.now().timestamp() + PENDING_SECONDS,
    };
    let Ok(cookie) = state.sessions.sign(&pending) else {
        return failed(StatusCode::SERVICE_UNAVAILABLE, "Could not start single sign-on; try again.").into_response();
    };
    let mut response = Redirect::to(url.as_str()).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, session::set_cookie(COOKIE, &cookie, COOKIE_PATH, PENDING_SECONDS, info.https));
    response
}

pub async fn callback(
    State(state): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let info = info(&state, &headers, peer);
    let mut response = finish(&state, &info, &headers, query).await.unwrap_or_else(IntoResponse::into_response);
    // The pending sign-in is used up either way.
    response.headers_mut().append(header::SET_COOKIE, session::clear_cookie(COOKIE, COOKIE_PATH, info.https));
    response
}

async fn finish(
    state: &AppState,
    info: &RequestInfo,
    headers: &HeaderMap,
    query: CallbackQuery,
) -> Result<Response, Failed> {
    if let Some(error) = &query.error {
        let detail = query.error_description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
        let text = if error == "access_denied" {
            format!("The sign-in was cancelled or consent was denied at the provider{detail}.")
        } else {
            format!("The provider answered with the error `{error}`{detail}.")
        };
        return Err(failed(StatusCode::UNAUTHORIZED, &text));
    }
    let pending: Pending = session::cookie(headers, COOKIE)
        .and_then(|c| state.sessions.verify::<Pending>(c))
        .filter(|p| p.exp > state.clock.now().timestamp())
        .ok_or_else(|| {
            failed(
                StatusCode::BAD_REQUEST,
                "This sign-in was not started here or took too long (no pending sign-in in this browser). Start again.",
            )
        })?;
    let given_state = query.state.unwrap_or_default();
    let same: bool = subtle::ConstantTimeEq::ct_eq(given_state.as_bytes(), pending.state.as_bytes()).into();
    if !same {
        return Err(failed(
            StatusCode::BAD_REQUEST,
            "The `state` of the answer does not match this sign-in. Start again.",
        ));
    }
    let code = query
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| failed(StatusCode::BAD_REQUEST, "The provider sent no authorization code. Start again."))?;
    let provider = provider_or_page(state)?;
    let redirect_uri = format!("{}/sso/callback", base_url(state, info));
    let client = provider
        .client(&redirect_uri)
        .map_err(|e| failed(StatusCode::SERVICE_UNAVAILABLE, &format!("SSO settings: {e}")))?;
    let mut exchange = client.exchange_code(AuthorizationCode::new(code));
    if let Some(verifier) = pending.verifier.clone() {
        exchange = exchange.set_pkce_verifier(PkceCodeVerifier::new(verifier));
    }
    let token: TokenResponse = exchange.request_async(&state.sso_http).await.map_err(token_error)?;
    let mut claims = Map::new();
    if let Some(id_token) = token.extra_fields().id_token.as_deref() {
        claims = id_token_claims(state, &provider, id_token, pending.nonce.as_deref()).await?;
    }
    if let Some(url) = &provider.userinfo_endpoint {
        let userinfo = fetch_userinfo(state, url, token.access_token().secret()).await?;
        claims.extend(userinfo);
    }
    let team_field = state.config.settings.general_settings.litellm_jwtauth.team_ids_jwt_field.clone();
    let identity: Identity = identity::from_claims(&provider, &claims, team_field.as_deref()).map_err(|missing| {
        failed(StatusCode::BAD_REQUEST, &format!("The provider did not send {missing}, which sign-in needs."))
    })?;
    let user = provision::sign_in_sso_user(state, identity).await.map_err(|e| match e {
        ProvisionError::LinkedElsewhere => failed(
            StatusCode::FORBIDDEN,
            "This account is already linked to another identity at the provider. Ask an admin.",
        ),
        ProvisionError::UnverifiedEmailTaken => failed(
            StatusCode::FORBIDDEN,
            "An account with this email exists, but the provider did not confirm that the email is yours, so it was \
             not linked. Verify your email at the provider, or ask an admin.",
        ),
        ProvisionError::Blocked => failed(StatusCode::FORBIDDEN, crate::auth::login::BLOCKED),
        ProvisionError::HigherRole => failed(
            StatusCode::FORBIDDEN,
            "An account with this email exists and holds more rights than your sign-in gives, so it was not linked. \
             Ask an admin.",
        ),
        ProvisionError::Store(e) => failed(e.status(), &e.message()),
    })?;
    let role = session::effective_role(state, &user);
    if !session::may_use_ui(state, role) {
        return Err(failed(StatusCode::FORBIDDEN, crate::auth::login::ADMIN_ONLY));
    }
    // Checked again: a cookie signed before a tightening of the rule may still be pending.
    let redirect = Redirect::to(&safe_next(Some(&pending.next))).into_response();
    with_session(state, info, &user, role, session::SSO, redirect).map_err(|e| {
        tracing::error!(error = %e, "cannot open an SSO session");
        failed(StatusCode::SERVICE_UNAVAILABLE, "Could not open a session; try again.")
    })
}

type TokenError = oauth2::RequestTokenError<oauth2::HttpClientError<reqwest::Error>, oauth2::basic::BasicErrorResponse>;

fn token_error(error: TokenError) -> Failed {
    match error {
        oauth2::RequestTokenError::ServerResponse(refusal) => {
            let detail = refusal.error_description().map(|d| format!(" ({d})")).unwrap_or_default();
            failed(
                StatusCode::UNAUTHORIZED,
                &format!(
                    "The provider refused the sign-in code: `{}`{detail}. A code works once and only briefly; start again.",
                    refusal.error()
                ),
            )
        }
        oauth2::RequestTokenError::Request(e) => {
            tracing::warn!(error = %e, "SSO token endpoint unreachable");
            failed(StatusCode::BAD_GATEWAY, "The provider's token endpoint could not be reached. Try again later.")
        }
        oauth2::RequestTokenError::Parse(e, _) => {
            tracing::warn!(error = %e, "SSO token endpoint answered something unreadable");
            failed(StatusCode::BAD_GATEWAY, "The provider's token endpoint gave an answer that is not a token.")
        }
        oauth2::RequestTokenError::Other(e) => {
            tracing::warn!(error = %e, "SSO token endpoint failed");
            failed(StatusCode::BAD_GATEWAY, "The provider's token endpoint failed. Try again later.")
        }
    }
}

/// The id token's claims once its signature, audience, issuer, expiry and nonce are
/// checked. A provider whose signing keys we do not know gets its id token ignored: the
/// claims then come from userinfo alone, which we read over our own connection with the
/// access token.
async fn id_token_claims(
    state: &AppState,
    provider: &Provider,
    id_token: &str,
    nonce: Option<&str>,
) -> Result<Map<String, Value>, Failed> {
    let Some(jwks_uri) = provider.jwks_uri.as_deref() else {
        tracing::debug!(provider = provider.name, "no JWKS endpoint known; the id token is not used");
        return Ok(Map::new());
    };
    let expected = id_token::Expected {
        jwks_uri,
        client_id: &provider.client_id,
        issuers: &provider.issuers,
        nonce,
        now: state.clock.now().timestamp(),
    };
    id_token::verify(&state.sso_keys, &state.sso_http, id_token, &expected).await.map_err(|e| {
        tracing::warn!(provider = provider.name, error = ?e, "SSO id token refused");
        match e {
            IdTokenError::Nonce => {
                failed(StatusCode::BAD_REQUEST, "The id token's nonce does not match this sign-in. Start again.")
            }
            other => {
                failed(StatusCode::BAD_GATEWAY, &format!("The provider's id token is not usable: {}.", other.reason()))
            }
        }
    })
}

async fn fetch_userinfo(state: &AppState, url: &str, access_token: &str) -> Result<Map<String, Value>, Failed> {
    let unreachable =
        || failed(StatusCode::BAD_GATEWAY, "The provider's userinfo endpoint could not be reached. Try again later.");
    let answer = state.sso_http.get(url).bearer_auth(access_token).send().await.map_err(|e| {
        tracing::warn!(error = %e, "SSO userinfo endpoint unreachable");
        unreachable()
    })?;
    if !answer.status().is_success() {
        let status = answer.status();
        tracing::warn!(%status, "SSO userinfo endpoint refused");
        return Err(failed(StatusCode::BAD_GATEWAY, &format!("The provider's userinfo endpoint answered {status}.")));
    }
    answer.json::<Map<String, Value>>().await.map_err(|_| {
        failed(StatusCode::BAD_GATEWAY, "The provider's userinfo endpoint did not answer with a JSON object.")
    })
}
