//! The media routes and Azure's deployment routes over HTTP against the real binary and
//! the mock upstream: each answers, charges the key the priced usage (a spend row before
//! the answer) and refuses what chat refuses (no key, a model the key may not use, an
//! unknown model, a spent budget), plus a model of the wrong kind and a body over the limit.

mod common;

use common::mock_upstream::mock;
use common::{Proxy, header_text, query};
use serde_json::{Value, json};

const UPLOAD_LIMIT_MB: u64 = 1;

/// One deployment on the mock upstream with its `model_info` (TOML lines).
fn deployment(name: &str, upstream: &str, info: &str) -> String {
    format!(
        "[[model_list]]\nmodel_name = \"{name}\"\n[model_list.litellm_params]\nmodel = \"openai/{upstream}\"\napi_base = \"{}\"\napi_key = \"upstream-key\"\n[model_list.model_info]\n{info}\n\n",
        mock().api_base()
    )
}

fn start() -> Proxy {
    let mut config = format!("[general_settings]\nmax_audio_request_size_mb = {UPLOAD_LIMIT_MB}\n\n");
    // Priced by the built-in table: per image of the size and quality, per second, per
    // character, per search unit; moderations free.
    config += &deployment("dalle", "dall-e-3", "");
    config += &deployment("whisper", "whisper-1", "");
    config += &deployment("tts", "tts-1", "");
    config += &deployment("moderation", "omni-moderation-latest", "");
    config += &deployment("reranker", "rerank-english-v3.0", "");
    // Priced by the deployment: the answer's duration, the vLLM reranker's tokens.
    config += &deployment(
        "whisper-local",
        "local-whisper+dur=30",
        "mode = \"audio_transcription\"\ninput_cost_per_second = 0.001",
    );
    config += &deployment("rerank-local", "local-rerank+tokens", "mode = \"rerank\"\ninput_cost_per_token = 0.0001");
    config += &deployment("whisper-big", "big-whisper", "mode = \"audio_transcription\"");
    config += &deployment(
        "chat-only",
        "chat-only-model",
        "mode = \"chat\"\ninput_cost_per_token = 0.001\noutput_cost_per_token = 0.002",
    );
    config += &deployment("chat", "gpt-4o-mini", "input_cost_per_token = 0.001\noutput_cost_per_token = 0.002");
    config += "[[model_list]]\nmodel_name = \"claude\"\n[model_list.litellm_params]\nmodel = \"anthropic/claude-sonnet-4-5\"\napi_key = \"x\"\n\n";
    Proxy::start_with(common::Options { config: Some(&config), ..Default::default() })
}

fn new_key(proxy: &Proxy, body: Value) -> String {
    let (status, key) = proxy.admin().post("/key/generate", body);
    assert_eq!(status, 200, "{key}");
    key["key"].as_str().expect("key").to_string()
}

fn key_spend(proxy: &Proxy, key: &str) -> f64 {
    let (status, info) = proxy.admin().get(&format!("/key/info?key={key}"));
    assert_eq!(status, 200, "{info}");
    info["info"]["spend"].as_f64().unwrap_or(0.0)
}

/// The spend row of an answer, by its call id.
fn row(proxy: &Proxy, headers: &reqwest::header::HeaderMap) -> (f64, String, String) {
    let id = header_text(headers, "x-litellm-call-id");
    assert!(!id.is_empty(), "the answer names its call");
    let spend: f64 = query(proxy, &format!("SELECT spend FROM spend_logs WHERE request_id = '{id}'"));
    let call_type: String = query(proxy, &format!("SELECT call_type FROM spend_logs WHERE request_id = '{id}'"));
    let status: String = query(proxy, &format!("SELECT status FROM spend_logs WHERE request_id = '{id}'"));
    (spend, call_type, status)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn post_json(proxy: &Proxy, path: &str, key: Option<&str>, body: &Value) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = reqwest::blocking::Client::new().post(proxy.url(path)).json(body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().expect("body").to_vec())
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// A mono 16 kHz 16-bit WAV of `seconds` of silence.
fn wav(seconds: u32) -> Vec<u8> {
    let data = 32_000 * seconds;
    let mut wav = b"RIFF".to_vec();
    wav.extend_from_slice(&(36 + data).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&[1, 0, 1, 0]);
    wav.extend_from_slice(&16_000u32.to_le_bytes());
    wav.extend_from_slice(&32_000u32.to_le_bytes());
    wav.extend_from_slice(&[2, 0, 16, 0]);
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data.to_le_bytes());
    wav.resize(wav.len() + data as usize, 0);
    wav
}

