//! The admin UI's server side: templates rendered with minijinja from `assets/templates/`
//! (embedded in the binary), one shared layout (`base.html`), stylesheet and script
//! (served by `assets.rs` under hashed names), and one file per page. Pages call the same
//! domain functions as the JSON routes, as the signed-in user (`signed.rs`), so every
//! rule and permission lives in one place; they only translate forms and show results.
//! Pages of other domains render through `render`/`page` so they share the layout and
//! escaping rules.

mod alerts;
pub mod assets;
mod connect;
mod connect_snippets;
pub mod form;
mod format;
mod home;
mod keys;
mod keys_edit;
mod keys_new;
mod logs;
mod models;
mod models_edit;
mod settings;
pub mod signed;
mod team;
mod team_edit;
mod teams;
mod test_key;
mod usage;
mod usage_chart;
mod usage_data;
mod usage_sums;
mod users;
mod users_edit;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::Environment;
use rust_embed::RustEmbed;
use std::sync::OnceLock;

pub use signed::Signed;

/// Every `/ui/...` page and form.
pub fn routes() -> axum::Router<crate::state::AppState> {
    home::routes()
        .merge(keys::routes())
        .merge(keys_new::routes())
        .merge(keys_edit::routes())
        .merge(users::routes())
        .merge(users_edit::routes())
        .merge(usage::routes())
        .merge(logs::routes())
        .merge(alerts::routes())
        .merge(connect::routes())
        .merge(test_key::routes())
        .merge(teams::routes())
        .merge(team::routes())
        .merge(team_edit::routes())
        .merge(models::routes())
        .merge(models_edit::routes())
        .merge(settings::routes())
}

#[derive(RustEmbed)]
#[folder = "assets/templates/"]
struct Templates;

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // `.html` templates escape every value by default (minijinja's rule by extension).
        env.set_loader(|name| Ok(Templates::get(name).map(|file| String::from_utf8_lossy(&file.data).into_owned())));
        env.add_function("asset", |name: String| minijinja::Value::from_safe_string(assets::url(&name)));
        format::register(&mut env);
        env
    })
}

/// Renders `template` with `context`. A broken template is a bug: logged, and the visitor
/// gets a plain error page instead of a half page.
pub fn render(template: &str, context: minijinja::Value) -> Result<String, String> {
    let tmpl = environment().get_template(template).map_err(|e| format!("template {template}: {e:#}"))?;
    tmpl.render(context).map_err(|e| format!("template {template}: {e:#}"))
}

/// A whole HTML response.
pub fn page(status: StatusCode, template: &str, context: minijinja::Value) -> Response {
    match render(template, context) {
        Ok(html) => (status, page_headers(), Html(html)).into_response(),
        Err(detail) => {
            tracing::error!(error = %detail, "cannot render a page");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<h1>The page could not be shown</h1><p>The proxy logged the details.</p>"),
            )
                .into_response()
        }
    }
}

/// A page with a title and a message (errors, notices), and an optional link onwards.
pub fn message(status: StatusCode, title: &str, text: &str, link: Option<(&str, &str)>) -> Response {
    let (href, label) = link.unzip();
    page(status, "message.html", minijinja::context! { title, text, link_href => href, link_label => label })
}

/// Pages carry personal data and one-time tokens: never cached, never framed by another
/// site (clickjacking of the sign-in form), and no invitation URL leaks in a Referer.
fn page_headers() -> [(axum::http::HeaderName, &'static str); 4] {
    use axum::http::header;
    [
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
        (header::REFERRER_POLICY, "same-origin"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_and_escapes() {
        let html = render("message.html", minijinja::context! { title => "<b>x</b>", text => "t" }).unwrap();
        assert!(html.contains("&lt;b&gt;x") && !html.contains("<b>"), "{html}");
        assert!(html.contains(&assets::url("ui.css")));
    }

    #[test]
    fn pages_are_not_cached_or_framed() {
        let response = message(StatusCode::GONE, "t", "x", None);
        assert_eq!(response.status(), StatusCode::GONE);
        assert_eq!(response.headers()["cache-control"], "no-store");
        assert_eq!(response.headers()["x-frame-options"], "DENY");
    }

    #[test]
    fn the_sign_in_pages_render() {
        let user =
            minijinja::context! { user_id => "u", email => "u@x", role => "internal_user", login_method => "sso" };
        let pages = [
            ("login.html", minijinja::context! { title => "Sign in", next => "/ui", sso_next => "%2Fui" }),
            ("onboarding.html", minijinja::context! { title => "t", invitee => "a@b", min_length => 8 }),
            (
                "home.html",
                minijinja::context! { title => "Overview", user, teams => vec!["t (user)"], spend => 1.5, max_budget => 2.0 },
            ),
        ];
        for (name, context) in pages {
            let html = render(name, context).unwrap_or_else(|e| panic!("{e}"));
            assert!(html.contains("</html>"), "{name}");
            if name == "login.html" {
                assert!(html.contains("href=\"/sso/key/generate?next=%2Fui\"") && html.contains("action=\"/login\""));
            }
        }
    }
}
