//! The role matrix of the contract (section 1), cell by cell, against the real binary:
//! each caller (master key, and keys of a proxy_admin, proxy_admin_viewer,
//! internal_user, internal_user_viewer, a team admin and a team member) on each
//! management route. Every call asserts the status; a refused call must leave the whole
//! database as it was (compared row by row, audit log included), and an allowed change
//! must change it, so the comparison itself is known to work.

mod common;

use common::Proxy;
use serde_json::{Value, json};

const CALLERS: [&str; 7] =
    ["master", "proxy_admin", "admin_viewer", "internal_user", "internal_viewer", "team_admin", "team_member"];

struct World {
    proxy: Proxy,
    keys: std::collections::HashMap<&'static str, String>,
    ids: std::collections::HashMap<&'static str, String>,
    counter: std::cell::Cell<u32>,
}

impl World {
    fn admin(&self) -> common::Client {
        self.proxy.admin()
    }

    fn next(&self) -> u32 {
        self.counter.set(self.counter.get() + 1);
        self.counter.get()
    }

    fn fresh_user(&self) -> String {
        let n = self.next();
        let (status, user) =
            self.admin().post("/user/new", json!({"user_id": format!("fresh-{n}"), "auto_create_key": false}));
        assert_eq!(status, 200, "{user}");
        format!("fresh-{n}")
    }

    fn fresh_team(&self) -> String {
        let n = self.next();
        let (status, team) = self.admin().post("/team/new", json!({"team_id": format!("team-{n}")}));
        assert_eq!(status, 200, "{team}");
        format!("team-{n}")
    }

    fn fresh_customer(&self) -> String {
        let id = format!("customer-{}", self.next());
        let (status, customer) = self.admin().post("/customer/new", json!({"user_id": id}));
        assert_eq!(status, 200, "{customer}");
        id
    }

    fn fresh_budget(&self) -> String {
        let id = format!("budget-{}", self.next());
        let (status, budget) = self.admin().post("/budget/new", json!({"budget_id": id}));
        assert_eq!(status, 200, "{budget}");
        id
    }

    /// A new key of `user` (in `team`), returned clear.
    fn fresh_key(&self, user: &str, team: Option<&str>) -> String {
        let (status, key) = self.admin().post("/key/generate", json!({"user_id": user, "team_id": team}));
        assert_eq!(status, 200, "{key}");
        key["key"].as_str().unwrap().to_string()
    }

    fn id(&self, who: &str) -> String {
        self.ids[who].clone()
    }

    fn client(&self, who: &str) -> common::Client {
        match who {
            "master" => self.proxy.admin(),
            other => self.proxy.client(Some(&self.keys[other])),
        }
    }

    /// Every row of every table, as text.
    fn snapshot(&self) -> Vec<String> {
        let conn = proxy::db::Direct::open_read_only(self.proxy.db_path()).unwrap();
        let mut rows = Vec::new();
        for table in [
            "users",
            "teams",
            "team_memberships",
            "organizations",
            "organization_memberships",
            "keys",
            "deleted_keys",
            "deprecated_keys",
            "invitations",
            "audit_log",
            "settings",
            "end_users",
            "budgets",
        ] {
            let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY 1")).unwrap();
            let columns = stmt.column_count();
            let mut query = stmt.query(()).unwrap();
            while let Some(row) = query.next().unwrap() {
                let values: Vec<String> =
                    (0..columns).map(|i| format!("{:?}", row.get::<_, proxy::db::Value>(i).unwrap())).collect();
                rows.push(format!("{table}: {}", values.join(" | ")));
            }
        }
        rows
    }
}