/// A multipart form with `model` (and other fields) before the file, as OpenAI's SDKs send it.
fn form(fields: &[(&str, &str)], file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "surface-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn upload(
    proxy: &Proxy,
    path: &str,
    key: Option<&str>,
    fields: &[(&str, &str)],
    file: &[u8],
) -> (u16, reqwest::header::HeaderMap, Value) {
    let (content_type, body) = form(fields, file);
    let mut request =
        reqwest::blocking::Client::new().post(proxy.url(path)).header("content-type", content_type).body(body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().unwrap_or_default();
    (status, headers, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[test]
fn each_route_answers_and_charges_the_priced_usage() {
    let proxy = start();
    let key = new_key(&proxy, json!({}));
    let mut charged = 0.0;

    // Two hd 1024x1792 images of dall-e-3: the table's `hd/1024-x-1792/dall-e-3`, $0.12 each.
    let body = json!({"model": "dalle", "prompt": "a lighthouse", "n": 2, "size": "1024x1792", "quality": "hd"});
    let (status, headers, answer) = post_json(&proxy, "/v1/images/generations", Some(&key), &body);
    assert_eq!(status, 200, "{}", json_of(&answer));
    assert_eq!(json_of(&answer)["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(row(&proxy, &headers), (0.24, "aimage_generation".into(), "success".into()));
    assert!(close(header_text(&headers, "x-litellm-response-cost").parse().unwrap_or(0.0), 0.24));
    charged += 0.24;
    assert_eq!(mock().calls("dall-e-3"), 1);

    // Speech: tts-1 at $0.000015 a character, the audio streamed back whole.
    let text = "Hello from the surface test.";
    let body = json!({"model": "tts", "input": text, "voice": "alloy"});
    let (status, headers, audio) = post_json(&proxy, "/v1/audio/speech", Some(&key), &body);
    assert_eq!(status, 200);
    assert_eq!(header_text(&headers, "content-type"), "audio/mpeg");
    assert_eq!(audio.len(), 20_000, "every byte of the audio");
    let (spend, call_type, _) = row(&proxy, &headers);
    assert!(close(spend, text.len() as f64 * 1.5e-5), "{spend}");
    assert_eq!(call_type, "aspeech");
    charged += spend;

    // A transcription of a 2 s WAV: whisper-1 at $0.0001 a second, the file's length (the
    // answer states none); the upstream got the whole upload with its own model name.
    let audio = wav(2);
    let (status, headers, answer) =
        upload(&proxy, "/v1/audio/transcriptions", Some(&key), &[("model", "whisper")], &audio);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["text"], "hello from the mock");
    let (spend, call_type, _) = row(&proxy, &headers);
    assert!(close(spend, 2.0 * 0.0001), "{spend}");
    assert_eq!(call_type, "atranscription");
    charged += spend;
    let seen = mock().last_body("whisper-1").expect("the upstream got the upload");
    let (_, sent) = form(&[("model", "whisper-1")], &audio);
    assert_eq!(seen["bytes"], sent.len(), "the whole upload, model rewritten: {seen}");
    assert_eq!(seen["content_length"], sent.len().to_string(), "{seen}");

    // The answer's `duration` (30 s) over the file's, at the deployment's price; plain text too.
    let fields = [("model", "whisper-local"), ("response_format", "verbose_json")];
    let (status, headers, answer) = upload(&proxy, "/v1/audio/translations", Some(&key), &fields, &audio);
    assert_eq!((status, answer["duration"].as_f64()), (200, Some(30.0)), "{answer}");
    assert!(close(row(&proxy, &headers).0, 0.03));
    charged += 0.03;
    let fields = [("model", "whisper"), ("response_format", "text")];
    let (status, headers, answer) = upload(&proxy, "/v1/audio/transcriptions", Some(&key), &fields, &audio);
    assert_eq!((status, answer), (200, Value::String("hello from the mock\n".into())));
    assert_eq!(header_text(&headers, "content-type"), "text/plain");
    charged += row(&proxy, &headers).0;

    // Moderations are free; rerank costs a search unit ($0.002) or its tokens.
    let body = json!({"model": "moderation", "input": "I like tea"});
    let (status, headers, answer) = post_json(&proxy, "/v1/moderations", Some(&key), &body);
    assert_eq!(status, 200);
    assert_eq!(json_of(&answer)["results"][0]["flagged"], false);
    assert_eq!(row(&proxy, &headers), (0.0, "amoderation".into(), "success".into()));
    let body = json!({"model": "reranker", "query": "tea", "documents": ["tea", "coffee"]});
    let (status, headers, answer) = post_json(&proxy, "/v1/rerank", Some(&key), &body);
    assert_eq!(status, 200);
    assert_eq!(json_of(&answer)["results"].as_array().map(Vec::len), Some(2));
    assert!(close(row(&proxy, &headers).0, 0.002));
    charged += 0.002;
    let body = json!({"model": "rerank-local", "query": "tea", "documents": ["tea"]});
    let (status, headers, _) = post_json(&proxy, "/rerank", Some(&key), &body);
    assert_eq!(status, 200);
    assert!(close(row(&proxy, &headers).0, 40.0 * 0.0001), "vLLM's usage.total_tokens");
    charged += 0.004;

    let spend = key_spend(&proxy, &key);
    assert!(close(spend, charged), "key spend {spend}, charged {charged}");
}

#[test]
fn azure_clients_call_the_deployment_routes() {
    let proxy = start();
    let key = new_key(&proxy, json!({"models": ["chat"]}));
    let http = reqwest::blocking::Client::new();
    let url = proxy.url("/openai/deployments/chat/chat/completions?api-version=2024-06-01");
    let body = json!({"messages": [{"role": "user", "content": "hi"}]});
    let response = http.post(&url).header("api-key", &key).json(&body).send().expect("request");
    assert_eq!(response.status().as_u16(), 200);
    let headers = response.headers().clone();
    let answer: Value = response.json().expect("json");
    assert_eq!(answer["object"], "chat.completion", "{answer}");
    // The mock's default usage: 10 prompt and 5 completion tokens.
    assert!(close(row(&proxy, &headers).0, 10.0 * 0.001 + 5.0 * 0.002));
    assert_eq!(mock().last_body("gpt-4o-mini").expect("sent")["model"], "gpt-4o-mini");
    // Embeddings and completions by path too; a deployment the key may not use is refused.
    let url = proxy.url("/openai/deployments/dalle/chat/completions?api-version=2024-06-01");
    let response = http.post(&url).header("api-key", &key).json(&body).send().expect("request");
    assert_eq!(response.status().as_u16(), 403);
    let url = proxy.url("/openai/deployments/chat/completions?api-version=2024-06-01");
    let response = http.post(&url).bearer_auth(&key).json(&json!({"prompt": "hi"})).send().expect("request");
    assert_eq!(response.status().as_u16(), 200);
    let response = http.post(&url).json(&json!({"prompt": "hi"})).send().expect("request");
    assert_eq!(response.status().as_u16(), 401, "no key");
}

#[test]
fn text_completions_on_a_chat_model_go_through_chat() {
    let proxy = start();
    let key = new_key(&proxy, json!({}));
    let body = json!({"model": "chat-only", "prompt": "Say hi", "max_tokens": 5, "echo": false});
    let (status, headers, answer) = post_json(&proxy, "/v1/completions", Some(&key), &body);
    let answer = json_of(&answer);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["object"], "text_completion", "{answer}");
    assert_eq!(answer["choices"][0]["text"], "tok tok tok tok tok", "{answer}");
    let sent = mock().last_body("chat-only-model").expect("sent");
    assert_eq!(sent["messages"][0]["content"], "Say hi", "{sent}");
    assert!(sent.get("prompt").is_none() && sent.get("echo").is_none(), "{sent}");
    assert_eq!(row(&proxy, &headers), (10.0 * 0.001 + 5.0 * 0.002, "atext_completion".into(), "success".into()));
    // Streamed: text completion chunks, the usage asked for at the end.
    let body =
        json!({"model": "chat-only", "prompt": "Say hi", "stream": true, "stream_options": {"include_usage": true}});
    let (status, _, events) = post_json(&proxy, "/v1/completions", Some(&key), &body);
    assert_eq!(status, 200);
    let events = String::from_utf8_lossy(&events).into_owned();
    let chunks: Vec<Value> = events
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter(|d| *d != "[DONE]")
        .map(|d| serde_json::from_str(d).expect("a JSON chunk"))
        .collect();
    assert!(chunks.iter().all(|c| c["object"] == "text_completion"), "{events}");
    let text: String = chunks.iter().filter_map(|c| c["choices"][0]["text"].as_str()).collect();
    assert_eq!(text.split_whitespace().count(), 5, "{events}");
    assert!(chunks.iter().any(|c| c["usage"]["completion_tokens"] == 5), "{events}");
    assert!(events.trim_end().ends_with("data: [DONE]"), "{events}");
}

#[test]
fn refusals_are_those_of_chat_plus_kind_and_size() {
    let proxy = start();
    let speech = json!({"model": "tts", "input": "hi", "voice": "alloy"});
    let routes: [(&str, Value); 4] = [
        ("/v1/images/generations", json!({"model": "dalle", "prompt": "x"})),
        ("/v1/audio/speech", speech.clone()),
        ("/v1/moderations", json!({"model": "moderation", "input": "x"})),
        ("/v1/rerank", json!({"model": "reranker", "query": "q", "documents": ["a"]})),
    ];
    let limited = new_key(&proxy, json!({"models": ["chat"]}));
    for (path, body) in &routes {
        let (status, _, answer) = post_json(&proxy, path, None, body);
        assert_eq!(status, 401, "{path}: {}", json_of(&answer));
        let (status, _, answer) = post_json(&proxy, path, Some(&limited), body);
        assert_eq!(status, 403, "{path}: {}", json_of(&answer));
    }
    let (status, _, _) = upload(&proxy, "/v1/audio/transcriptions", None, &[("model", "whisper")], &wav(1));
    assert_eq!(status, 401);
    let (status, _, _) = upload(&proxy, "/v1/audio/transcriptions", Some(&limited), &[("model", "whisper")], &wav(1));
    assert_eq!(status, 403);

    let key = new_key(&proxy, json!({}));
    let (status, _, answer) =
        post_json(&proxy, "/v1/images/generations", Some(&key), &json!({"model": "nope", "prompt": "x"}));
    assert_eq!(status, 400, "unknown model: {}", json_of(&answer));
    // A chat model cannot read aloud, nor Anthropic's draw.
    let (status, _, answer) =
        post_json(&proxy, "/v1/audio/speech", Some(&key), &json!({"model": "chat", "input": "hi", "voice": "alloy"}));
    let message = json_of(&answer)["error"]["message"].as_str().unwrap_or_default().to_string();
    assert_eq!(status, 400, "{message}");
    assert!(message.contains("`chat` model") && message.contains("audio_speech"), "{message}");
    let (status, _, answer) =
        post_json(&proxy, "/v1/images/generations", Some(&key), &json!({"model": "claude", "prompt": "x"}));
    assert_eq!(status, 400, "{}", json_of(&answer));
    let (status, _, answer) = upload(&proxy, "/v1/audio/transcriptions", Some(&key), &[("model", "tts")], &wav(1));
    assert_eq!(status, 400, "{answer}");

    // Over the upload limit: refused by its declared length, and when it is streamed
    // without one; the JSON routes keep the router's 2 MB.
    let big = vec![0u8; (UPLOAD_LIMIT_MB as usize) * 1024 * 1024 + 1];
    let (status, _, answer) = upload(&proxy, "/v1/audio/transcriptions", Some(&key), &[("model", "whisper-big")], &big);
    assert_eq!(status, 413, "{answer}");
    let (content_type, body) = form(&[("model", "whisper-big")], &big);
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    let streamed = reqwest::blocking::Body::new(ChunkReader::new(chunks));
    let response = reqwest::blocking::Client::new()
        .post(proxy.url("/v1/audio/transcriptions"))
        .bearer_auth(&key)
        .header("content-type", content_type)
        .body(streamed)
        .send()
        .expect("request");
    assert_eq!(response.status().as_u16(), 413);
    let huge = json!({"model": "dalle", "prompt": "x".repeat(3 * 1024 * 1024)});
    let (status, _, _) = post_json(&proxy, "/v1/images/generations", Some(&key), &huge);
    assert_eq!(status, 413);
    assert_eq!(mock().calls("big-whisper"), 0, "nothing too large reached the upstream whole");

    // A spent budget: the first image is charged, the next refused with a failure row.
    let poor = new_key(&proxy, json!({"max_budget": 0.03}));
    let body = json!({"model": "dalle", "prompt": "x"});
    let (status, _, _) = post_json(&proxy, "/v1/images/generations", Some(&poor), &body);
    assert_eq!(status, 200);
    let (status, headers, answer) = post_json(&proxy, "/v1/images/generations", Some(&poor), &body);
    assert_eq!(status, 400, "{}", json_of(&answer));
    assert_eq!(json_of(&answer)["error"]["type"], "budget_exceeded");
    assert_eq!(row(&proxy, &headers).2, "failure");
    assert!(close(key_spend(&proxy, &poor), 0.04));
}

/// A body of unknown length, read chunk by chunk (chunked transfer encoding).
struct ChunkReader {
    chunks: std::vec::IntoIter<Result<Vec<u8>, std::io::Error>>,
    current: std::io::Cursor<Vec<u8>>,
}

impl ChunkReader {
    fn new(chunks: Vec<Result<Vec<u8>, std::io::Error>>) -> Self {
        Self { chunks: chunks.into_iter(), current: std::io::Cursor::new(Vec::new()) }
    }
}

impl std::io::Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let read = self.current.read(buf)?;
            if read > 0 {
                return Ok(read);
            }
            match self.chunks.next() {
                Some(chunk) => self.current = std::io::Cursor::new(chunk?),
                None => return Ok(0),
            }
        }
    }
}
