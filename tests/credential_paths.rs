//! The rule for credentials, walked over every path that makes, regenerates, moves or
//! re-binds one, from every role and team role, against the real binary: no caller may end
//! up holding a credential that acts for a principal holding a right the caller lacks.
//!
//! Each attempt either is refused or yields a credential (a key, or a session from an
//! invitation or a password). Whatever it yields is then tried on a set of probes: calls
//! that only some rights allow. A probe the new credential passes and its holder's own
//! credential fails is a right gained, and fails the test. Some cells must be allowed
//! (a team admin managing a plain member), so the walk cannot pass by refusing everything,
//! and the review's findings must be refused.

mod common;

use common::{Client, Proxy};
use serde_json::{Value, json};
use std::collections::HashMap;

const CALLERS: [&str; 7] =
    ["master", "proxy_admin", "admin_viewer", "internal_user", "internal_viewer", "team_admin", "team_member"];

/// Principals a credential could be made to act for. `newbie` is a new member of T who
/// never signed in (made afresh for each attempt).
const TARGETS: [&str; 7] =
    ["proxy_admin", "default_user_id", "admin_viewer", "lead_u", "team_admin", "team_member", "newbie"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Path {
    GenerateTeamKey,
    RegenerateTeamKey,
    TakeOverTeamKey,
    Invite,
    SetPassword,
    ChangeEmail,
}

const PATHS: [Path; 6] = [
    Path::GenerateTeamKey,
    Path::RegenerateTeamKey,
    Path::TakeOverTeamKey,
    Path::Invite,
    Path::SetPassword,
    Path::ChangeEmail,
];

/// A credential as a client: a key (bearer) or a session (cookie, with the proxy's
/// origin so that the CSRF check passes as it would for the proxy's own pages).
#[derive(Clone)]
enum Credential {
    Key(String),
    Session(String),
}

struct World {
    proxy: Proxy,
    keys: std::cell::RefCell<HashMap<String, String>>,
    counter: std::cell::Cell<u32>,
}

impl World {
    fn next(&self) -> u32 {
        self.counter.set(self.counter.get() + 1);
        self.counter.get()
    }

    fn master(&self) -> Client {
        self.proxy.admin()
    }

    fn own(&self, who: &str) -> Credential {
        match who {
            "master" | "default_user_id" => Credential::Key(self.proxy.master_key.clone()),
            other => Credential::Key(self.keys.borrow()[other].clone()),
        }
    }

    fn id(who: &str) -> &str {
        if who == "master" { "default_user_id" } else { who }
    }

    fn call(&self, credential: &Credential, method: &str, path: &str, body: Value) -> (u16, Value) {
        let http = reqwest::blocking::Client::new();
        let url = self.proxy.url(path);
        let mut request = if method == "GET" { http.get(url) } else { http.post(url).json(&body) };
        request = match credential {
            Credential::Key(key) => request.bearer_auth(key),
            Credential::Session(token) => {
                request.header("cookie", format!("token={token}")).header("origin", &self.proxy.base_url)
            }
        };
        let response = request.send().expect("request");
        let status = response.status().as_u16();
        let text = response.text().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// A new member of T who never signed in.
    fn newbie(&self) -> String {
        let id = format!("newbie-{}", self.next());
        let (status, body) =
            self.master().post("/user/new", json!({"user_id": id, "user_email": format!("{id}@example.com")}));
        assert_eq!(status, 200, "{body}");
        self.keys.borrow_mut().insert(id.clone(), body["key"].as_str().unwrap().to_string());
        self.add_to("T", &id, "user");
        id
    }

    fn add_to(&self, team: &str, user: &str, role: &str) {
        let (status, body) =
            self.master().post("/team/member_add", json!({"team_id": team, "member": {"role": role, "user_id": user}}));
        assert_eq!(status, 200, "{body}");
    }

    fn team_key_of(&self, user: &str) -> String {
        let (status, key) = self.master().post("/key/generate", json!({"user_id": user, "team_id": "T"}));
        assert_eq!(status, 200, "{key}");
        key["key"].as_str().unwrap().to_string()
    }

    /// Signs in with a password (`/v2/login`) and returns the session token.
    fn sign_in(&self, email: &str, password: &str) -> Option<String> {
        let client = self.proxy.client(None);
        let (status, body) = client.post("/v2/login", json!({"username": email, "password": password}));
        (status == 200).then(|| body["token"].as_str().unwrap().to_string())
    }

    /// Trades an invitation id for a session, as the onboarding page does.
    fn onboard(&self, invitation: &Value) -> Option<String> {
        let id = invitation["id"].as_str()?;
        let client = self.proxy.client(None);
        let (status, token) = client.get(&format!("/onboarding/get_token?invite_link={id}"));
        if status != 200 {
            return None;
        }
        let onboarding = self.proxy.client(token["token"].as_str());
        let (status, body) = onboarding.post(
            "/onboarding/claim_token",
            json!({"invitation_link": id, "user_id": invitation["user_id"], "password": "a-new-password-123"}),
        );
        (status == 200).then(|| body["token"].as_str().unwrap().to_string())
    }
}

fn world() -> World {
    let proxy = Proxy::start();
    let world = World { proxy, keys: Default::default(), counter: std::cell::Cell::new(0) };
    let admin = world.master();
    let roster = [
        ("proxy_admin", "proxy_admin"),
        ("admin_viewer", "proxy_admin_viewer"),
        ("internal_user", "internal_user"),
        ("internal_viewer", "internal_user_viewer"),
        ("team_admin", "internal_user"),
        ("team_member", "internal_user"),
        ("lead_u", "internal_user"),
    ];
    for ((who, _), key) in roster.iter().zip(common::new_users(&admin, &roster)) {
        world.keys.borrow_mut().insert(who.to_string(), key);
    }
    let (status, body) =
        admin.post("/user/update", json!({"user_id": "default_user_id", "user_email": "root@example.com"}));
    assert_eq!(status, 200, "{body}");
    for team in ["T", "U"] {
        let (status, body) = admin.post("/team/new", json!({"team_id": team}));
        assert_eq!(status, 200, "{body}");
        // The master key's creator joined as the team's admin; these teams start empty.
        let (status, body) = admin.post("/team/member_delete", json!({"team_id": team, "user_id": "default_user_id"}));
        assert_eq!(status, 200, "{body}");
    }
    world.add_to("T", "team_admin", "admin");
    world.add_to("T", "team_member", "user");
    // Principals with more rights than a team admin of T, in T: what a team admin may add.
    for user in ["proxy_admin", "default_user_id", "admin_viewer", "lead_u"] {
        world.add_to("T", user, "user");
    }
    world.add_to("U", "lead_u", "admin");
    // These two sign in already: an invitation would replace their password.
    for user in ["team_member", "lead_u"] {
        let (status, body) = admin.post("/user/update", json!({"user_id": user, "password": "their-own-password"}));
        assert_eq!(status, 200, "{body}");
    }
    world
}

/// Calls only some rights allow; each is refused with 401 or 403 to everyone else. The
/// POSTs are built to fail validation after the permission check, so they change nothing.
fn probes() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("GET", "/user/list", Value::Null),
        ("GET", "/audit", Value::Null),
        ("GET", "/user/info?user_id=proxy_admin", Value::Null),
        ("GET", "/team/info?team_id=U", Value::Null),
        ("GET", "/team/info?team_id=T", Value::Null),
        ("GET", "/key/list?team_id=U", Value::Null),
        ("POST", "/user/new", json!({"user_role": "no-such-role"})),
        ("POST", "/team/member_add", json!({"team_id": "U", "member": {"role": "no-such-role", "user_id": "x"}})),
        ("POST", "/team/member_add", json!({"team_id": "T", "member": {"role": "no-such-role", "user_id": "x"}})),
        ("POST", "/team/member_delete", json!({"team_id": "U", "user_id": "no-such-user"})),
    ]
}