fn world() -> World {
    let proxy = Proxy::start();
    let mut world =
        World { proxy, keys: Default::default(), ids: Default::default(), counter: std::cell::Cell::new(0) };
    let admin = world.admin();
    let roster = [
        ("proxy_admin", "proxy_admin"),
        ("admin_viewer", "proxy_admin_viewer"),
        ("internal_user", "internal_user"),
        ("internal_viewer", "internal_user_viewer"),
        ("team_admin", "internal_user"),
        ("team_member", "internal_user"),
        ("other", "internal_user"),
    ];
    for ((who, _), key) in roster.iter().zip(common::new_users(&admin, &roster)) {
        world.keys.insert(who, key);
        world.ids.insert(who, who.to_string());
    }
    world.ids.insert("master", "default_user_id".to_string());
    let (status, team) = admin.post(
        "/team/new",
        json!({"team_id": "T", "members_with_roles": [
            {"role": "admin", "user_id": "team_admin"},
            {"role": "user", "user_id": "team_member"},
            {"role": "user", "user_id": "other"}
        ]}),
    );
    assert_eq!(status, 200, "{team}");
    let (status, team) = admin.post(
        "/team/new",
        json!({"team_id": "P", "team_member_permissions": ["/key/generate"], "members_with_roles": [
            {"role": "admin", "user_id": "team_admin"},
            {"role": "user", "user_id": "team_member"}
        ]}),
    );
    assert_eq!(status, 200, "{team}");
    world
}

/// Builds the path and body of one call for one caller.
type CallFn = dyn Fn(&World, &str) -> (String, Value);

enum Method {
    Get,
    Post,
}

struct Case {
    name: &'static str,
    method: Method,
    /// Builds the path and body for a caller (making fresh targets with the master key).
    call: Box<CallFn>,
    /// Status per caller, in the order of CALLERS.
    expect: [u16; 7],
    /// Whether an allowed call changes the database.
    changes: bool,
}

fn post(name: &'static str, expect: [u16; 7], call: impl Fn(&World, &str) -> (String, Value) + 'static) -> Case {
    Case { name, method: Method::Post, call: Box::new(call), expect, changes: true }
}

fn get(name: &'static str, expect: [u16; 7], call: impl Fn(&World, &str) -> String + 'static) -> Case {
    Case {
        name,
        method: Method::Get,
        call: Box::new(move |w, who| (call(w, who), Value::Null)),
        expect,
        changes: false,
    }
}

/// A POST that only reads (`/budget/info`).
fn post_read(name: &'static str, expect: [u16; 7], call: impl Fn(&World, &str) -> (String, Value) + 'static) -> Case {
    Case { name, method: Method::Post, call: Box::new(call), expect, changes: false }
}

fn hash(clear: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(clear.as_bytes()))
}

