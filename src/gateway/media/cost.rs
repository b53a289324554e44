//! What a request of the media routes costs, by LiteLLM's rules: images per image (or per
//! pixel) of their size and quality, speech per character read aloud, transcriptions per
//! second of audio (or per token where the model is priced so and the answer counts them),
//! rerank per query (a Cohere search unit) or per token, moderations per token when the
//! table prices them (it prices OpenAI's at 0). The deployment's `model_info` prices win over
//! the table's. The estimate reserved at admission is the same rule over the request alone.

use super::super::router::{Deployment, Route};
use crate::auth::Caller;
use crate::gateway::providers::Endpoint;
use crate::gateway::request::ModelRequest;
use crate::spend::{Price, PriceTable, UnitPrice, Usage, tokens};
use crate::state::AppState;
use serde_json::{Map, Value};

/// The prices that apply to a deployment's model, and the names its table entries have.
pub struct Prices {
    pub units: UnitPrice,
    pub tokens: Option<Price>,
}

impl Prices {
    pub fn of(state: &AppState, deployment: &Deployment, model: &str, request: &ModelRequest) -> Prices {
        let router = state.router();
        let names = names(deployment, model, request);
        let table = names.iter().map(|n| router.prices.lookup_units(n)).find(|u| !u.is_empty()).unwrap_or_default();
        Prices { units: deployment.unit_cost.or(table), tokens: router.price(deployment, model) }
    }
}

/// The table names to try, most specific first: images by quality and size
/// (`hd/1024-x-1024/dall-e-3`, `1024-x-1024/dall-e-3`, LiteLLM's `high/` default for
/// gpt-image-1), then the deployment's model as configured, sent, and named publicly.
fn names(deployment: &Deployment, model: &str, request: &ModelRequest) -> Vec<String> {
    let plain = [deployment.litellm_model.replace('*', model), model.to_string(), deployment.model_name.clone()];
    let mut names = Vec::new();
    if request.endpoint == Endpoint::Images {
        let size = image_size(&request.body);
        let bare = model.rsplit('/').next().unwrap_or(model);
        if let Some(quality) = request.body.get("quality").and_then(Value::as_str) {
            names.push(format!("{quality}/{size}/{bare}"));
        }
        names.push(format!("{size}/{bare}"));
        names.push(format!("high/{size}/{bare}"));
    }
    names.extend(plain);
    names
}

/// The request's image size in the table's spelling (`1024x1024` -> `1024-x-1024`);
/// OpenAI's default when it names none (or `auto`).
fn image_size(body: &Map<String, Value>) -> String {
    match body.get("size").and_then(Value::as_str) {
        Some(size) if size.contains('x') && !size.contains("-x-") => size.replacen('x', "-x-", 1),
        Some(size) if size.contains("-x-") => size.to_string(),
        _ => "1024-x-1024".to_string(),
    }
}

fn pixels(size: &str) -> f64 {
    let mut sides = size.split("-x-").map(|side| side.parse::<f64>().unwrap_or(0.0));
    sides.next().unwrap_or(0.0) * sides.next().unwrap_or(0.0)
}

/// The cost reserved at admission: the request's own cost where it is known before the
/// answer (images, speech, rerank, moderations); for audio uploads, whose length is
/// known only from the answer, the key's recent cost for the model.
pub fn estimate(state: &AppState, caller: &Caller, route: &Route, request: &ModelRequest) -> f64 {
    let Some(deployment) = route.deployments.first() else { return 0.0 };
    let model = deployment.upstream_model_for(route);
    let prices = Prices::of(state, deployment, &model, request);
    let known = match request.endpoint {
        Endpoint::Transcriptions | Endpoint::Translations => None,
        _ => Some(of_answer(&prices, &model, request, &Value::Null, None).1),
    };
    let recent = || caller.key().and_then(|k| state.limiter.recent_cost(&k.token, &route.group));
    known.or_else(recent).unwrap_or(0.0)
}

