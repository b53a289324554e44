//! The upstream HTTP clients: hyper's pooled client (keep-alive HTTP/1.1, HTTP/2 where the
//! server offers it through ALPN) over rustls with Mozilla's roots, one per serving thread
//! so that a request uses connections driven by its own thread (see `server::workers`).
//! Connections go through the environment's proxy where one is set (see `egress`).
//! Timeouts are the caller's: a connect timeout here, the deployment's request timeout
//! around [`Client::send`] and the body.

use super::egress::Connector;
use super::redact::Redactor;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use std::time::Duration;
use tokio::time::Instant;

pub type Request = http::Request<Full<Bytes>>;
pub type Response = http::Response<hyper::body::Incoming>;
/// A body sent as it arrives (an audio upload relayed), on clients of its own so that the
/// JSON requests' clients keep their plain body type.
pub type StreamingBody = http_body_util::combinators::UnsyncBoxBody<Bytes, axum::BoxError>;

/// Why an upstream call gave no answer.
#[derive(Debug)]
pub enum SendError {
    TimedOut,
    /// Could not connect, or the connection broke: the message says which.
    Failed(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::TimedOut => f.write_str("timed out"),
            SendError::Failed(message) => f.write_str(message),
        }
    }
}

pub struct UpstreamClients {
    connect_timeout: Duration,
    per_thread: thread_local::ThreadLocal<Client>,
    streaming: thread_local::ThreadLocal<Client<StreamingBody>>,
}

impl UpstreamClients {
    pub fn new(settings: &crate::config::RouterSettings) -> Self {
        Self {
            connect_timeout: Duration::from_secs(settings.connect_timeout),
            per_thread: Default::default(),
            streaming: Default::default(),
        }
    }

    /// This thread's client for bodies relayed as they arrive.
    pub fn streaming(&self) -> &Client<StreamingBody> {
        self.streaming.get_or(|| Client::new(self.connect_timeout))
    }

    /// This thread's client.
    pub fn get(&self) -> &Client {
        self.per_thread.get_or(|| Client::new(self.connect_timeout))
    }
}

pub struct Client<B = Full<Bytes>>(hyper_util::client::legacy::Client<HttpsConnector<Connector>, B>);

impl<B> Client<B>
where
    B: hyper::body::Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn new(connect_timeout: Duration) -> Self {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(connect_timeout));
        http.set_nodelay(true);
        let https = HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_all_versions()
            .wrap_connector(Connector::new(http));
        let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(256)
            .build(https);
        Self(client)
    }

    /// Sends a request and waits for the answer's head, until `deadline` when given.
    pub async fn send(&self, request: http::Request<B>, deadline: Option<Instant>) -> Result<Response, SendError> {
        let sent = self.0.request(request);
        let answer = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, sent).await.map_err(|_| SendError::TimedOut)?,
            None => sent.await,
        };
        answer.map_err(|e| SendError::Failed(describe(&e)))
    }
}

/// The whole body of an answer, until `deadline` when given.
pub async fn read_body(response: Response, deadline: Option<Instant>) -> Result<Bytes, SendError> {
    let collected = response.into_body().collect();
    let body = match deadline {
        Some(deadline) => tokio::time::timeout_at(deadline, collected).await.map_err(|_| SendError::TimedOut)?,
        None => collected.await,
    };
    body.map(|b| b.to_bytes()).map_err(|e| SendError::Failed(e.to_string()))
}

/// An error answer's whole body with every configured upstream credential taken out (see
/// `redact`): upstream error bodies enter the gateway only this way, so what is relayed to
/// the client, stored in the failure row or shown by the health check never has them. A
/// body that cannot be read is empty.
pub async fn read_error(response: Response, deadline: Option<Instant>, redactor: &Redactor) -> Bytes {
    let body = read_body(response, deadline).await.unwrap_or_default();
    match redactor.redact(&body) {
        std::borrow::Cow::Borrowed(_) => body,
        std::borrow::Cow::Owned(redacted) => Bytes::from(redacted),
    }
}

/// The answer's body as a stream of data chunks.
pub fn data_stream(response: Response) -> impl futures_util::Stream<Item = Result<Bytes, hyper::Error>> {
    response.into_body().into_data_stream()
}

/// hyper's error with its causes (the cause says what went wrong: refused, reset, TLS).
fn describe(error: &hyper_util::client::legacy::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
