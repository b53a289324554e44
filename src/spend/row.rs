//! What the gateway hands the ledger: one spend row per request, with whom to charge, and
//! budget resets that admission found due.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Who pays for a request: the running spend of each is raised by its cost.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Charge {
    pub key: Option<String>,
    pub user: Option<String>,
    pub team: Option<String>,
    /// (team_id, user_id) of the key's team membership.
    pub member: Option<(String, String)>,
    /// The customer (end user) the request named. (Journal entries written before this
    /// field existed read as none.)
    #[serde(default)]
    pub customer: Option<String>,
    /// The organization of the key's team. (Journal entries written before this field
    /// existed read as none.)
    #[serde(default)]
    pub organization: Option<String>,
}

/// One `spend_logs` row and its charges.
/// Serialized into the spend journal (see `journal.rs`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpendRow {
    /// The row's identity: made by the server for every request, never taken from the
    /// client (a client-chosen key let one request hide another's row).
    pub request_id: String,
    /// The id the client sent (`x-request-id` or `x-litellm-call-id`), kept to search by.
    /// Journal entries written before this field existed read as none.
    #[serde(default)]
    pub client_request_id: Option<String>,
    /// The coding-agent session the request belongs to (Claude Code's
    /// `X-Claude-Code-Session-Id`). Journal entries written before this field existed read
    /// as none.
    #[serde(default)]
    pub session_id: Option<String>,
    /// LiteLLM's call type: `acompletion`, `atext_completion`, `aembedding`.
    pub call_type: String,
    /// The key hash, or `master_key`.
    pub api_key: String,
    pub user: Option<String>,
    pub team_id: Option<String>,
    /// The request's `user` field: the customer the caller serves. (Journal entries
    /// written before this field existed read as none.)
    #[serde(default)]
    pub end_user: Option<String>,
    /// The model the upstream was asked for.
    pub model: String,
    pub model_id: Option<String>,
    /// The public model name the client asked for.
    pub model_group: String,
    pub provider: String,
    pub api_base: Option<String>,
    pub start: String,
    pub end: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost: f64,
    pub status_ok: bool,
    /// A streamed answer's first chunk, in microseconds after `start` (LiteLLM's
    /// `completionStartTime`); none for answers that were not streamed. Left out of the
    /// journal's JSON when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_token: Option<u64>,
    pub metadata: Value,
    pub charge: Charge,
    /// The request's tags (LiteLLM's `request_tags`), its key's and team's included.
    /// Journal entries written before this field existed read as none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The request and response bodies, when payload capture is on for this request. Not
    /// in the journal: the ledger writes them to `spend_payloads` in the same commit as the
    /// row, whichever table the row goes to (see `payloads`).
    #[serde(skip)]
    pub payload: Option<Box<super::payloads::Payload>>,
}

/// A budget whose period has ended (admission asks the ledger to write it).
pub use crate::limits::reset::Reset;