fn cases() -> Vec<Case> {
    //                      master proxy_admin admin_viewer internal_user internal_viewer team_admin team_member
    const ADMIN_ONLY: [u16; 7] = [200, 200, 403, 401, 401, 401, 401];
    const ADMIN_READ: [u16; 7] = [200, 200, 200, 403, 403, 403, 403];
    const ALL: [u16; 7] = [200; 7];
    const ADMIN_READ_401: [u16; 7] = [200, 200, 200, 401, 401, 401, 401];
    vec![
        post("user/new", ADMIN_ONLY, |w, _| {
            ("/user/new".into(), json!({"user_email": format!("u{}@example.com", w.next())}))
        }),
        get("user/list", ADMIN_READ, |_, _| "/user/list".into()),
        get("user/info other", ADMIN_READ, |_, _| "/user/info?user_id=other".into()),
        get("user/info self", ALL, |w, who| format!("/user/info?user_id={}", w.id(who))),
        post("user/update", ADMIN_ONLY, |w, _| {
            ("/user/update".into(), json!({"user_id": w.fresh_user(), "user_alias": "x"}))
        }),
        // Viewers change nothing, emails included: with SSO an email is a sign-in.
        post("user/update email only", [200, 200, 403, 401, 401, 401, 401], |w, _| {
            let n = w.next();
            ("/user/update".into(), json!({"user_id": w.fresh_user(), "user_email": format!("e{n}@example.com")}))
        }),
        post("user/delete", ADMIN_ONLY, |w, _| ("/user/delete".into(), json!({"user_ids": [w.fresh_user()]}))),
        post("user/block", ADMIN_ONLY, |w, _| ("/user/block".into(), json!({"user_ids": [w.fresh_user()]}))),
        post("user/unblock", ADMIN_ONLY, |w, _| ("/user/unblock".into(), json!({"user_ids": [w.fresh_user()]}))),
        post("team/new", ADMIN_ONLY, |_, _| ("/team/new".into(), json!({"team_alias": "new"}))),
        post("team/update", [200, 200, 403, 403, 401, 403, 403], |w, _| {
            ("/team/update".into(), json!({"team_id": "T", "max_budget": 5 + w.next()}))
        }),
        post("team/delete", ADMIN_ONLY, |w, _| ("/team/delete".into(), json!({"team_ids": [w.fresh_team()]}))),
        get("team/info", [200, 200, 200, 403, 403, 200, 200], |_, _| "/team/info?team_id=T".into()),
        get("team/list all", [200, 200, 200, 401, 401, 401, 401], |_, _| "/team/list".into()),
        get("team/list own", ALL, |w, who| format!("/team/list?user_id={}", w.id(who))),
        post("team/member_add", [200, 200, 403, 403, 401, 200, 403], |w, _| {
            ("/team/member_add".into(), json!({"team_id": "T", "member": {"role": "user", "user_id": w.fresh_user()}}))
        }),
        post("team/member_update", [200, 200, 403, 403, 401, 200, 403], |w, _| {
            let user = w.fresh_user();
            let (status, _) = w
                .admin()
                .post("/team/member_add", json!({"team_id": "T", "member": {"role": "user", "user_id": user}}));
            assert_eq!(status, 200);
            ("/team/member_update".into(), json!({"team_id": "T", "user_id": user, "role": "admin"}))
        }),
        post("team/member_delete", [200, 200, 403, 403, 401, 200, 403], |w, _| {
            let user = w.fresh_user();
            let (status, _) = w
                .admin()
                .post("/team/member_add", json!({"team_id": "T", "member": {"role": "user", "user_id": user}}));
            assert_eq!(status, 200);
            ("/team/member_delete".into(), json!({"team_id": "T", "user_id": user}))
        }),
        post("key/generate personal", [200, 200, 403, 200, 401, 200, 200], |_, _| ("/key/generate".into(), json!({}))),
        post("key/generate for another user", [200, 200, 403, 403, 401, 403, 403], |_, _| {
            ("/key/generate".into(), json!({"user_id": "other"}))
        }),
        // Plain members make team keys only where the team grants it (team_member_permissions).
        post("key/generate team key", [200, 200, 403, 400, 401, 200, 401], |_, _| {
            ("/key/generate".into(), json!({"team_id": "T"}))
        }),
        post("key/generate team key, members may", [200, 200, 403, 400, 401, 200, 200], |_, _| {
            ("/key/generate".into(), json!({"team_id": "P"}))
        }),
        post("key/update other's key", [200, 200, 403, 403, 401, 403, 403], |w, _| {
            ("/key/update".into(), json!({"key": w.fresh_key("other", None), "max_budget": 1}))
        }),
        post("key/update own key", [200, 200, 403, 200, 401, 200, 200], |w, who| {
            let owner = if who == "master" { "other".to_string() } else { w.id(who) };
            ("/key/update".into(), json!({"key": w.fresh_key(&owner, None), "max_budget": 1}))
        }),
        post("key/update own key's spend", [200, 200, 403, 403, 401, 403, 403], |w, who| {
            let owner = if who == "master" { "other".to_string() } else { w.id(who) };
            ("/key/update".into(), json!({"key": w.fresh_key(&owner, None), "spend": 0}))
        }),
        post("key/generate with spend", [200, 200, 403, 403, 401, 403, 403], |_, _| {
            ("/key/generate".into(), json!({"spend": 0}))
        }),
        post("key/update team key", [200, 200, 403, 403, 401, 200, 403], |w, _| {
            ("/key/update".into(), json!({"key": hash(&w.fresh_key("other", Some("T"))), "max_budget": 2}))
        }),
        post("key/delete other's key", [200, 200, 403, 403, 401, 403, 403], |w, _| {
            ("/key/delete".into(), json!({"keys": [w.fresh_key("other", None)]}))
        }),
        post("key/delete own key", [200, 200, 403, 200, 401, 200, 200], |w, who| {
            let owner = if who == "master" { "other".to_string() } else { w.id(who) };
            ("/key/delete".into(), json!({"keys": [w.fresh_key(&owner, None)]}))
        }),
        post("key/delete team key", [200, 200, 403, 403, 401, 200, 403], |w, _| {
            ("/key/delete".into(), json!({"keys": [w.fresh_key("other", Some("T"))]}))
        }),
        post("key/regenerate other's key", [200, 200, 403, 403, 401, 403, 403], |w, _| {
            ("/key/regenerate".into(), json!({"key": w.fresh_key("other", None)}))
        }),
        post("key/regenerate own key", [200, 200, 403, 200, 401, 200, 200], |w, who| {
            let owner = if who == "master" { "other".to_string() } else { w.id(who) };
            ("/key/regenerate".into(), json!({"key": w.fresh_key(&owner, None)}))
        }),
        post("key/block team key", [200, 200, 403, 401, 401, 200, 401], |w, _| {
            ("/key/block".into(), json!({"key": w.fresh_key("other", Some("T"))}))
        }),
        post("key/unblock own key", [200, 200, 403, 401, 401, 401, 401], |w, who| {
            let owner = if who == "master" { "other".to_string() } else { w.id(who) };
            ("/key/unblock".into(), json!({"key": w.fresh_key(&owner, None)}))
        }),
        get("key/info other's key", [200, 200, 200, 403, 403, 403, 403], |w, _| {
            format!("/key/info?key={}", hash(&w.keys["other"]))
        }),
        get("key/info team key", [200, 200, 200, 403, 403, 200, 200], |w, _| {
            format!("/key/info?key={}", hash(&w.fresh_key("other", Some("T"))))
        }),
        get("key/list", ALL, |_, _| "/key/list".into()),
        get("key/list other user", ADMIN_READ, |_, _| "/key/list?user_id=other".into()),
        post("invitation/new", [200, 200, 400, 400, 400, 400, 400], |w, _| {
            ("/invitation/new".into(), json!({"user_id": w.fresh_user()}))
        }),
        post("invitation/new for a team member", [200, 200, 400, 400, 400, 200, 400], |_, _| {
            ("/invitation/new".into(), json!({"user_id": "other"}))
        }),
        get("invitation/info", [200, 200, 200, 400, 400, 400, 400], |w, _| {
            let (_, invite) = w.admin().post("/invitation/new", json!({"user_id": "other"}));
            format!("/invitation/info?invitation_id={}", invite["id"].as_str().unwrap())
        }),
        post("invitation/delete", [200, 200, 400, 400, 400, 400, 400], |w, _| {
            let (_, invite) = w.admin().post("/invitation/new", json!({"user_id": "other"}));
            ("/invitation/delete".into(), json!({"invitation_id": invite["id"]}))
        }),
        get("audit", ADMIN_READ, |_, _| "/audit".into()),
        // Customers and budget objects: proxy admins write, admin roles read (LiteLLM's
        // route gate answers 401 to everyone else).
        post("customer/new", ADMIN_ONLY, |w, _| {
            ("/customer/new".into(), json!({"user_id": format!("c-{}", w.next())}))
        }),
        post("end_user/new", ADMIN_ONLY, |w, _| {
            ("/end_user/new".into(), json!({"user_id": format!("e-{}", w.next())}))
        }),
        post("customer/update", ADMIN_ONLY, |w, _| {
            ("/customer/update".into(), json!({"user_id": w.fresh_customer(), "alias": "changed"}))
        }),
        post("customer/delete", ADMIN_ONLY, |w, _| {
            ("/customer/delete".into(), json!({"user_ids": [w.fresh_customer()]}))
        }),
        post("customer/block", ADMIN_ONLY, |w, _| {
            ("/customer/block".into(), json!({"user_ids": [w.fresh_customer()]}))
        }),
        post("customer/unblock", ADMIN_ONLY, |w, _| {
            let customer = w.fresh_customer();
            w.admin().post("/customer/block", json!({"user_ids": [customer]}));
            ("/customer/unblock".into(), json!({"user_ids": [customer]}))
        }),
        get("customer/info", ADMIN_READ_401, |w, _| format!("/customer/info?end_user_id={}", w.fresh_customer())),
        get("end_user/info", ADMIN_READ_401, |w, _| format!("/end_user/info?end_user_id={}", w.fresh_customer())),
        get("customer/list", ADMIN_READ_401, |_, _| "/customer/list".into()),
        post("budget/new", ADMIN_ONLY, |_, _| ("/budget/new".into(), json!({"max_budget": 1}))),
        post("budget/update", ADMIN_ONLY, |w, _| {
            ("/budget/update".into(), json!({"budget_id": w.fresh_budget(), "max_budget": 2}))
        }),
        post("budget/delete", ADMIN_ONLY, |w, _| ("/budget/delete".into(), json!({"id": w.fresh_budget()}))),
        post_read("budget/info", ADMIN_READ_401, |w, _| {
            ("/budget/info".into(), json!({"budgets": [w.fresh_budget()]}))
        }),
        get("budget/list", ADMIN_READ_401, |_, _| "/budget/list".into()),
        get("budget/settings", ADMIN_READ_401, |w, _| format!("/budget/settings?budget_id={}", w.fresh_budget())),
        // Everyone reads spend per tag, of their own spend unless they see everything.
        get("spend/tags", ALL, |_, _| "/spend/tags?start_date=2026-01-01".into()),
        get("spend/tags bad date", [400; 7], |_, _| "/spend/tags?start_date=soon".into()),
        // A budget object only ever adds limits to a key: whoever may make the key may name one.
        post("key/generate personal with budget_id", [200, 200, 403, 200, 401, 200, 200], |w, _| {
            ("/key/generate".into(), json!({"budget_id": w.fresh_budget()}))
        }),
        post("team/member_add with budget_id", [200, 200, 403, 403, 401, 200, 403], |w, _| {
            let member = json!({"role": "user", "user_id": w.fresh_user()});
            ("/team/member_add".into(), json!({"team_id": "T", "member": member, "budget_id": w.fresh_budget()}))
        }),
    ]
}

