//! Upstream connections through the proxy named by `HTTPS_PROXY`, `HTTP_PROXY` or
//! `ALL_PROXY` (minus `NO_PROXY`), read as curl reads them, as LiteLLM's client does too:
//! an HTTPS upstream is reached through a `CONNECT` tunnel (with the proxy URL's
//! credentials), a plain-HTTP one by sending the request to the proxy in absolute form.
//! Without those variables every connection goes straight to the upstream.

use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::net::TcpStream;
use tower_service::Service;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Connects to upstreams, through the environment's proxy where it applies.
#[derive(Clone)]
pub struct Connector {
    http: HttpConnector,
    proxies: Arc<Matcher>,
}

impl Connector {
    pub fn new(http: HttpConnector) -> Self {
        Self { http, proxies: Arc::new(Matcher::from_env()) }
    }
}

/// A connection to an upstream, or to the proxy that forwards plain-HTTP requests to it.
pub struct Stream {
    io: TokioIo<TcpStream>,
    /// Requests on it go in absolute form, for the proxy.
    forwarding: bool,
}

impl Service<http::Uri> for Connector {
    type Response = Stream;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Stream, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, destination: http::Uri) -> Self::Future {
        let mut http = self.http.clone();
        let Some(proxy) = self.proxies.intercept(&destination) else {
            return Box::pin(async move { Ok(Stream { io: http.call(destination).await?, forwarding: false }) });
        };
        if destination.scheme() == Some(&http::uri::Scheme::HTTPS) {
            let mut tunnel = Tunnel::new(proxy.uri().clone(), http);
            if let Some(auth) = proxy.basic_auth() {
                tunnel = tunnel.with_auth(auth.clone());
            }
            return Box::pin(async move { Ok(Stream { io: tunnel.call(destination).await?, forwarding: false }) });
        }
        let proxy = proxy.uri().clone();
        Box::pin(async move { Ok(Stream { io: http.call(proxy).await?, forwarding: true }) })
    }
}

impl Connection for Stream {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.forwarding)
    }
}

impl Read for Stream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl Write for Stream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
