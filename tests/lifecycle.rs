//! Management flows that need time to pass or the store to be inspected, driven
//! in-process: the real router (`server::app`) on a real database in a temp dir, with
//! the state's clock moved forward instead of sleeping. Spend is written the way the
//! gateway writes it (row and in-memory table in one write), since the gateway is not
//! part of these tests.

use axum::body::Body;
use axum::http::Request;
use proxy::config::{Config, Flags};
use proxy::state::AppState;
use serde_json::{Value, json};
use tower::ServiceExt;

const MASTER: &str = "sk-lifecycle-master-0123456789";

struct App {
    state: AppState,
    router: axum::Router,
    _dir: tempfile::TempDir,
}

impl App {
    fn new(config: &str) -> App {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("proxy.toml"), config).unwrap();
        let flags = Flags { config: Some("proxy.toml".into()), ..Default::default() };
        let config = Config::load(&flags, dir.path(), vec![("LITELLM_MASTER_KEY".into(), MASTER.into())]).unwrap();
        let (state, _) = AppState::open(config).unwrap();
        App { router: proxy::server::app(state.clone()), state, _dir: dir }
    }

    async fn call(&self, method: &str, path: &str, key: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let mut request = Request::builder().method(method).uri(path).header("host", "proxy.test");
        if let Some(key) = key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        let body = match body {
            Some(body) => {
                request = request.header("content-type", "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        let response = self.router.clone().oneshot(request.body(body).unwrap()).await.unwrap();
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call("POST", path, Some(MASTER), Some(body)).await
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.call("GET", path, Some(MASTER), None).await
    }

    /// Adds spend to a key, its user and its team as the gateway's ledger does: in one
    /// write, the in-memory tables updated in that write's `then`.
    async fn charge(&self, token: &str, cost: f64) {
        let state = self.state.clone();
        let token = token.to_string();
        self.state
            .db
            .write_then(
                move |tx| {
                    tx.execute("UPDATE keys SET spend = spend + ?1 WHERE token = ?2", proxy::params![cost, token])?;
                    tx.execute(
                        "UPDATE users SET spend = spend + ?1 WHERE user_id = (SELECT user_id FROM keys WHERE token = ?2)",
                        proxy::params![cost, token],
                    )?;
                    tx.execute(
                        "UPDATE teams SET spend = spend + ?1 WHERE team_id = (SELECT team_id FROM keys WHERE token = ?2)",
                        proxy::params![cost, token],
                    )?;
                    Ok::<_, proxy::db::DbError>(token)
                },
                move |token: &String| {
                    if let Some(key) = state.keys.get(token) {
                        let mut key = (*key).clone();
                        key.spend += cost;
                        if let Some(user) = key.user_id.as_deref().and_then(|u| state.users.get(u)) {
                            let mut user = (*user).clone();
                            user.spend += cost;
                            state.users.put(user);
                        }
                        if let Some(team) = key.team_id.as_deref().and_then(|t| state.teams.get(t)) {
                            let mut team = (*team).clone();
                            team.spend += cost;
                            state.teams.put(team);
                        }
                        state.keys.put(key);
                    }
                },
            )
            .await
            .unwrap();
    }

    async fn snapshot(&self) -> Vec<String> {
        self.state
            .db
            .read(|conn| {
                let mut rows = Vec::new();
                for table in ["users", "teams", "team_memberships", "keys", "deleted_keys", "invitations", "audit_log"]
                {
                    let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY 1"))?;
                    let n = stmt.column_count();
                    let mut query = stmt.query(())?;
                    while let Some(row) = query.next()? {
                        let values: Vec<String> =
                            (0..n).map(|i| format!("{:?}", row.get::<_, proxy::db::Value>(i).unwrap())).collect();
                        rows.push(format!("{table}: {}", values.join(" | ")));
                    }
                }
                Ok(rows)
            })
            .await
            .unwrap()
    }
}

async fn new_user(app: &App, body: Value) -> Value {
    let (status, user) = app.post("/user/new", body).await;
    assert_eq!(status, 200, "{user}");
    user
}

#[tokio::test]
async fn an_invitation_works_for_seven_days_then_expires() {
    let app = App::new("");
    let user = new_user(&app, json!({"user_email": "a@example.com"})).await;
    let (status, invite) = app.post("/invitation/new", json!({"user_id": user["user_id"]})).await;
    assert_eq!(status, 200, "{invite}");
    assert_eq!(
        invite["invitation_link"],
        format!("http://proxy.test/ui/onboarding?id={}", invite["id"].as_str().unwrap())
    );
    let path = format!("/onboarding/get_token?invite_link={}", invite["id"].as_str().unwrap());
    app.state.clock.advance(7 * 86_400 - 60);
    let (status, body) = app.call("GET", &path, None, None).await;
    assert_eq!(status, 200, "a minute before the end it still works: {body}");
    app.state.clock.advance(120);
    let (status, body) = app.call("GET", &path, None, None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["message"], "Invitation link has expired.");
}

#[tokio::test]
async fn onboarding_sets_an_argon2id_password_once() {
    let app = App::new("");
    let user = new_user(&app, json!({"user_email": "b@example.com", "user_role": "internal_user"})).await;
    let user_id = user["user_id"].as_str().unwrap();
    let (_, invite) = app.post("/invitation/new", json!({"user_id": user_id})).await;
    let id = invite["id"].as_str().unwrap();
    let (status, got) = app.call("GET", &format!("/onboarding/get_token?invite_link={id}"), None, None).await;
    assert_eq!(status, 200, "{got}");
    let token = got["token"].as_str().unwrap();
    assert_eq!(got["user_email"], "b@example.com");
    assert!(got["login_url"].as_str().unwrap().starts_with("http://proxy.test/ui/onboarding?token="), "{got}");

    let claim = json!({"invitation_link": id, "user_id": user_id, "password": "a-good-password"});
    // Without the onboarding token, or with another credential, nothing happens.
    let (status, body) = app.call("POST", "/onboarding/claim_token", None, Some(claim.clone())).await;
    assert_eq!(status, 401, "{body}");
    let (status, _) = app.call("POST", "/onboarding/claim_token", Some(MASTER), Some(claim.clone())).await;
    assert_eq!(status, 401);

    let (status, body) = app.call("POST", "/onboarding/claim_token", Some(token), Some(claim.clone())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["login_url"], "http://proxy.test/ui?login=success");
    assert_eq!(body["user"]["user_id"], user_id);
    assert!(body["user"].get("password").is_none() && body["user"].get("password_hash").is_none(), "{body}");
    let session: proxy::auth::session::SessionClaims =
        app.state.sessions.verify(body["token"].as_str().unwrap()).unwrap();
    assert_eq!(session.user_id, user_id);
    assert_eq!(session.user_role, proxy::auth::Role::InternalUser);

    let uid = user_id.to_string();
    let stored: String = app
        .state
        .db
        .read(move |c| c.query_row("SELECT password FROM users WHERE user_id = ?1", [uid], |r| r.get(0)))
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(proxy::auth::password::verify("a-good-password", &stored));
    assert!(!proxy::auth::password::verify("another-password", &stored));
    let (status, invite) = app.get(&format!("/invitation/info?invitation_id={id}")).await;
    assert_eq!(status, 200);
    assert_eq!(invite["is_accepted"], true);

    // Used once: the same claim, and a new token for it, are refused.
    let (status, body) = app.call("POST", "/onboarding/claim_token", Some(token), Some(claim)).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["message"], "Invitation link has already been used.");
    let (status, _) = app.call("GET", &format!("/onboarding/get_token?invite_link={id}"), None, None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn spend_and_budget_resets_show_in_user_team_and_key_info() {
    let app = App::new("");
    let (status, _) = app.post("/team/new", json!({"team_id": "t", "max_budget": 50, "budget_duration": "1d"})).await;
    assert_eq!(status, 200);
    let user =
        new_user(&app, json!({"user_id": "u", "max_budget": 20, "budget_duration": "1d", "auto_create_key": false}))
            .await;
    assert!(user["budget_reset_at"].as_str().unwrap().ends_with("T00:00:00.000000Z"), "aligned: {user}");
    let (status, key) = app
        .post("/key/generate", json!({"user_id": "u", "team_id": "t", "max_budget": 10, "budget_duration": "1d"}))
        .await;
    assert_eq!(status, 200, "{key}");
    let token = key["token"].as_str().unwrap().to_string();
    app.charge(&token, 2.5).await;
    app.charge(&token, 1.5).await;

    let (_, info) = app.get(&format!("/key/info?key={token}")).await;
    assert_eq!(info["info"]["spend"], 4.0, "{info}");
    let reset_before = info["info"]["budget_reset_at"].as_str().unwrap().to_string();
    let (_, info) = app.get("/user/info?user_id=u").await;
    assert_eq!(info["user_info"]["spend"], 4.0, "{info}");
    assert_eq!(info["keys"][0]["spend"], 4.0);
    let (_, info) = app.get("/team/info?team_id=t").await;
    assert_eq!(info["team_info"]["spend"], 4.0, "{info}");

    // The period ends: every read shows the new period, and the store holds it too.
    app.state.clock.advance(86_400 + 1);
    let (_, info) = app.get(&format!("/key/info?key={token}")).await;
    assert_eq!(info["info"]["spend"], 0.0, "{info}");
    assert!(info["info"]["budget_reset_at"].as_str().unwrap() > reset_before.as_str());
    let (_, info) = app.get("/user/info?user_id=u").await;
    assert_eq!(info["user_info"]["spend"], 0.0, "{info}");
    let (_, info) = app.get("/team/info?team_id=t").await;
    assert_eq!(info["team_info"]["spend"], 0.0, "{info}");
    let spends: Vec<f64> = app
        .state
        .db
        .read(|c| {
            let a = c.query_row("SELECT spend FROM keys", (), |r| r.get(0))?;
            let b = c.query_row("SELECT spend FROM users WHERE user_id = 'u'", (), |r| r.get(0))?;
            let d = c.query_row("SELECT spend FROM teams", (), |r| r.get(0))?;
            Ok(vec![a, b, d])
        })
        .await
        .unwrap();
    assert_eq!(spends, vec![0.0, 0.0, 0.0]);
}

#[tokio::test]
async fn a_regenerated_key_keeps_the_old_secret_for_its_grace_period() {
    let app = App::new("");
    new_user(&app, json!({"user_id": "u", "auto_create_key": false})).await;
    let (_, key) = app.post("/key/generate", json!({"user_id": "u", "key_alias": "mine", "max_budget": 7})).await;
    let old = key["key"].as_str().unwrap().to_string();
    let (status, new) = app.post("/key/regenerate", json!({"key": old, "grace_period": "1h"})).await;
    assert_eq!(status, 200, "{new}");
    let fresh = new["key"].as_str().unwrap().to_string();
    assert_ne!(fresh, old);
    assert_eq!(new["key_alias"], "mine", "same settings");
    assert_eq!(new["max_budget"], 7.0);
    for secret in [&old, &fresh] {
        let (status, info) = app.call("GET", "/key/info", Some(secret), None).await;
        assert_eq!(status, 200, "{info}");
        assert_eq!(info["info"]["key_alias"], "mine");
    }
    app.state.clock.advance(3601);
    let (status, _) = app.call("GET", "/key/info", Some(&old), None).await;
    assert_eq!(status, 401, "the grace period is over");
    let (status, _) = app.call("GET", "/key/info", Some(&fresh), None).await;
    assert_eq!(status, 200);

    // Without a grace period the old secret stops at once; the path form works too.
    let (status, newer) = app.post(&format!("/key/{fresh}/regenerate"), json!({})).await;
    assert_eq!(status, 200, "{newer}");
    let (status, _) = app.call("GET", "/key/info", Some(&fresh), None).await;
    assert_eq!(status, 401);
    let archived: i64 =
        app.state.db.read(|c| c.query_row("SELECT count(*) FROM deleted_keys", (), |r| r.get(0))).await.unwrap();
    assert_eq!(archived, 2);
}

#[tokio::test]
async fn bad_input_is_refused_by_field_and_changes_nothing() {
    let app = App::new("");
    new_user(&app, json!({"user_id": "taken", "user_email": "Taken@Example.com"})).await;
    app.post("/team/new", json!({"team_id": "t"})).await;
    app.post("/key/generate", json!({"key_alias": "alias-1"})).await;
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("/user/new", json!({"user_role": "boss"}), 400, "user_role"),
        ("/user/new", json!({"max_budget": -1}), 400, "max_budget"),
        ("/user/new", json!({"budget_duration": "soon"}), 400, "budget_duration"),
        ("/user/new", json!({"user_id": "taken"}), 409, "taken"),
        ("/user/new", json!({"user_email": "taken@example.com"}), 409, "taken@example.com"),
        ("/user/new", json!({"password": "secret-secret"}), 400, "password"),
        ("/user/new", json!({"teams": [{"user_role": "admin"}]}), 400, "teams"),
        ("/user/update", json!({"user_id": "taken", "user_role": "boss"}), 400, "user_role"),
        ("/user/update", json!({"user_id": "ghost", "user_email": "taken@example.com"}), 409, "taken@example.com"),
        ("/key/generate", json!({"team_id": "nope"}), 400, "team_id"),
        ("/key/generate", json!({"key_alias": "alias-1"}), 400, "alias-1"),
        ("/key/generate", json!({"duration": "forever"}), 400, "duration"),
        ("/key/generate", json!({"duration": "9999999999999999d"}), 400, "1000 years"),
        ("/user/new", json!({"budget_duration": "99999999999mo"}), 400, "1000 years"),
        ("/key/generate", json!({"max_budget": -5}), 400, "max_budget"),
        ("/key/generate", json!({"rpm_limit": -1}), 400, "rpm_limit"),
        ("/key/generate", json!({"key": "not-an-sk-key"}), 400, "sk-"),
        ("/key/generate", json!({"models": "gpt-4o"}), 400, "models"),
        ("/key/update", json!({"key": "sk-nonexistent-key"}), 404, "not found"),
        ("/key/delete", json!({"keys": ["sk-nonexistent-key"]}), 404, "No keys found"),
        ("/team/new", json!({"team_id": "t"}), 400, "already exists"),
        ("/team/new", json!({"max_budget": 10, "soft_budget": 20}), 400, "soft_budget"),
        ("/team/new", json!({"members_with_roles": [{"role": "boss", "user_id": "taken"}]}), 400, "boss"),
        ("/team/new", json!({"members_with_roles": [{"role": "user", "user_id": ""}]}), 400, "empty"),
        (
            "/team/member_add",
            json!({"team_id": "t", "member": {"user_id": "ghost", "user_email": "taken@example.com"}}),
            400,
            "ghost",
        ),
        ("/team/member_add", json!({"team_id": "nope", "member": {"role": "user", "user_id": "taken"}}), 404, "nope"),
        ("/team/member_delete", json!({"team_id": "t", "user_id": "taken"}), 400, "not found in team"),
        ("/team/update", json!({"team_id": "t", "budget_duration": "1y"}), 400, "budget_duration"),
        ("/team/delete", json!({"team_ids": ["nope"]}), 404, "nope"),
        ("/user/delete", json!({"user_ids": ["ghost"]}), 404, "ghost"),
        ("/invitation/new", json!({"user_id": "ghost"}), 400, "ghost"),
    ];
    for (path, body, status, needle) in cases {
        let before = app.snapshot().await;
        let (got, answer) = app.post(path, body.clone()).await;
        assert_eq!(got, status, "{path} {body}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{path} {body}: message does not name `{needle}`: {message}");
        assert_eq!(answer["error"]["code"], status.to_string());
        assert_eq!(app.snapshot().await, before, "{path} {body} changed the database");
    }
}

#[tokio::test]
async fn deleting_a_user_archives_their_keys_and_ends_memberships() {
    let app = App::new("");
    app.post("/team/new", json!({"team_id": "t"})).await;
    let user = new_user(&app, json!({"user_id": "u", "team_id": "t"})).await;
    let first = user["key"].as_str().unwrap().to_string();
    let (_, second) = app.post("/key/generate", json!({"user_id": "u"})).await;
    let (status, info) = app.call("GET", "/key/info", Some(&first), None).await;
    assert_eq!(status, 200, "{info}");
    let (status, body) = app.post("/user/delete", json!({"user_ids": ["u"]})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!(1));
    for key in [first.as_str(), second["key"].as_str().unwrap()] {
        let (status, _) = app.call("GET", "/key/info", Some(key), None).await;
        assert_eq!(status, 401, "a deleted user's key stops at once");
    }
    let (_, team) = app.get("/team/info?team_id=t").await;
    // Only the team's creator (the master key's admin row) is left.
    let left = json!([{"user_id": "default_user_id", "user_email": null, "role": "admin"}]);
    assert_eq!(team["team_info"]["members_with_roles"], left);
    let (archived, members): (i64, i64) = app
        .state
        .db
        .read(|c| {
            Ok((
                c.query_row("SELECT count(*) FROM deleted_keys WHERE user_id = 'u'", (), |r| r.get(0))?,
                c.query_row("SELECT count(*) FROM team_memberships", (), |r| r.get(0))?,
            ))
        })
        .await
        .unwrap();
    assert_eq!((archived, members), (2, 1));
    let (status, _) = app.get("/user/info?user_id=u").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn concurrent_changes_are_never_lost() {
    let app = std::sync::Arc::new(App::new(""));
    app.post("/team/new", json!({"team_id": "t"})).await;
    new_user(&app, json!({"user_id": "owner", "auto_create_key": false})).await;
    let (_, key) = app.post("/key/generate", json!({"user_id": "owner", "team_id": "t"})).await;
    let token = key["token"].as_str().unwrap().to_string();
    for n in 0..20 {
        new_user(&app, json!({"user_id": format!("m{n}"), "auto_create_key": false})).await;
    }
    let mut tasks = Vec::new();
    for n in 0..20 {
        let app = app.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let (status, body) = app
                .post(
                    "/team/member_add",
                    json!({"team_id": "t", "member": {"role": "user", "user_id": format!("m{n}")}}),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            app.charge(&token, 1.0).await;
            let (status, body) = app.post("/key/update", json!({"key": token, "metadata": {"n": n}})).await;
            assert_eq!(status, 200, "{body}");
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let (_, team) = app.get("/team/info?team_id=t").await;
    // 20 members and the team's creator.
    assert_eq!(team["team_info"]["members_with_roles"].as_array().unwrap().len(), 21);
    assert_eq!(team["team_info"]["spend"], 20.0);
    let (_, info) = app.get(&format!("/key/info?key={token}")).await;
    assert_eq!(info["info"]["spend"], 20.0, "no charge lost to a concurrent /key/update");
    let t = token.clone();
    let stored: f64 = app
        .state
        .db
        .read(move |c| c.query_row("SELECT spend FROM keys WHERE token = ?1", [t], |r| r.get(0)))
        .await
        .unwrap();
    assert_eq!(stored, 20.0);
}

#[tokio::test]
async fn the_audit_log_records_changes_and_never_a_secret() {
    let app = App::new("");
    let user = new_user(&app, json!({"user_id": "u"})).await;
    let (_, key) = app.post("/key/generate", json!({"user_id": "u", "key_alias": "k"})).await;
    let (_, regenerated) = app.post("/key/regenerate", json!({"key": key["key"]})).await;
    app.post("/user/update", json!({"user_id": "u", "password": "a-fine-password"})).await;
    let (status, audit) = app.get("/audit?table_name=keys").await;
    assert_eq!(status, 200, "{audit}");
    let rows = audit["audit_logs"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{audit}");
    assert_eq!(rows[0]["action"], "regenerated");
    assert_eq!(rows[0]["changed_by"], "default_user_id");
    assert_eq!(rows[0]["before_value"]["key_alias"], "k");
    let (_, all) = app.get("/audit?page_size=1000").await;
    let text = all.to_string();
    for secret in [
        user["key"].as_str().unwrap(),
        key["key"].as_str().unwrap(),
        regenerated["key"].as_str().unwrap(),
        MASTER,
        "a-fine-password",
        "$argon2",
    ] {
        assert!(!text.contains(secret), "the audit log shows a secret: {secret}");
    }
    let (status, _) = app.call("GET", "/audit", Some(user["key"].as_str().unwrap()), None).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_reset_job_resets_budgets_nobody_reads() {
    let app = App::new("");
    new_user(&app, json!({"user_id": "u", "max_budget": 5, "budget_duration": "1h", "auto_create_key": false})).await;
    let (_, key) = app.post("/key/generate", json!({"user_id": "u", "budget_duration": "30m"})).await;
    app.charge(key["token"].as_str().unwrap(), 3.0).await;
    assert_eq!(proxy::limits::reset::reset_if_due(&app.state).await.unwrap(), 0, "nothing due yet");
    let record = app.state.keys.get(key["token"].as_str().unwrap()).unwrap();
    assert_eq!(proxy::limits::reset::reset_if_due_for_key(&app.state, &record).unwrap(), 0);
    app.state.clock.advance(3601);
    // Admission's check: the key's user is due, so everything due is reset.
    assert_eq!(proxy::limits::reset::reset_if_due_for_key(&app.state, &record).unwrap(), 2);
    let (user_spend, key_spend): (f64, f64) = app
        .state
        .db
        .read(|c| {
            Ok((
                c.query_row("SELECT spend FROM users WHERE user_id = 'u'", (), |r| r.get(0))?,
                c.query_row("SELECT spend FROM keys", (), |r| r.get(0))?,
            ))
        })
        .await
        .unwrap();
    assert_eq!((user_spend, key_spend), (0.0, 0.0));
    assert_eq!(app.state.users.get("u").unwrap().spend, 0.0, "the in-memory table follows");
    assert_eq!(proxy::limits::reset::reset_if_due(&app.state).await.unwrap(), 0, "once per period");
}

#[tokio::test]
async fn a_member_named_by_an_unknown_email_becomes_a_user() {
    let app = App::new("[litellm_settings]\nmax_internal_user_budget = 10.0\n");
    let (status, team) = app
        .post(
            "/team/new",
            json!({"team_id": "t", "members_with_roles": [{"role": "admin", "user_email": "Lead@Example.com"}]}),
        )
        .await;
    assert_eq!(status, 200, "{team}");
    let lead = team["members_with_roles"].as_array().unwrap().iter().find(|m| m["user_id"] != "default_user_id");
    assert_eq!(lead.map(|m| (&m["user_email"], &m["role"])), Some((&json!("Lead@Example.com"), &json!("admin"))));
    let (status, body) = app
        .post("/team/member_add", json!({"team_id": "t", "member": {"role": "user", "user_email": "new@example.com"}}))
        .await;
    assert_eq!(status, 200, "{body}");
    let created = &body["updated_users"][0];
    assert_eq!(created["user_email"], "new@example.com");
    assert_eq!(created["user_role"], "internal_user");
    assert_eq!(created["max_budget"], 10.0, "new users get the defaults");
    // The same email again, in any case, is the same user: already in the team.
    let (status, body) = app
        .post("/team/member_add", json!({"team_id": "t", "member": {"role": "user", "user_email": "NEW@example.com"}}))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["type"], "team_member_already_in_team");
    let (_, users) = app.get("/user/list?user_email=example.com").await;
    assert_eq!(users["total"], 2, "{users}");
}
