//! A deadline for a request's body. hyper times out slow headers (30 s) but not bodies, so
//! a client sending one byte every few seconds held its connection, and a file
//! descriptor, for ever. Each request's body must now arrive whole within
//! `server.body_read_timeout_seconds` of its headers; a slower one fails the read, and the
//! connection answers 408 and closes (see `workers::serve_connection`).
//!
//! A whole-body deadline rather than one between chunks: a byte every two seconds never
//! leaves a gap long enough for a per-chunk timer. A body that arrives with its headers
//! (nearly all of them) never starts a timer.

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use tokio::time::{Instant, Sleep};

/// The error a body read gets once the deadline has passed.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
pub struct BodyTimedOut;

/// A request body that fails once its deadline passes, and says so in `timed_out`.
pub struct DeadlineBody {
    inner: Incoming,
    deadline: Instant,
    /// Started the first time the body is not ready, so fast bodies pay for no timer.
    timer: Option<Pin<Box<Sleep>>>,
    timed_out: Arc<AtomicBool>,
}

impl DeadlineBody {
    pub fn new(inner: Incoming, deadline: Instant, timed_out: Arc<AtomicBool>) -> Self {
        DeadlineBody { inner, deadline, timer: None, timed_out }
    }

    fn fail(&mut self) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        self.timed_out.store(true, Ordering::Relaxed);
        Poll::Ready(Some(Err(Box::new(BodyTimedOut))))
    }
}

impl Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            // A trickle always has a byte ready when asked: the deadline is checked anyway.
            if this.timer.as_ref().is_some_and(|timer| timer.is_elapsed()) && frame.is_some() {
                return this.fail();
            }
            return Poll::Ready(frame.map(|r| r.map_err(Into::into)));
        }
        let deadline = this.deadline;
        let timer = this.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => this.fail(),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
