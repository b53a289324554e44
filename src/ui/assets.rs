//! Static files under `/assets/`, embedded in the binary. The UI's own stylesheet and
//! script are referenced by hashed names (`ui.<hash>.css`, the hash of the content
//! computed once at start), so they can be cached for a year: a new build changes the
//! name. Other files (the vendored Swagger UI) keep their names and a day's caching.
//! Text files are gzip-compressed once, on first request, and sent compressed to browsers
//! that accept it (the Swagger bundle shrinks from 1.5 MB to about 400 KB).

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, OnceLock};

#[derive(RustEmbed)]
#[folder = "assets/"]
#[exclude = "*.map"]
#[exclude = "templates/*"]
pub struct Assets;

/// The files served under hashed names.
const HASHED: [&str; 2] = ["ui.css", "ui.js"];

struct Names {
    /// `ui.css` -> `ui.<hash>.css`
    hashed: HashMap<&'static str, String>,
    /// `ui.<hash>.css` -> `ui.css`
    plain: HashMap<String, &'static str>,
}

fn names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut hashed = HashMap::new();
        let mut plain = HashMap::new();
        for file in HASHED {
            let Some(data) = Assets::get(file) else { continue };
            let hash = hex::encode(data.metadata.sha256_hash());
            let name = match file.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}.{}.{ext}", &hash[..12]),
                None => file.to_string(),
            };
            plain.insert(name.clone(), file);
            hashed.insert(file, name);
        }
        Names { hashed, plain }
    })
}

/// The URL of an asset: hashed for the UI's own files.
pub fn url(file: &str) -> String {
    match names().hashed.get(file) {
        Some(name) => format!("/assets/{name}"),
        None => format!("/assets/{file}"),
    }
}

/// Files worth compressing, by extension.
fn compressible(file: &str) -> bool {
    [".css", ".js", ".html", ".json", ".svg", ".txt", ".md"].iter().any(|ext| file.ends_with(ext))
}

/// The gzip form of an embedded text file, made once.
fn gzipped(file: &str, data: &[u8]) -> Option<Arc<Vec<u8>>> {
    static CACHE: OnceLock<parking_lot::Mutex<HashMap<String, Arc<Vec<u8>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(done) = cache.lock().get(file) {
        return Some(done.clone());
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).ok()?;
    let packed = Arc::new(encoder.finish().ok()?);
    cache.lock().insert(file.to_string(), packed.clone());
    Some(packed)
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().split(';').next() == Some("gzip") && !v.replace(' ', "").ends_with("q=0"))
}

/// `GET /assets/{*path}`.
pub async fn serve(Path(path): Path<String>, request: HeaderMap) -> Response {
    let (file, immutable) = match names().plain.get(path.as_str()) {
        Some(file) => (*file, true),
        None => (path.as_str(), false),
    };
    let Some(content) = Assets::get(file) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let mime = mime_guess::from_path(file).first_or_octet_stream();
    let packed = if compressible(file) && accepts_gzip(&request) { gzipped(file, &content.data) } else { None };
    let gzip = packed.is_some();
    let mut response = match packed {
        Some(packed) => packed.as_ref().clone().into_response(),
        None => content.data.into_owned().into_response(),
    };
    let headers = response.headers_mut();
    if gzip {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    if compressible(file) {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if let Ok(value) = HeaderValue::from_str(mime.as_ref()) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    let cache = if immutable { "public, max-age=31536000, immutable" } else { "public, max-age=86400" };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_files_get_hashed_names_that_resolve_back() {
        let css = url("ui.css");
        assert!(css.starts_with("/assets/ui.") && css.ends_with(".css") && css.len() > "/assets/ui.css".len());
        let name = css.trim_start_matches("/assets/");
        assert_eq!(names().plain.get(name), Some(&"ui.css"));
        assert_eq!(url("docs.js"), "/assets/docs.js");
    }

    #[test]
    fn gzip_only_where_accepted() {
        let mut headers = HeaderMap::new();
        assert!(!accepts_gzip(&headers));
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("br, gzip;q=0.8"));
        assert!(accepts_gzip(&headers));
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip;q=0"));
        assert!(!accepts_gzip(&headers));
        let packed = gzipped("t.css", b"body { color: red } body { color: red }").unwrap();
        assert_eq!(&packed[..2], &[0x1f, 0x8b]);
    }
}