/// The usage and cost of an answer (`Value::Null` before there is one: the request's
/// own counts). `file_seconds` is the uploaded audio's length when the gateway could read
/// it from the file.
pub fn of_answer(
    prices: &Prices,
    model: &str,
    request: &ModelRequest,
    answer: &Value,
    file_seconds: Option<f64>,
) -> (Usage, f64) {
    let token_cost = |usage: Usage| prices.tokens.map_or(0.0, |p| p.cost_of(usage));
    match request.endpoint {
        Endpoint::Images => {
            let returned = answer.get("data").and_then(Value::as_array).map(Vec::len);
            let asked = request.body.get("n").and_then(Value::as_u64).unwrap_or(1) as usize;
            let count = returned.unwrap_or(asked) as f64;
            let usage = answer_tokens(answer);
            let size = image_size(&request.body);
            let cost = match (prices.units.per_image, prices.units.per_pixel) {
                (Some(per_image), _) => per_image * count,
                (None, Some(per_pixel)) => per_pixel * pixels(&size) * count,
                (None, None) => token_cost(usage),
            };
            (usage, cost)
        }
        Endpoint::Speech => {
            let text = request.body.get("input").and_then(Value::as_str).unwrap_or_default();
            let characters = text.chars().count() as f64;
            match prices.units.per_character {
                Some(per_character) => (Usage::default(), per_character * characters),
                None => {
                    let usage = Usage { input: tokens::count(model, text), ..Usage::default() };
                    (usage, token_cost(usage))
                }
            }
        }
        Endpoint::Transcriptions | Endpoint::Translations => {
            let usage = answer_tokens(answer);
            // A model priced per token whose answer counts tokens (gpt-4o-transcribe) is
            // charged for them, as LiteLLM does; else per second.
            let by_tokens = usage != Usage::default() && prices.tokens.is_some_and(|p| p.input > 0.0 || p.output > 0.0);
            if by_tokens {
                return (usage, token_cost(usage));
            }
            let seconds = audio_seconds(answer).or(file_seconds);
            let cost = match (prices.units.per_second, seconds) {
                (Some(per_second), Some(seconds)) => per_second * seconds,
                (Some(_), None) => {
                    tracing::warn!(
                        model,
                        "the transcription's length is unknown (no `duration` in the answer, no readable WAV upload): it costs 0"
                    );
                    0.0
                }
                (None, _) => 0.0,
            };
            (usage, cost)
        }
        Endpoint::Rerank => {
            let units = answer.pointer("/meta/billed_units/search_units").and_then(Value::as_f64);
            let tokens = answer
                .pointer("/usage/total_tokens")
                .or_else(|| answer.pointer("/meta/billed_units/input_tokens"))
                .and_then(Value::as_u64);
            let usage = Usage { input: tokens.unwrap_or_else(|| request.prompt_estimate()), ..Usage::default() };
            match prices.units.per_query {
                Some(per_query) => (usage, per_query * units.unwrap_or(1.0)),
                None => (usage, token_cost(usage)),
            }
        }
        Endpoint::Moderations => {
            let input = tokens::text_of(request.body.get("input"));
            let usage = Usage { input: tokens::count(model, &input), ..Usage::default() };
            (usage, token_cost(usage))
        }
        Endpoint::Chat
        | Endpoint::Completions
        | Endpoint::Embeddings
        | Endpoint::Messages
        | Endpoint::CountTokens
        | Endpoint::Responses => (Usage::default(), 0.0),
    }
}

/// The audio's length the answer states: `duration` (whisper's `verbose_json`), else
/// newer models' `usage: {"type": "duration", "seconds": N}`.
fn audio_seconds(answer: &Value) -> Option<f64> {
    let duration = answer.get("duration").and_then(Value::as_f64);
    let usage = answer.get("usage").filter(|u| u.get("type").and_then(Value::as_str) == Some("duration"));
    duration.or_else(|| usage?.get("seconds")?.as_f64()).filter(|s| s.is_finite() && *s >= 0.0)
}

/// Tokens an answer counts in the shape of the images and audio APIs
/// (`usage.input_tokens`/`output_tokens`).
fn answer_tokens(answer: &Value) -> Usage {
    let usage = answer.get("usage").filter(|u| u.get("type").and_then(Value::as_str) != Some("duration"));
    let count = |name: &str| usage.and_then(|u| u.get(name)).and_then(Value::as_u64).unwrap_or(0);
    Usage { input: count("input_tokens"), output: count("output_tokens"), ..Usage::default() }
}

/// Whether `prices` has anything to charge a request of `endpoint` by (else the request
/// costs 0 and that is logged once per model, as for unpriced chat models).
pub fn is_priced(prices: &Prices, endpoint: Endpoint) -> bool {
    let units = prices.units;
    let unit = match endpoint {
        Endpoint::Images => units.per_image.or(units.per_pixel),
        Endpoint::Speech => units.per_character,
        Endpoint::Transcriptions | Endpoint::Translations => units.per_second,
        Endpoint::Rerank => units.per_query,
        _ => None,
    };
    unit.is_some() || prices.tokens.is_some()
}