fn allowed(status: u16) -> bool {
    status != 401 && status != 403
}

/// What `credential` may do that `holder` may not.
fn rights_gained(world: &World, holder: &Credential, credential: &Credential) -> Vec<String> {
    probes()
        .into_iter()
        .filter_map(|(method, path, body)| {
            let (by_credential, _) = world.call(credential, method, path, body.clone());
            let (by_holder, _) = world.call(holder, method, path, body);
            (allowed(by_credential) && !allowed(by_holder))
                .then(|| format!("{method} {path} ({by_credential}, holder {by_holder})"))
        })
        .collect()
}

/// Tries `path` as `caller` for `target`. Returns whether it was allowed, and the
/// credential it produced with whoever holds it now.
fn attempt(world: &World, caller: &str, target: &str, path: Path) -> (bool, Option<(String, Credential)>) {
    let me = world.own(caller);
    let password = format!("pw-{}-long-enough", world.next());
    match path {
        Path::GenerateTeamKey => {
            let (status, key) = world.call(&me, "POST", "/key/generate", json!({"user_id": target, "team_id": "T"}));
            let credential = key["key"].as_str().map(|k| (caller.to_string(), Credential::Key(k.to_string())));
            (status == 200, credential)
        }
        Path::RegenerateTeamKey => {
            let old = world.team_key_of(target);
            let (status, key) = world.call(&me, "POST", "/key/regenerate", json!({"key": old}));
            let credential = key["key"].as_str().map(|k| (caller.to_string(), Credential::Key(k.to_string())));
            (status == 200, credential)
        }
        Path::TakeOverTeamKey => {
            // The caller gives the target's key to itself: the target, who holds the
            // secret, would then act as the caller.
            let key = world.team_key_of(target);
            let body = json!({"key": key, "user_id": World::id(caller)});
            let (status, _) = world.call(&me, "POST", "/key/update", body);
            (status == 200, Some((target.to_string(), Credential::Key(key))))
        }
        Path::Invite => {
            let (status, invitation) = world.call(&me, "POST", "/invitation/new", json!({"user_id": target}));
            if status != 200 {
                return (false, None);
            }
            (true, world.onboard(&invitation).map(|s| (caller.to_string(), Credential::Session(s))))
        }
        Path::SetPassword => {
            let body = json!({"user_id": target, "password": password});
            let (status, user) = world.call(&me, "POST", "/user/update", body);
            if status != 200 {
                return (false, None);
            }
            let email = user["user_email"].as_str().unwrap_or_default().to_string();
            (true, world.sign_in(&email, &password).map(|s| (caller.to_string(), Credential::Session(s))))
        }
        Path::ChangeEmail => {
            // With SSO, a verified email at the provider signs in to the account it names.
            let email = format!("mine-{}@example.com", world.next());
            let (status, _) = world.call(&me, "POST", "/user/update", json!({"user_id": target, "user_email": email}));
            (status == 200, None)
        }
    }
}

