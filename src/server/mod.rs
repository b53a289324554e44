//! The HTTP application and its life cycle. `app` builds the router from every domain's
//! routes (tests drive it in-process); `serve` adds the socket, the ready line and a
//! graceful shutdown that lets in-flight requests finish before the store is closed.

mod body_deadline;
mod capacity;
mod workers;

use crate::docs::ApiDoc;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request};
use std::time::Duration;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// The request id header: taken from the client or made here, echoed in the answer, and
/// the key of the request's spend row.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A new request id: a time-ordered UUID (v7). The id becomes the primary key of its
/// `spend_logs` row, and ids that grow with time append to the end of that index instead
/// of dirtying (and, once the table outgrows the page cache, reading) a random page of it
/// on every spend commit, as random v4 ids did.
pub fn new_request_id() -> HeaderValue {
    let mut buffer = uuid::Uuid::encode_buffer();
    let id = uuid::Uuid::now_v7().hyphenated().encode_lower(&mut buffer);
    HeaderValue::from_str(id).unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

/// LiteLLM's name for the request id, which its clients may send instead.
const CALL_ID: HeaderName = HeaderName::from_static("x-litellm-call-id");

/// The request id a client sent, in `x-request-id` or else LiteLLM's `x-litellm-call-id`,
/// if it is usable as one (not empty, at most 128 bytes of visible ASCII).
pub fn client_request_id(headers: &http::HeaderMap) -> Option<HeaderValue> {
    let usable = |v: &&HeaderValue| v.to_str().is_ok_and(|v| !v.is_empty() && v.len() <= 128);
    headers.get(REQUEST_ID).filter(usable).or_else(|| headers.get(CALL_ID).filter(usable)).cloned()
}

/// Gives a request without `x-request-id` the client's `x-litellm-call-id`, or else a
/// [`new_request_id`].
#[derive(Clone, Copy)]
struct TimeOrderedId;

impl MakeRequestId for TimeOrderedId {
    fn make_request_id<B>(&mut self, request: &Request<B>) -> Option<RequestId> {
        Some(RequestId::new(client_request_id(request.headers()).unwrap_or_else(new_request_id)))
    }
}

/// The whole application for a given state.
pub fn app(state: AppState) -> Router {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::health::routes())
        .merge(crate::keys::routes())
        .merge(crate::users::routes())
        .merge(crate::teams::routes())
        .merge(crate::models::routes())
        .merge(crate::customers::routes())
        .merge(crate::budgets::routes())
        .merge(crate::organizations::routes())
        .merge(crate::invitations::routes())
        .merge(crate::audit::routes())
        .merge(crate::gateway::routes())
        .merge(crate::spend::routes())
        .merge(crate::metrics::routes())
        .split_for_parts();
    api.merge(crate::docs::routes(openapi))
        .merge(crate::auth::routes())
        .merge(crate::ui::routes())
        .fallback(|| async { ApiError::NotFound("No such route. The API is described at /openapi.json.".into()) })
        // Before any handler: cookie-authenticated changes need a CSRF proof.
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::auth::csrf::guard))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
            let id = request.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
            // The path only: query strings can carry keys (`?key=`), which must not be logged.
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, TimeOrderedId))
        .with_state(state)
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "port {port} on {host} is taken: stop what uses it, or set `port` in [server] of proxy.toml, PORT, or --port"
    )]
    PortTaken { host: String, port: u16 },
    #[error("cannot listen on {host}:{port}: {source}")]
    Listen { host: String, port: u16, source: std::io::Error },
    #[error("the server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Binds, prints the ready line and serves until SIGTERM/SIGINT, then drains.
pub async fn serve(state: AppState) -> Result<(), ServeError> {
    let server = &state.config.settings.server;
    let (host, port) = (server.host.clone(), server.port);
    let listener = tokio::net::TcpListener::bind((host.as_str(), port)).await.map_err(|source| {
        if source.kind() == std::io::ErrorKind::AddrInUse {
            ServeError::PortTaken { host: host.clone(), port }
        } else {
            ServeError::Listen { host: host.clone(), port, source }
        }
    })?;
    let local = listener.local_addr()?;
    crate::jobs::start(&state);
    let grace = Duration::from_secs(server.shutdown_grace_seconds);
    // The ready line: people read it, and tests parse it to find a port chosen by the OS.
    println!("proxy {} listening on http://{local} (admin UI at /ui, API docs at /)", env!("CARGO_PKG_VERSION"));
    tracing::info!(address = %local, "listening");

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let body_timeout = Duration::from_secs(server.body_read_timeout_seconds.max(1));
    let max_connections = capacity::max_connections(server.max_connections);
    let service = workers::Service { app: app(state.clone()), state: state.clone(), body_timeout };
    let pool = workers::Pool::start(threads, service, stop_rx)?;
    tokio::select! {
        () = pool.accept(listener, max_connections) => {}
        () = shutdown_signal() => {}
    }
    // The listener is gone with the accept loop: new connections are refused from here.
    tracing::info!(
        grace_seconds = grace.as_secs(),
        "shutting down: no new connections, waiting for requests in flight"
    );
    let _ = stop_tx.send(true);
    if tokio::time::timeout(grace, pool.finished()).await.is_err() {
        tracing::warn!("requests still running after the grace period; closing them");
    }
    // Anything still queued (a stream whose client left) is committed before closing.
    state.ledger.flush(&state);
    if let Err(e) = state.db.checkpoint() {
        tracing::warn!(error = %e, "could not checkpoint the database on shutdown");
    }
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
