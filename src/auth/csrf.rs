//! CSRF protection for requests authenticated by the session cookie. The cookie is sent
//! by the browser on its own, so a state-changing request (POST, PUT, PATCH, DELETE) that
//! relies on it must also prove it came from our pages: an `x-csrf-token` header or a
//! `csrf_token` form field equal to the session's token, or an `Origin` header naming this
//! proxy. Requests that carry a key (bearer or API-key header) are not cookie-authenticated
//! and pass. Runs as one middleware so no route can forget it.
//!
//! Sign-in (`POST /login`, `/v2/login`) has no session yet, so no token; a form posted from
//! another site would sign the victim's browser in to the attacker's account (login CSRF).
//! Those posts are refused when the browser says they come from elsewhere: `Sec-Fetch-Site`
//! (set by the browser, so right even behind a proxy that rewrites `Host`), else `Origin`.
//! Clients that send neither (curl, scripts) are no browser to attack and pass.

use super::request_info::RequestInfo;
use super::session::{self, SessionClaims};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

pub const HEADER: &str = "x-csrf-token";
pub const FIELD: &str = "csrf_token";
const SIGN_IN_REFUSED: &str = "Sign-in refused: the sign-in form was sent from another site. Open this proxy's \
     sign-in page and sign in there.";
const REFUSED: &str = "CSRF check failed: this request uses your sign-in cookie but carries no valid CSRF token \
     (form field `csrf_token` or header `x-csrf-token`) and does not come from this proxy's pages (Origin). \
     Reload the page and try again, or call the API with a key.";
/// Largest form body read to find the token.
const MAX_FORM: usize = 1 << 20;

/// Routes that are not cookie-authenticated or protect themselves. `/logout` is not one:
/// a cross-site form could otherwise end every session of whoever visits its page.
fn exempt(path: &str) -> bool {
    path == "/ui/onboarding" || path.starts_with("/sso/")
}

fn is_sign_in(path: &str) -> bool {
    matches!(path, "/login" | "/v2/login")
}

pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !unsafe_method || exempt(request.uri().path()) {
        return next.run(request).await;
    }
    if is_sign_in(request.uri().path()) {
        let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let ours = RequestInfo::from_headers(request.headers(), peer, &state).origin;
        if from_another_site(request.headers(), &ours) {
            return refuse_with(&request, SIGN_IN_REFUSED, ("/ui/login", "Go to the sign-in page"));
        }
        return next.run(request).await;
    }
    let custom = state.config.settings.general_settings.litellm_key_header_name.as_deref();
    if !matches!(super::presented_key(request.headers(), custom), Ok(None)) {
        return next.run(request).await;
    }
    let Some(claims) =
        session::cookie(request.headers(), session::COOKIE).and_then(|t| state.sessions.verify::<SessionClaims>(t))
    else {
        return next.run(request).await;
    };
    let headers = request.headers();
    if headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|token| state.sessions.mac_matches("csrf", &claims.sid, token))
    {
        return next.run(request).await;
    }
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let info = RequestInfo::from_headers(headers, peer, &state);
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    if origin.is_some_and(|origin| super::request_info::origin_of(origin) == info.origin) {
        return next.run(request).await;
    }
    // A foreign or missing Origin may still carry the form token (behind a reverse proxy
    // that rewrites Host, our own pages' Origin looks foreign).
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return refuse(&request);
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response();
    };
    let token = form_urlencoded_field(&bytes, FIELD);
    if token.is_some_and(|t| state.sessions.mac_matches("csrf", &claims.sid, &t)) {
        return next.run(Request::from_parts(parts, Body::from(bytes))).await;
    }
    refuse(&Request::from_parts(parts, Body::empty()))
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// Whether a browser says this request comes from a page of another site. `same-site`
/// (a sibling subdomain, which may be someone else's) is not trusted: `Origin` decides.
/// `Origin: null` (sandboxed frames, redirects across sites) counts as foreign.
fn from_another_site(headers: &HeaderMap, our_origin: &str) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    match text("sec-fetch-site") {
        Some(site) if site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none") => return false,
        Some(site) if site.eq_ignore_ascii_case("cross-site") => return true,
        _ => {}
    }
    match text(header::ORIGIN.as_str()) {
        Some(origin) => super::request_info::origin_of(origin) != our_origin,
        None => false,
    }
}

fn refuse<B>(request: &Request<B>) -> Response {
    refuse_with(request, REFUSED, ("/ui", "Back to the UI"))
}

fn refuse_with<B>(request: &Request<B>, text: &str, link: (&str, &str)) -> Response {
    let wants_html =
        request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    if wants_html {
        crate::ui::message(StatusCode::FORBIDDEN, "Request refused", text, Some(link))
    } else {
        crate::error::ApiError::Forbidden(text.into()).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn sign_in_posts_from_other_sites_are_told_apart() {
        let ours = "http://127.0.0.1:4000";
        let foreign = |pairs| from_another_site(&headers(pairs), ours);
        assert!(!foreign(&[]), "curl sends neither header");
        assert!(!foreign(&[("origin", "http://127.0.0.1:4000")]));
        assert!(foreign(&[("origin", "https://evil.example")]));
        assert!(foreign(&[("origin", "null")]));
        assert!(foreign(&[("sec-fetch-site", "cross-site")]));
        assert!(foreign(&[("sec-fetch-site", "cross-site"), ("origin", "http://127.0.0.1:4000")]));
        // The browser's own verdict wins over an Origin a rewriting reverse proxy confuses.
        assert!(!foreign(&[("sec-fetch-site", "same-origin"), ("origin", "https://public.example")]));
        assert!(!foreign(&[("sec-fetch-site", "none")]));
        assert!(foreign(&[("sec-fetch-site", "same-site"), ("origin", "https://other.example")]));
        assert!(!foreign(&[("sec-fetch-site", "same-site"), ("origin", "http://127.0.0.1:4000")]));
    }
}