/// Moderation models are free unless the table prices them: no warning for those.
pub fn warn_if_unpriced(table: &PriceTable, prices: &Prices, endpoint: Endpoint, model: &str) {
    if endpoint != Endpoint::Moderations && !is_priced(prices, endpoint) {
        table.warn_unpriced(model);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use serde_json::json;

    fn request(endpoint: Endpoint, body: Value) -> ModelRequest {
        ModelRequest::parse(endpoint, &Bytes::from(body.to_string())).unwrap()
    }

    fn prices(units: UnitPrice, tokens: Option<Price>) -> Prices {
        Prices { units, tokens }
    }

    #[test]
    fn images_cost_per_image_or_pixel() {
        let per_image = prices(UnitPrice { per_image: Some(0.04), ..UnitPrice::default() }, None);
        let asked = request(Endpoint::Images, json!({"model": "m", "n": 3, "size": "1024x1792"}));
        let answer = json!({"data": [{"url": "a"}, {"url": "b"}]});
        assert!((of_answer(&per_image, "m", &asked, &answer, None).1 - 0.08).abs() < 1e-12, "two images came");
        assert!((of_answer(&per_image, "m", &asked, &Value::Null, None).1 - 0.12).abs() < 1e-12, "estimate: n");
        let per_pixel = prices(UnitPrice { per_pixel: Some(1e-8), ..UnitPrice::default() }, None);
        let cost = of_answer(&per_pixel, "m", &asked, &answer, None).1;
        assert!((cost - 1e-8 * 1024.0 * 1792.0 * 2.0).abs() < 1e-12, "{cost}");
        assert_eq!(image_size(&Map::new()), "1024-x-1024");
    }

    #[test]
    fn speech_costs_per_character() {
        let speech = prices(UnitPrice { per_character: Some(1.5e-5), ..UnitPrice::default() }, None);
        let asked = request(Endpoint::Speech, json!({"model": "tts", "input": "héllo", "voice": "alloy"}));
        assert!((of_answer(&speech, "tts", &asked, &Value::Null, None).1 - 5.0 * 1.5e-5).abs() < 1e-15);
    }

    #[test]
    fn transcriptions_cost_per_second_of_the_answer_else_the_file() {
        let whisper = prices(UnitPrice { per_second: Some(1e-4), ..UnitPrice::default() }, None);
        let asked = ModelRequest::from_fields(Endpoint::Transcriptions, Map::new(), "w".into(), 10);
        let cost = |answer: Value, file| of_answer(&whisper, "w", &asked, &answer, file).1;
        assert!((cost(json!({"text": "hi", "duration": 12.5}), None) - 12.5e-4).abs() < 1e-12);
        let usage = json!({"text": "hi", "usage": {"type": "duration", "seconds": 3}});
        assert!((cost(usage, Some(9.0)) - 3e-4).abs() < 1e-12);
        assert!((cost(json!({"text": "hi"}), Some(2.0)) - 2e-4).abs() < 1e-12);
        assert_eq!(cost(json!({"text": "hi"}), None), 0.0);
        // Priced per token and counted so: the tokens.
        let tokens = prices(whisper.units, Some(Price { input: 1e-6, output: 2e-6, ..Price::default() }));
        let answer = json!({"text": "hi", "usage": {"type": "tokens", "input_tokens": 100, "output_tokens": 10}});
        assert!((of_answer(&tokens, "w", &asked, &answer, None).1 - (1e-4 + 2e-5)).abs() < 1e-12);
    }

    #[test]
    fn rerank_costs_per_search_unit_or_token() {
        let asked = request(Endpoint::Rerank, json!({"model": "r", "query": "q", "documents": ["a", "b"]}));
        let per_query = prices(UnitPrice { per_query: Some(0.002), ..UnitPrice::default() }, None);
        let cohere = json!({"results": [], "meta": {"billed_units": {"search_units": 2}}});
        assert!((of_answer(&per_query, "r", &asked, &cohere, None).1 - 0.004).abs() < 1e-12);
        let per_token = prices(UnitPrice::default(), Some(Price { input: 1e-6, ..Price::default() }));
        let vllm = json!({"results": [], "usage": {"total_tokens": 50}});
        assert!((of_answer(&per_token, "r", &asked, &vllm, None).1 - 5e-5).abs() < 1e-12);
    }
}