#[test]
fn no_credential_path_gives_a_caller_rights_it_lacks() {
    let world = world();
    let mut failures = Vec::new();
    let mut outcome = HashMap::new();
    for caller in CALLERS {
        for target in TARGETS {
            for path in PATHS {
                let target = if target == "newbie" { world.newbie() } else { target.to_string() };
                if World::id(caller) == target {
                    continue;
                }
                let (was_allowed, credential) = attempt(&world, caller, &target, path);
                let target_kind = if target.starts_with("newbie") { "newbie" } else { target.as_str() };
                outcome.insert((caller, target_kind.to_string(), path), was_allowed);
                if !was_allowed {
                    continue;
                }
                if path == Path::ChangeEmail && !matches!(caller, "master" | "proxy_admin") {
                    failures.push(format!("{caller} re-bound the email of {target}"));
                }
                let Some((holder, credential)) = credential else { continue };
                let gained = rights_gained(&world, &world.own(&holder), &credential);
                if !gained.is_empty() {
                    failures.push(format!("{path:?} by {caller} for {target}: {holder} gained {}", gained.join(", ")));
                }
            }
        }
    }
    // The walk must not pass by refusing everything: these are what the roles are for.
    for (caller, target, path) in [
        ("master", "proxy_admin", Path::Invite),
        ("proxy_admin", "team_member", Path::SetPassword),
        ("proxy_admin", "default_user_id", Path::ChangeEmail),
        ("team_admin", "team_member", Path::GenerateTeamKey),
        ("team_admin", "team_member", Path::RegenerateTeamKey),
        ("team_admin", "newbie", Path::Invite),
    ] {
        if outcome.get(&(caller, target.to_string(), path)) != Some(&true) {
            failures.push(format!("{path:?} by {caller} for {target} should be allowed"));
        }
    }
    // The review's findings, each refused.
    for (caller, target, path) in [
        ("team_admin", "default_user_id", Path::Invite),
        ("team_admin", "proxy_admin", Path::Invite),
        ("team_admin", "team_member", Path::Invite),
        ("team_admin", "proxy_admin", Path::RegenerateTeamKey),
        ("team_admin", "lead_u", Path::RegenerateTeamKey),
        ("team_admin", "proxy_admin", Path::GenerateTeamKey),
        ("team_admin", "team_member", Path::TakeOverTeamKey),
        ("proxy_admin", "team_member", Path::TakeOverTeamKey),
        ("admin_viewer", "proxy_admin", Path::ChangeEmail),
        ("admin_viewer", "default_user_id", Path::ChangeEmail),
    ] {
        if outcome.get(&(caller, target.to_string(), path)) != Some(&false) {
            failures.push(format!("{path:?} by {caller} for {target} should be refused"));
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn moving_a_key_into_a_team_obeys_the_team_key_settings() {
    let config =
        "[litellm_settings.key_generation_settings.team_key_generation]\nallowed_team_member_roles = [\"admin\"]\n";
    let proxy = Proxy::start_with(common::Options { config: Some(config), ..Default::default() });
    let admin = proxy.admin();
    let (status, user) = admin.post("/user/new", json!({"user_id": "member", "user_role": "internal_user"}));
    assert_eq!(status, 200, "{user}");
    let (status, team) =
        admin.post("/team/new", json!({"team_id": "T", "members_with_roles": [{"role": "user", "user_id": "member"}]}));
    assert_eq!(status, 200, "{team}");
    let member = proxy.client(user["key"].as_str());
    let (status, body) = member.post("/key/generate", json!({"team_id": "T"}));
    assert_eq!(status, 400, "generating it there is refused: {body}");
    let (status, personal) = member.post("/key/generate", json!({}));
    assert_eq!(status, 200, "{personal}");
    let (status, body) = member.post("/key/update", json!({"key": personal["key"], "team_id": "T"}));
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("allowed_team_member_roles"), "{body}");
    let (status, body) = member.post("/key/regenerate", json!({"key": personal["key"], "team_id": "T"}));
    assert_eq!(status, 400, "{body}");
    let (_, info) = member.get(&format!("/key/info?key={}", personal["key"].as_str().unwrap()));
    assert!(info["info"]["team_id"].is_null(), "{info}");
}
