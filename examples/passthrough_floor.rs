//! The floor under the gateway's speed: a bare pass-through built from the same parts as
//! the proxy (hyper's server and client on one single-threaded runtime per core, keep-alive
//! upstream connections) that does none of the gateway's work: no key, no JSON, no spend
//! row. `bench/floor.sh` runs it beside nginx, so that what the proxy costs above it is the
//! gateway's own work.
//!
//! Usage: `PORT=<listen port> UPSTREAM=http://127.0.0.1:<port>/v1/chat/completions
//! cargo run --release --example passthrough_floor`

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::error::Error;

type Upstream = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

fn main() -> Result<(), Box<dyn Error>> {
    let port: u16 = std::env::var("PORT")?.parse()?;
    let upstream: hyper::Uri = std::env::var("UPSTREAM")?.parse()?;
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
    listener.set_nonblocking(true)?;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut serving = Vec::new();
    for _ in 0..threads {
        let (listener, upstream) = (listener.try_clone()?, upstream.clone());
        serving.push(std::thread::spawn(move || -> Result<(), String> {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            runtime.block_on(serve(listener, upstream)).map_err(|e| e.to_string())
        }));
    }
    for thread in serving {
        thread.join().map_err(|_| "a serving thread panicked")??;
    }
    Ok(())
}

async fn serve(listener: std::net::TcpListener, upstream: hyper::Uri) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let client: Upstream = Client::builder(TokioExecutor::new()).build_http();
    loop {
        let (socket, _) = listener.accept().await?;
        socket.set_nodelay(true)?;
        let (client, upstream) = (client.clone(), upstream.clone());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let (client, upstream) = (client.clone(), upstream.clone());
                async move { Ok::<_, std::convert::Infallible>(pass(client, upstream, request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(socket), service).await;
        });
    }
}

/// The request's body to the upstream and its answer back, or a 502.
async fn pass(client: Upstream, upstream: hyper::Uri, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let answer = async {
        let body = request.into_body().collect().await?.to_bytes();
        let outgoing = Request::post(upstream).header("content-type", "application/json").body(Full::new(body))?;
        let body = client.request(outgoing).await?.into_body().collect().await?.to_bytes();
        Ok::<_, Box<dyn Error + Send + Sync>>(body)
    };
    let (status, body) = match answer.await {
        Ok(body) => (StatusCode::OK, body),
        Err(error) => (StatusCode::BAD_GATEWAY, Bytes::from(error.to_string())),
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/json"));
    response
}
