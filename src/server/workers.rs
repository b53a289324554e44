//! Thread-per-core serving. One thread accepts connections and hands each to the serving
//! thread with the fewest open connections; every serving thread runs its own
//! single-threaded runtime, so a request is parsed, sent upstream (over that thread's own
//! upstream connections, see `gateway::UpstreamClients`), answered and charged without
//! moving between threads. A work-stealing runtime moves tasks and wakes other threads on
//! every hop instead, which at one connection cost about a fifth of the CPU of a request.
//!
//! One listener rather than a `SO_REUSEPORT` socket per thread, so that a port held by
//! another process is still refused instead of shared.

use super::body_deadline::DeadlineBody;
use super::capacity::RefusalLog;
use crate::gateway::direct;
use crate::state::AppState;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};
use tower::ServiceExt;

/// What a serving thread answers with: the model routes straight (see `gateway::direct`),
/// everything else through the router.
#[derive(Clone)]
pub struct Service {
    pub app: Router,
    pub state: AppState,
    /// How long a request's body may take to arrive after its headers.
    pub body_timeout: Duration,
}

/// How long a request's headers may take to arrive (hyper's default, said here).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A serving thread as the acceptor sees it.
struct Worker {
    connections: Arc<AtomicUsize>,
    hand_over: mpsc::UnboundedSender<(std::net::TcpStream, SocketAddr)>,
}

/// The serving threads; dropping the pool lets them finish their connections and end.
pub struct Pool {
    workers: Vec<Worker>,
    done: Vec<oneshot::Receiver<()>>,
}

impl Pool {
    /// Starts `threads` serving threads for `app`; they begin a graceful shutdown of
    /// their connections once `stop` turns true.
    pub fn start(threads: usize, app: Service, stop: watch::Receiver<bool>) -> std::io::Result<Self> {
        let mut pool = Pool { workers: Vec::new(), done: Vec::new() };
        for index in 0..threads.max(1) {
            let (hand_over, arrivals) = mpsc::unbounded_channel();
            let (done_tx, done) = oneshot::channel();
            let connections = Arc::new(AtomicUsize::new(0));
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let (app, stop, counter) = (app.clone(), stop.clone(), connections.clone());
            std::thread::Builder::new().name(format!("proxy-http-{index}")).spawn(move || {
                runtime.block_on(serve_handed_over(arrivals, app, stop, counter));
                let _ = done_tx.send(());
            })?;
            pool.workers.push(Worker { connections, hand_over });
            pool.done.push(done);
        }
        Ok(pool)
    }

    /// Accepts connections until the future is dropped, holding at most `max_connections`
    /// open: past it a new connection is closed at once.
    pub async fn accept(&self, listener: TcpListener, max_connections: usize) {
        let mut refusals = RefusalLog::default();
        loop {
            match listener.accept().await {
                Ok((stream, address)) => {
                    if self.open_connections() >= max_connections {
                        drop(stream);
                        refusals.refused(max_connections, std::time::Instant::now());
                        continue;
                    }
                    self.hand_over(stream, address);
                }
                Err(error) if is_connection_error(&error) => {}
                // Out of file descriptors, most likely: wait for connections to close
                // rather than spin.
                Err(error) => {
                    tracing::error!(%error, "cannot accept connections");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    fn open_connections(&self) -> usize {
        self.workers.iter().map(|w| w.connections.load(Ordering::Relaxed)).sum()
    }

    fn hand_over(&self, stream: TcpStream, address: SocketAddr) {
        // Small writes (stream chunks) go out at once rather than after the previous
        // segment is acknowledged.
        let _ = stream.set_nodelay(true);
        let Ok(stream) = stream.into_std() else { return };
        let Some(worker) = self.workers.iter().min_by_key(|w| w.connections.load(Ordering::Relaxed)) else {
            return;
        };
        worker.connections.fetch_add(1, Ordering::Relaxed);
        let _ = worker.hand_over.send((stream, address));
    }

    /// Waits until every serving thread has finished its connections.
    pub async fn finished(self) {
        drop(self.workers);
        for done in self.done {
            let _ = done.await;
        }
    }
}

async fn serve_handed_over(
    mut arrivals: mpsc::UnboundedReceiver<(std::net::TcpStream, SocketAddr)>,
    app: Service,
    stop: watch::Receiver<bool>,
    connections: Arc<AtomicUsize>,
) {
    let mut running = tokio::task::JoinSet::new();
    while let Some((stream, address)) = arrivals.recv().await {
        while running.try_join_next().is_some() {}
        let Ok(stream) = TcpStream::from_std(stream) else {
            connections.fetch_sub(1, Ordering::Relaxed);
            continue;
        };
        let (app, stop, connections) = (app.clone(), stop.clone(), connections.clone());
        running.spawn(async move {
            serve_connection(stream, address, app, stop).await;
            connections.fetch_sub(1, Ordering::Relaxed);
        });
    }
    while running.join_next().await.is_some() {}
}

async fn serve_connection(stream: TcpStream, address: SocketAddr, app: Service, mut stop: watch::Receiver<bool>) {
    // One request at a time on an HTTP/1 connection, so one flag serves them all.
    let body_timed_out = Arc::new(AtomicBool::new(false));
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let app = app.clone();
        let timed_out = body_timed_out.clone();
        async move {
            timed_out.store(false, Ordering::Relaxed);
            let deadline = tokio::time::Instant::now() + app.body_timeout;
            if direct::is_probe(&request) {
                return Ok::<_, Infallible>(StatusCode::OK.into_response());
            }
            let endpoint = direct::endpoint_of(&request);
            let request = request.map(|body| DeadlineBody::new(body, deadline, timed_out.clone()));
            let response = match endpoint {
                Some(endpoint) => direct::serve(app.state, request, endpoint, address.ip()).await,
                None => {
                    let mut request = request.map(Body::new);
                    request.extensions_mut().insert(ConnectInfo(address));
                    match app.app.oneshot(request).await {
                        Ok(response) => response,
                        Err(never) => match never {},
                    }
                }
            };
            if timed_out.load(Ordering::Relaxed) {
                return Ok::<_, Infallible>(body_too_slow(app.body_timeout));
            }
            Ok(response)
        }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended with an error");
            }
            return;
        }
        _ = stop.wait_for(|stopped| *stopped) => {}
    }
    // Finishes the request in flight (a stream runs to its end), then closes.
    connection.as_mut().graceful_shutdown();
    let _ = connection.await;
}

/// The answer to a request whose body did not arrive in time; the connection closes
/// after it (the rest of the body may still come and cannot be told from a request).
fn body_too_slow(timeout: Duration) -> Response {
    let message = format!(
        "The request body did not arrive within {} seconds of its headers (server.body_read_timeout_seconds).",
        timeout.as_secs()
    );
    let body = serde_json::json!({
        "error": {"message": message, "type": "request_timeout", "param": null, "code": "408"}
    });
    let mut response = (StatusCode::REQUEST_TIMEOUT, axum::Json(body)).into_response();
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn is_connection_error(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(error.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset)
}