#[test]
fn every_role_on_every_route() {
    let world = world();
    let mut failures = Vec::new();
    for case in cases() {
        for (index, who) in CALLERS.iter().enumerate() {
            let (path, body) = (case.call)(&world, who);
            let before = world.snapshot();
            let client = world.client(who);
            let (status, answer) = match case.method {
                Method::Get => client.get(&path),
                Method::Post => client.post(&path, body.clone()),
            };
            let after = world.snapshot();
            let expected = case.expect[index];
            if status != expected {
                failures.push(format!("{} as {who}: status {status}, expected {expected}: {answer}", case.name));
                continue;
            }
            if status == 200 {
                if case.changes && before == after {
                    failures.push(format!("{} as {who}: allowed but nothing changed", case.name));
                }
                if !case.changes && before != after {
                    failures.push(format!("{} as {who}: a read changed the database", case.name));
                }
            } else {
                if before != after {
                    failures.push(format!("{} as {who}: refused with {status} but the database changed", case.name));
                }
                if answer["error"]["code"].as_str() != Some(status.to_string().as_str())
                    || !answer["error"]["type"].is_string()
                {
                    failures.push(format!("{} as {who}: not the error envelope: {answer}", case.name));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} cells wrong:\n{}", failures.len(), failures.join("\n"));
}

/// The organization cells: the callers of the organization matrix (`org_admin` of O,
/// `other_org_admin` of P, `org_member` of O, `outsider` in no organization), on each
/// `/organization/*` route and on team routes inside and outside O.
const ORG_CALLERS: [&str; 7] =
    ["master", "proxy_admin", "admin_viewer", "org_admin", "other_org_admin", "org_member", "outsider"];

fn org_world() -> World {
    let proxy = Proxy::start();
    let mut world =
        World { proxy, keys: Default::default(), ids: Default::default(), counter: std::cell::Cell::new(0) };
    let admin = world.admin();
    let roster = [
        ("proxy_admin", "proxy_admin"),
        ("admin_viewer", "proxy_admin_viewer"),
        ("org_admin", "internal_user"),
        ("other_org_admin", "internal_user"),
        ("org_member", "internal_user"),
        ("outsider", "internal_user"),
    ];
    for ((who, _), key) in roster.iter().zip(common::new_users(&admin, &roster)) {
        world.keys.insert(who, key);
        world.ids.insert(who, who.to_string());
    }
    for (org, members) in [
        ("O", vec![("org_admin", "org_admin"), ("org_member", "internal_user")]),
        ("P", vec![("other_org_admin", "org_admin")]),
    ] {
        let (status, answer) =
            admin.post("/organization/new", json!({"organization_id": org, "organization_alias": org}));
        assert_eq!(status, 200, "{answer}");
        let members: Vec<Value> = members.iter().map(|(u, r)| json!({"user_id": u, "role": r})).collect();
        let (status, answer) =
            admin.post("/organization/member_add", json!({"organization_id": org, "member": members}));
        assert_eq!(status, 200, "{answer}");
        let (status, answer) =
            admin.post("/team/new", json!({"team_id": format!("{org}-team"), "organization_id": org}));
        assert_eq!(status, 200, "{answer}");
    }
    world
}

impl World {
    fn fresh_org(&self) -> String {
        let n = self.next();
        let (status, org) = self
            .admin()
            .post("/organization/new", json!({"organization_id": format!("org-{n}"), "organization_alias": "x"}));
        assert_eq!(status, 200, "{org}");
        format!("org-{n}")
    }

    /// A new team in organization `org`.
    fn fresh_team_in(&self, org: &str) -> String {
        let n = self.next();
        let (status, team) =
            self.admin().post("/team/new", json!({"team_id": format!("team-{n}"), "organization_id": org}));
        assert_eq!(status, 200, "{team}");
        format!("team-{n}")
    }

    /// A new user made a member of `org`.
    fn fresh_member_of(&self, org: &str) -> String {
        let user = self.fresh_user();
        let body = json!({"organization_id": org, "member": {"user_id": user, "role": "internal_user"}});
        let (status, answer) = self.admin().post("/organization/member_add", body);
        assert_eq!(status, 200, "{answer}");
        user
    }
}

fn send(client: &common::Client, method: &str, path: &str, body: Value) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client.http.request(method, format!("{}{}", client.base, path));
    if !body.is_null() {
        request = request.json(&body);
    }
    if let Some(key) = &client.key {
        request = request.bearer_auth(key);
    }
    let response = request.send().unwrap();
    let status = response.status().as_u16();
    let text = response.text().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

struct OrgCase {
    name: &'static str,
    method: &'static str,
    call: Box<CallFn>,
    expect: [u16; 7],
    changes: bool,
}

fn org_case(
    name: &'static str,
    method: &'static str,
    expect: [u16; 7],
    call: impl Fn(&World, &str) -> (String, Value) + 'static,
) -> OrgCase {
    OrgCase { name, method, call: Box::new(call), expect, changes: method != "GET" }
}

fn org_cases() -> Vec<OrgCase> {
    //                              master proxy_admin admin_viewer org_admin other_org_admin org_member outsider
    const ADMIN_ONLY: [u16; 7] = [200, 200, 403, 401, 401, 401, 401];
    const ORG_ADMIN: [u16; 7] = [200, 200, 403, 200, 401, 401, 401];
    vec![
        org_case("organization/new", "POST", ADMIN_ONLY, |_, _| {
            ("/organization/new".into(), json!({"organization_alias": "new"}))
        }),
        org_case("organization/update", "PATCH", ADMIN_ONLY, |w, _| {
            ("/organization/update".into(), json!({"organization_id": "O", "max_budget": 100 + w.next()}))
        }),
        org_case("organization/delete", "DELETE", ADMIN_ONLY, |w, _| {
            ("/organization/delete".into(), json!({"organization_ids": [w.fresh_org()]}))
        }),
        org_case("organization/info O", "GET", [200, 200, 200, 200, 403, 200, 403], |_, _| {
            ("/organization/info?organization_id=O".into(), Value::Null)
        }),
        org_case("organization/info P", "GET", [200, 200, 200, 403, 200, 403, 403], |_, _| {
            ("/organization/info?organization_id=P".into(), Value::Null)
        }),
        org_case("organization/list", "GET", [200; 7], |_, _| ("/organization/list".into(), Value::Null)),
        org_case("organization/member_add to O", "POST", ORG_ADMIN, |w, _| {
            let body = json!({"organization_id": "O", "member": {"user_id": w.fresh_user(), "role": "internal_user"}});
            ("/organization/member_add".into(), body)
        }),
        org_case("organization/member_add of a proxy admin", "POST", [200, 200, 403, 403, 401, 401, 401], |w, _| {
            let n = w.next();
            let body = json!({"user_id": format!("boss-{n}"), "user_role": "proxy_admin", "auto_create_key": false});
            assert_eq!(w.admin().post("/user/new", body).0, 200);
            let member = json!({"user_id": format!("boss-{n}"), "role": "internal_user"});
            ("/organization/member_add".into(), json!({"organization_id": "O", "member": member}))
        }),
        org_case("organization/member_update in O", "PATCH", ORG_ADMIN, |w, _| {
            let user = w.fresh_member_of("O");
            (
                "/organization/member_update".into(),
                json!({"organization_id": "O", "user_id": user, "role": "org_admin"}),
            )
        }),
        org_case("organization/member_delete in O", "DELETE", ORG_ADMIN, |w, _| {
            let user = w.fresh_member_of("O");
            ("/organization/member_delete".into(), json!({"organization_id": "O", "user_id": user}))
        }),
        org_case("team/new in O", "POST", ORG_ADMIN, |_, _| ("/team/new".into(), json!({"organization_id": "O"}))),
        org_case("team/new outside", "POST", ADMIN_ONLY, |_, _| ("/team/new".into(), json!({"team_alias": "loose"}))),
        org_case("team/update in O", "POST", [200, 200, 403, 200, 403, 403, 403], |w, _| {
            ("/team/update".into(), json!({"team_id": "O-team", "max_budget": w.next()}))
        }),
        org_case("team/update in P", "POST", [200, 200, 403, 403, 200, 403, 403], |w, _| {
            ("/team/update".into(), json!({"team_id": "P-team", "max_budget": w.next()}))
        }),
        org_case("team/update moving O's team to P", "POST", [200, 200, 403, 403, 403, 403, 403], |w, _| {
            ("/team/update".into(), json!({"team_id": w.fresh_team_in("O"), "organization_id": "P"}))
        }),
        org_case("team/delete in O", "POST", ORG_ADMIN, |w, _| {
            ("/team/delete".into(), json!({"team_ids": [w.fresh_team_in("O")]}))
        }),
        org_case("team/delete outside", "POST", ADMIN_ONLY, |w, _| {
            ("/team/delete".into(), json!({"team_ids": [w.fresh_team()]}))
        }),
        org_case("team/info in O", "GET", [200, 200, 200, 200, 403, 403, 403], |_, _| {
            ("/team/info?team_id=O-team".into(), Value::Null)
        }),
        org_case("team/list all", "GET", [200, 200, 200, 200, 200, 401, 401], |_, _| {
            ("/team/list".into(), Value::Null)
        }),
        org_case("team/member_add in O", "POST", [200, 200, 403, 200, 403, 403, 403], |w, _| {
            let body = json!({"team_id": "O-team", "member": {"role": "user", "user_id": w.fresh_user()}});
            ("/team/member_add".into(), body)
        }),
        org_case("team/member_add in P", "POST", [200, 200, 403, 403, 200, 403, 403], |w, _| {
            let body = json!({"team_id": "P-team", "member": {"role": "user", "user_id": w.fresh_user()}});
            ("/team/member_add".into(), body)
        }),
    ]
}

#[test]
fn every_role_on_every_organization_route() {
    let world = org_world();
    let mut failures = Vec::new();
    for case in org_cases() {
        for (index, who) in ORG_CALLERS.iter().enumerate() {
            let (path, body) = (case.call)(&world, who);
            let before = world.snapshot();
            let (status, answer) = send(&world.client(who), case.method, &path, body);
            let after = world.snapshot();
            let expected = case.expect[index];
            if status != expected {
                failures.push(format!("{} as {who}: status {status}, expected {expected}: {answer}", case.name));
                continue;
            }
            if status == 200 && case.changes && before == after {
                failures.push(format!("{} as {who}: allowed but nothing changed", case.name));
            }
            if status == 200 && !case.changes && before != after {
                failures.push(format!("{} as {who}: a read changed the database", case.name));
            }
            if status != 200 {
                if before != after {
                    failures.push(format!("{} as {who}: refused with {status} but the database changed", case.name));
                }
                if answer["error"]["code"].as_str() != Some(status.to_string().as_str()) {
                    failures.push(format!("{} as {who}: not the error envelope: {answer}", case.name));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} cells wrong:\n{}", failures.len(), failures.join("\n"));
}
