//! A browser for tests: keeps cookies (by name, for every host, which is enough on
//! loopback), follows no redirect by itself so tests can check each hop, and reads pages.

use std::collections::BTreeMap;
use std::sync::Mutex;

pub struct Browser {
    pub http: reqwest::blocking::Client,
    pub cookies: Mutex<BTreeMap<String, String>>,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_string)
    }
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    /// A browser signed in through the password form.
    pub fn signed_in(proxy: &super::Proxy, username: &str, password: &str) -> Self {
        let browser = Browser::new();
        let page = browser.post_form(
            &proxy.url("/login"),
            &[("username", username), ("password", password), ("next", "/ui")],
            &[],
        );
        assert_eq!(page.status, 303, "{}", page.body);
        browser
    }

    pub fn new() -> Self {
        let http = reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { http, cookies: Mutex::new(BTreeMap::new()) }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    pub fn set(&self, name: &str, value: &str) {
        self.cookies.lock().unwrap().insert(name.into(), value.into());
    }

    fn cookie_header(&self) -> String {
        self.cookies.lock().unwrap().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn finish(&self, response: reqwest::blocking::Response) -> Page {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for value in headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()) {
            let first = value.split(';').next().unwrap_or("");
            let (name, val) = first.split_once('=').unwrap_or((first, ""));
            let expired = value.contains("Max-Age=0") || val.is_empty();
            let mut cookies = self.cookies.lock().unwrap();
            if expired {
                cookies.remove(name.trim());
            } else {
                cookies.insert(name.trim().into(), val.into());
            }
        }
        let location = headers.get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        Page { status, location, headers, body: response.text().unwrap_or_default() }
    }

    pub fn get(&self, url: &str) -> Page {
        let response = self.http.get(url).header("cookie", self.cookie_header()).send().expect("GET");
        self.finish(response)
    }

    pub fn post_form(&self, url: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Page {
        let mut request = self.http.post(url).header("cookie", self.cookie_header()).form(form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.finish(request.send().expect("POST"))
    }

    pub fn post_json(&self, url: &str, body: serde_json::Value) -> Page {
        let response = self.http.post(url).header("cookie", self.cookie_header()).json(&body).send().expect("POST");
        self.finish(response)
    }
}

/// The value of a hidden form field in a page.
pub fn field(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

/// A query parameter of a URL.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}
