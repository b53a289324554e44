//! Single sign-on with Google, Microsoft or any OAuth 2.0/OIDC provider: authorization
//! code with PKCE, `state` and (with an id token) `nonce`, started at
//! `GET /sso/key/generate` and finished at `GET /sso/callback`. Every failure ends on a
//! page that says what went wrong (4xx for the user's or the provider's refusal, 502 when
//! the provider cannot be reached), never a 500 with nothing to read.

mod flow;
mod generic;
mod google;
mod id_token;
pub mod identity;
mod jwks;
mod microsoft;
pub mod provider;
pub mod provision;

pub use jwks::KeySets;
pub use provider::Provider;

use crate::state::AppState;
use axum::routing::get;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/sso/key/generate", get(flow::start)).route("/sso/callback", get(flow::callback))
}
