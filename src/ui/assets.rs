//! Static files under `/assets/`, embedded in the binary. The UI's own stylesheet and
//! script are referenced by hashed names (`ui.<hash>.css`, the hash of the content
//! computed once at start), so they can be cached for a year: a new build changes the
//! name. Other files (the vendored Swagger UI) keep their names and a day's caching.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use std::collections::HashMap;
use std::sync::OnceLock;

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

/// `GET /assets/{*path}`.
pub async fn serve(Path(path): Path<String>) -> Response {
    let (file, immutable) = match names().plain.get(path.as_str()) {
        Some(file) => (*file, true),
        None => (path.as_str(), false),
    };
    let Some(content) = Assets::get(file) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let mime = mime_guess::from_path(file).first_or_octet_stream();
    let mut response = content.data.into_owned().into_response();
    let headers = response.headers_mut();
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
}
