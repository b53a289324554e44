//! What a request says about where it came from: the client's address, whether the
//! browser spoke HTTPS, and the public origin of the proxy. Forwarded headers are believed
//! only from the peers listed in `server.trusted_proxies`; anyone else could forge them to
//! dodge the sign-in rate limit or to get a cookie without `Secure`.

use crate::state::AppState;
use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use std::net::{IpAddr, SocketAddr};

#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// The client's address ("unknown" when the server runs without connection info, as
    /// in in-process tests).
    pub client: String,
    pub https: bool,
    /// `scheme://host[:port]` of the proxy as the browser sees it.
    pub origin: String,
}

impl RequestInfo {
    pub fn from_headers(headers: &HeaderMap, peer: Option<IpAddr>, state: &AppState) -> Self {
        let server = &state.config.settings.server;
        let trusted = peer.is_some_and(|ip| server.trusted_proxies.iter().any(|t| matches_peer(t, ip)));
        let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        let forwarded_proto = if trusted { text(header::HeaderName::from_static("x-forwarded-proto")) } else { None };
        let forwarded_for = if trusted { forwarded_client(headers, &server.trusted_proxies) } else { None };
        let client = forwarded_for
            .map(str::to_string)
            .or_else(|| peer.map(|p| p.to_string()))
            .unwrap_or_else(|| "unknown".into());
        let configured = server.base_url.as_deref().map(|b| b.trim_end_matches('/').to_string());
        let https = match forwarded_proto {
            Some(proto) => proto.eq_ignore_ascii_case("https"),
            // The proxy itself speaks plain HTTP; a configured https base URL means a TLS
            // terminator in front that the browser talks to.
            None => configured.as_deref().is_some_and(|b| b.starts_with("https://")),
        };
        let origin = match &configured {
            Some(base) => origin_of(base),
            None => {
                let forwarded_host =
                    if trusted { text(header::HeaderName::from_static("x-forwarded-host")) } else { None };
                let host = forwarded_host.or_else(|| text(header::HOST)).unwrap_or("localhost");
                format!("{}://{host}", if https { "https" } else { "http" })
            }
        };
        Self { client, https, origin }
    }
}

/// The client's address as [`RequestInfo::client`] finds it, as an IP (`None` without
/// connection info), for per-address limits. Reads no more than it needs.
pub fn client_ip(headers: &HeaderMap, peer: Option<IpAddr>, state: &AppState) -> Option<IpAddr> {
    let peer = peer?;
    let trusted = &state.config.settings.server.trusted_proxies;
    if trusted.is_empty() || !trusted.iter().any(|t| matches_peer(t, peer)) {
        return Some(peer);
    }
    Some(forwarded_client(headers, trusted).and_then(|hop| hop.parse().ok()).unwrap_or(peer))
}

/// The client in `X-Forwarded-For`, sent by a trusted proxy. Proxies append to it, so the
/// left end is whatever the client wrote: the client is the rightmost address that is not
/// one of our trusted proxies.
fn forwarded_client<'h>(headers: &'h HeaderMap, trusted: &[String]) -> Option<&'h str> {
    let value = headers.get("x-forwarded-for")?.to_str().ok()?;
    value.rsplit(',').map(str::trim).find(|hop| !trusted.iter().any(|t| t.trim() == *hop))
}

/// The base URL the proxy builds absolute links with: `server.base_url`, else the origin
/// of the request.
pub fn base_url(state: &AppState, info: &RequestInfo) -> String {
    match &state.config.settings.server.base_url {
        Some(base) => base.trim_end_matches('/').to_string(),
        None => info.origin.clone(),
    }
}

/// `scheme://host[:port]` of a URL (drops any path).
pub fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{}://{}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase())
}

fn matches_peer(trusted: &str, ip: IpAddr) -> bool {
    trusted.trim().parse::<IpAddr>().is_ok_and(|t| t == ip)
}

/// The connection's peer address, when the server runs with connection info (the
/// binary does; in-process tests do not).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub Option<IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())))
    }
}

/// The public base URL of the request (`base_url` of its `RequestInfo`), for handlers that
/// build absolute links and need nothing else from the request.
pub struct PublicBase(pub String);

impl axum::extract::FromRequestParts<AppState> for PublicBase {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        Ok(PublicBase(base_url(state, &RequestInfo::from_headers(&parts.headers, peer, state))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_the_last_hop_before_our_proxies() {
        let mut config = crate::config::Config::defaults();
        config.settings.server.trusted_proxies = vec!["10.0.0.1".into()];
        let dir = tempfile::tempdir().unwrap();
        config.settings.server.database_path = dir.path().join("p.db").display().to_string();
        let (state, _) = AppState::open(config).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 1.2.3.4, 10.0.0.1".parse().unwrap());
        headers.insert("x-forwarded-proto", "https".parse().unwrap());
        let behind = RequestInfo::from_headers(&headers, Some("10.0.0.1".parse().unwrap()), &state);
        assert_eq!(behind.client, "1.2.3.4");
        assert!(behind.https);
        let direct = RequestInfo::from_headers(&headers, Some("5.5.5.5".parse().unwrap()), &state);
        assert_eq!(direct.client, "5.5.5.5");
        assert!(!direct.https);
    }

    #[test]
    fn origin_drops_the_path_and_case() {
        assert_eq!(origin_of("https://LLM.example.com/proxy/"), "https://llm.example.com");
        assert_eq!(origin_of("http://127.0.0.1:4000"), "http://127.0.0.1:4000");
    }
}
