//! A mock OAuth 2.0 / OIDC provider: a real HTTP server on 127.0.0.1 (its own thread and
//! runtime) with authorize, token and userinfo endpoints. Authorize redirects straight
//! back with a code for the claims the test set; the token endpoint checks the client,
//! the redirect URI and the PKCE verifier and refuses a code used twice, as real
//! providers do; it issues an id token with the nonce of the authorization request,
//! RS256-signed with a test-only key it publishes at `/jwks` (see `keys/README.md`).

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const CLIENT_ID: &str = "proxy-test-client";
pub const CLIENT_SECRET: &str = "proxy-test-secret";

#[derive(Default)]
pub struct Shared {
    /// Claims of the user who "signs in" next.
    pub claims: Mutex<Value>,
    codes: Mutex<HashMap<String, Grant>>,
    tokens: Mutex<HashMap<String, Value>>,
    /// Every authorization request's query, for assertions.
    pub authorize_requests: Mutex<Vec<HashMap<String, String>>>,
    pub token_requests: Mutex<u32>,
    /// Claims forced into the next id tokens (to test a wrong nonce or audience).
    pub id_token_overrides: Mutex<Value>,
    /// Sign the next id tokens with a key that is not published (a forgery).
    pub sign_with_other_key: Mutex<bool>,
    pub jwks_requests: Mutex<u32>,
    /// Publish the signing key under a new key id and sign with it (a key rotation).
    pub rotated: Mutex<bool>,
    /// The mock's base URL, which is its `iss`.
    issuer: std::sync::OnceLock<String>,
}

/// The mock's signing key and its public half as a JWK; test-only, they protect nothing.
const SIGNING_KEY: &[u8] = include_bytes!("keys/test-only-idp-key.pem");
const SIGNING_JWK: &str = include_str!("keys/test-only-idp-key.jwk.json");
const SIGNING_KID: &str = "mock-idp-1";
const ROTATED_KID: &str = "mock-idp-2";
/// A key the mock never publishes: what a forger would sign with.
const OTHER_KEY: &[u8] = include_bytes!("keys/test-only-other-key.pem");

/// The key id the mock signs with and publishes now.
fn kid(shared: &Shared) -> &'static str {
    if *shared.rotated.lock().unwrap() { ROTATED_KID } else { SIGNING_KID }
}

#[derive(Clone)]
struct Grant {
    claims: Value,
    redirect_uri: String,
    challenge: Option<String>,
    nonce: Option<String>,
    used: bool,
}

pub struct MockIdp {
    pub base: String,
    pub shared: Arc<Shared>,
}

impl MockIdp {
    pub fn start() -> MockIdp {
        let shared = Arc::new(Shared::default());
        let (tx, rx) = std::sync::mpsc::channel();
        let state = shared.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                let app = axum::Router::new()
                    .route("/authorize", get(authorize))
                    .route("/token", post(token))
                    .route("/userinfo", get(userinfo))
                    .route("/jwks", get(jwks))
                    .with_state(state);
                axum::serve(listener, app).await.unwrap();
            });
        });
        let address = rx.recv().unwrap();
        let _ = shared.issuer.set(format!("http://{address}"));
        MockIdp { base: format!("http://{address}"), shared }
    }

    pub fn set_claims(&self, claims: Value) {
        *self.shared.claims.lock().unwrap() = claims;
    }

    /// The environment that points the proxy's generic provider here.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("GENERIC_CLIENT_ID", CLIENT_ID.into()),
            ("GENERIC_CLIENT_SECRET", CLIENT_SECRET.into()),
            ("GENERIC_AUTHORIZATION_ENDPOINT", format!("{}/authorize", self.base)),
            ("GENERIC_TOKEN_ENDPOINT", format!("{}/token", self.base)),
            ("GENERIC_USERINFO_ENDPOINT", format!("{}/userinfo", self.base)),
            ("GENERIC_JWKS_ENDPOINT", format!("{}/jwks", self.base)),
            ("GENERIC_ISSUER", self.base.clone()),
            ("GENERIC_USER_ID_ATTRIBUTE", "preferred_username".into()),
        ]
    }

    pub fn last_authorize(&self) -> HashMap<String, String> {
        self.shared.authorize_requests.lock().unwrap().last().cloned().unwrap_or_default()
    }
}

