//! A `/v1/responses` answer on its way out: when the gateway made it (its id is
//! `resp_` + the spend row's id: the model was reached through another API), it is kept in
//! the store before the client sees its end, so a follow-up naming it as
//! `previous_response_id` finds it. A whole answer is read once more; a stream is watched
//! for its final event (`response.completed` or `response.incomplete`). A relayed
//! upstream's answers carry the upstream's ids and pass untouched.

use super::chain::{self, contains};
use crate::state::AppState;
use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt;
use http::header::CONTENT_TYPE;
use serde_json::Value;

/// `response` (a 200 answer) after the gateway's own answer in it is kept for `owner`.
/// `ours` is the id the gateway gives its answer; `body` the request as sent on.
pub async fn keeping(state: AppState, owner: String, ours: String, body: Bytes, response: Response) -> Response {
    let streamed = response.headers().get(CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    let (parts, answer) = response.into_parts();
    if !streamed {
        // Whole answers are built in memory; this only joins their pieces.
        let bytes = axum::body::to_bytes(answer, usize::MAX).await.unwrap_or_default();
        if contains(&bytes, ours.as_bytes())
            && let Ok(object) = serde_json::from_slice::<Value>(&bytes)
            && object["id"] == ours.as_str()
        {
            chain::keep(&state, owner, &body, object).await;
        }
        return Response::from_parts(parts, Body::from(bytes));
    }
    let events = answer.into_data_stream().then(move |chunk| {
        let (state, owner, ours, body) = (state.clone(), owner.clone(), ours.clone(), body.clone());
        async move {
            if let Ok(event) = &chunk
                && let Some(object) = final_response(event, &ours)
            {
                chain::keep(&state, owner, &body, object).await;
            }
            chunk
        }
    });
    Response::from_parts(parts, Body::from_stream(events))
}

/// The `response` of a final event naming `ours`.
fn final_response(event: &[u8], ours: &str) -> Option<Value> {
    let last = event.starts_with(b"event: response.completed") || event.starts_with(b"event: response.incomplete");
    if !last || !contains(event, ours.as_bytes()) {
        return None;
    }
    let data = crate::gateway::conversation::data_of(event)?;
    let payload: Value = serde_json::from_str(&data).ok()?;
    let response = payload.get("response")?;
    (response["id"] == ours).then(|| response.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_final_event_of_our_own_response_is_kept() {
        let done = b"event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"output\":[]}}\n\n";
        assert_eq!(final_response(done, "resp_1").map(|r| r["id"].clone()), Some("resp_1".into()));
        assert!(final_response(done, "resp_2").is_none(), "a relayed upstream's response");
        let delta = b"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"resp_1\"}\n\n";
        assert!(final_response(delta, "resp_1").is_none());
    }
}
