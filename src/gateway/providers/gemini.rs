//! Google's Gemini API: `{api_base}/v1beta/models/{model}:generateContent`, or
//! `:streamGenerateContent?alt=sse` for streams, with the key in `x-goog-api-key`. Gemini
//! speaks its own dialect, so every request reaches it translated (see `conversation`).

use super::{Call, Dialect, Endpoint, Provider, credential_value, join, post_with};
use crate::config::ApiBase;
use crate::gateway::router::Deployment;
use crate::gateway::upstream::Request;
use http::header::HeaderName;

const DEFAULT_BASE: &str = "https://generativelanguage.googleapis.com";
const API_KEY: HeaderName = HeaderName::from_static("x-goog-api-key");

pub struct Gemini;

impl Provider for Gemini {
    fn name(&self) -> &'static str {
        "gemini"
    }

    fn dialect(&self) -> Dialect {
        Dialect::Gemini
    }

    fn request(&self, deployment: &Deployment, call: Call<'_>) -> Result<Request, String> {
        if call.endpoint != Endpoint::Chat {
            return Err(format!("the {} endpoint has no counterpart at Gemini", call.endpoint.path()));
        }
        let base = deployment.api_base.as_ref().map_or_else(|| DEFAULT_BASE.to_string(), ApiBase::request_url);
        let url = join(&base, &method_path(&base, call.model, call.stream));
        let key = deployment.api_key.as_deref().map(credential_value).transpose()?.map(|key| (API_KEY, key));
        post_with(&url, key.into_iter(), call.body)
    }
}

/// The path under `api_base`: a base that already names the API version is taken as it is.
fn method_path(base: &str, model: &str, stream: bool) -> String {
    let method = if stream { "streamGenerateContent?alt=sse" } else { "generateContent" };
    let base = base.trim_end_matches('/');
    let versioned = base.ends_with("/v1beta") || base.ends_with("/v1") || base.ends_with("/v1alpha");
    let model: String = form_urlencoded::byte_serialize(model.as_bytes()).collect();
    if versioned { format!("models/{model}:{method}") } else { format!("v1beta/models/{model}:{method}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_for_plain_and_streamed_calls() {
        let base = DEFAULT_BASE;
        assert_eq!(
            join(base, &method_path(base, "gemini-2.5-flash", false)),
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
        );
        assert_eq!(
            join("http://h:1/v1beta/", &method_path("http://h:1/v1beta/", "g", true)),
            "http://h:1/v1beta/models/g:streamGenerateContent?alt=sse"
        );
    }
}