fn random() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

async fn authorize(State(shared): State<Arc<Shared>>, Query(query): Query<HashMap<String, String>>) -> Response {
    shared.authorize_requests.lock().unwrap().push(query.clone());
    if query.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return (StatusCode::BAD_REQUEST, "unknown client").into_response();
    }
    let redirect_uri = query.get("redirect_uri").cloned().unwrap_or_default();
    let code = random();
    let grant = Grant {
        claims: shared.claims.lock().unwrap().clone(),
        redirect_uri: redirect_uri.clone(),
        challenge: query.get("code_challenge").cloned(),
        nonce: query.get("nonce").cloned(),
        used: false,
    };
    shared.codes.lock().unwrap().insert(code.clone(), grant);
    let state = query.get("state").cloned().unwrap_or_default();
    let target = format!(
        "{redirect_uri}?code={code}&state={}",
        form_urlencoded::byte_serialize(state.as_bytes()).collect::<String>()
    );
    Redirect::to(&target).into_response()
}

fn oauth_error(error: &str, description: &str) -> Response {
    (StatusCode::BAD_REQUEST, axum::Json(json!({"error": error, "error_description": description}))).into_response()
}

async fn jwks(State(shared): State<Arc<Shared>>) -> Response {
    *shared.jwks_requests.lock().unwrap() += 1;
    let mut key: Value = serde_json::from_str(SIGNING_JWK).unwrap();
    key["kid"] = json!(kid(&shared));
    axum::Json(json!({"keys": [key]})).into_response()
}

async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    *shared.token_requests.lock().unwrap() += 1;
    let basic =
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}")));
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(basic.as_str()) {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_client"}))).into_response();
    }
    let code = form.get("code").cloned().unwrap_or_default();
    let grant = {
        let mut codes = shared.codes.lock().unwrap();
        let Some(grant) = codes.get_mut(&code) else { return oauth_error("invalid_grant", "unknown code") };
        if grant.used {
            return oauth_error("invalid_grant", "authorization code already used");
        }
        grant.used = true;
        grant.clone()
    };
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return oauth_error("invalid_grant", "redirect_uri differs");
    }
    if let Some(challenge) = &grant.challenge {
        let verifier = form.get("code_verifier").cloned().unwrap_or_default();
        let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        if &computed != challenge {
            return oauth_error("invalid_grant", "PKCE verifier does not match");
        }
    }
    let access_token = random();
    shared.tokens.lock().unwrap().insert(access_token.clone(), grant.claims.clone());
    let now = chrono::Utc::now().timestamp();
    let mut id_claims = grant.claims.clone();
    if let Some(object) = id_claims.as_object_mut() {
        object.insert("iss".into(), json!(shared.issuer.get().cloned().unwrap_or_default()));
        object.insert("aud".into(), json!(CLIENT_ID));
        object.insert("iat".into(), json!(now));
        object.insert("exp".into(), json!(now + 300));
        if let Some(nonce) = &grant.nonce {
            object.insert("nonce".into(), json!(nonce));
        }
        if let Some(overrides) = shared.id_token_overrides.lock().unwrap().as_object() {
            object.extend(overrides.clone());
        }
    }
    // A forgery names the published key id, as a forger would.
    let pem = if *shared.sign_with_other_key.lock().unwrap() { OTHER_KEY } else { SIGNING_KEY };
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(kid(&shared).into());
    let id_token =
        jsonwebtoken::encode(&header, &id_claims, &jsonwebtoken::EncodingKey::from_rsa_pem(pem).unwrap()).unwrap();
    axum::Json(json!({"access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token}))
        .into_response()
}

async fn userinfo(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    match token.and_then(|t| shared.tokens.lock().unwrap().get(t).cloned()) {
        Some(claims) => axum::Json(claims).into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}
