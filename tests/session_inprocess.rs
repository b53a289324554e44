//! Sessions in-process (`server::app` + `oneshot`), where the test owns the clock and the
//! in-memory tables: expiry by the clock, a role change or a deletion ends a session at
//! the next request, and a session cookie is a `Caller` for any route that takes one.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::{get, post};
use proxy::auth::Caller;
use proxy::config::{Config, Secret};
use proxy::state::AppState;
use tower::ServiceExt;

const MASTER_KEY: &str = "sk-inprocess-master-key";
const PASSWORD: &str = "a fine password";

fn config(dir: &std::path::Path) -> Config {
    let mut config = Config::defaults();
    config.settings.server.database_path = dir.join("proxy.db").display().to_string();
    config.settings.general_settings.master_key = Some(Secret::new(MASTER_KEY));
    config
}

/// A state whose database holds the user `u-ivy` (internal_user) with a password.
fn state(dir: &std::path::Path) -> AppState {
    drop(AppState::open(config(dir)).unwrap());
    let conn = proxy::db::Direct::open(dir.join("proxy.db")).unwrap();
    let hash = proxy::auth::password::hash(PASSWORD).unwrap();
    conn.execute(
        "INSERT INTO users (user_id, user_email, user_role, password, created_at, updated_at)
         VALUES ('u-ivy', 'ivy@example.com', 'internal_user', ?1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        [hash],
    )
    .unwrap();
    drop(conn);
    AppState::open(config(dir)).unwrap().0
}

async fn sign_in(app: &axum::Router) -> String {
    let request = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("username=ivy%40example.com&password=a+fine+password"))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap();
    cookie.split(';').next().unwrap().to_string()
}

async fn home_status(app: &axum::Router, cookie: &str) -> StatusCode {
    let request = Request::get("/ui").header(header::COOKIE, cookie).body(Body::empty()).unwrap();
    app.clone().oneshot(request).await.unwrap().status()
}

#[tokio::test]
async fn a_session_ends_when_it_expires_by_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    let app = proxy::server::app(state.clone());
    let cookie = sign_in(&app).await;
    assert_eq!(home_status(&app, &cookie).await, StatusCode::OK);
    state.clock.advance(23 * 3600);
    assert_eq!(home_status(&app, &cookie).await, StatusCode::OK);
    state.clock.advance(3600);
    assert_eq!(home_status(&app, &cookie).await, StatusCode::SEE_OTHER);
}

/// What the management API does on a role change: the row, then the cache in `then`.
async fn set_role(state: &AppState, role: &'static str) {
    let cache = state.clone();
    state
        .db
        .write_then(
            move |tx| tx.execute("UPDATE users SET user_role = ?1 WHERE user_id = 'u-ivy'", [role]),
            move |_| {
                let mut user = (*cache.users.get("u-ivy").unwrap()).clone();
                user.user_role = role.parse().unwrap();
                cache.users.put(user);
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_role_change_or_a_deletion_ends_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    let app = proxy::server::app(state.clone());
    let cookie = sign_in(&app).await;
    set_role(&state, "internal_user_viewer").await;
    assert_eq!(home_status(&app, &cookie).await, StatusCode::SEE_OTHER);

    let cookie = sign_in(&app).await;
    assert_eq!(home_status(&app, &cookie).await, StatusCode::OK);
    state.users.remove("u-ivy");
    assert_eq!(home_status(&app, &cookie).await, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_session_cookie_is_a_caller_and_changes_need_csrf() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    let cookie = sign_in(&proxy::server::app(state.clone())).await;
    let who = |caller: Caller| async move { format!("{} {}", caller.user_label(), caller.role_label()) };
    let app = axum::Router::new()
        .route("/whoami", get(who))
        .route("/change", post(who))
        .layer(axum::middleware::from_fn_with_state(state.clone(), proxy::auth::csrf::guard))
        .with_state(state.clone());

    let read = |path: &str, csrf: Option<String>, method: &str| {
        let mut request = Request::builder().method(method).uri(path).header(header::COOKIE, cookie.clone());
        if let Some(token) = csrf {
            request = request.header("x-csrf-token", token);
        }
        app.clone().oneshot(request.body(Body::empty()).unwrap())
    };
    let response = read("/whoami", None, "GET").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
    assert_eq!(&body[..], b"u-ivy internal_user");

    assert_eq!(read("/change", None, "POST").await.unwrap().status(), StatusCode::FORBIDDEN);
    let claims: serde_json::Value = {
        use base64::Engine;
        let token = cookie.trim_start_matches("token=");
        let payload = token.split('.').nth(1).unwrap();
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    };
    let csrf = state.sessions.csrf_token(claims["sid"].as_str().unwrap());
    assert_eq!(read("/change", Some(csrf), "POST").await.unwrap().status(), StatusCode::OK);

    // Without a cookie or key: the usual 401.
    let anonymous = app.clone().oneshot(Request::get("/whoami").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
