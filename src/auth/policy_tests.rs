//! Unit tests of the pure decision (`decide`); the whole matrix over HTTP is in
//! `tests/role_matrix.rs`.

use super::*;
use crate::auth::Credential;
use std::sync::Arc;

fn caller(user: &str, role: Role) -> Caller {
    let mut key = KeyRecord::new("sk-unit-test-key-0000", "2026-01-01T00:00:00.000000Z", None);
    key.user_id = Some(user.to_string());
    Caller { credential: Credential::VirtualKey(Arc::new(key)), user_id: Some(user.to_string()), role: Some(role) }
}

fn team(id: &str) -> TeamRecord {
    crate::teams::fields::blank(id, "2026-01-01T00:00:00.000000Z")
}

fn status(result: Result<Permit, ApiError>) -> u16 {
    match result {
        Ok(_) => 200,
        Err(e) => e.status().as_u16(),
    }
}

#[test]
fn viewers_read_but_never_change() {
    let settings = Settings::default();
    let none = |_: &str| None;
    let viewer = caller("v", Role::ProxyAdminViewer);
    assert_eq!(status(decide(&settings, &viewer, &Op::UserList, &none)), 200);
    assert_eq!(status(decide(&settings, &viewer, &Op::UserNew, &none)), 403);
    let fields: Vec<String> = Vec::new();
    let generate = Op::KeyGenerate { team_id: None, team: None, for_user: Some("v"), fields: &fields };
    assert_eq!(status(decide(&settings, &viewer, &generate, &none)), 403);
    let internal_viewer = caller("iv", Role::InternalUserViewer);
    let generate = Op::KeyGenerate { team_id: None, team: None, for_user: Some("iv"), fields: &fields };
    assert_eq!(status(decide(&settings, &internal_viewer, &generate, &none)), 401);
    assert_eq!(status(decide(&settings, &internal_viewer, &Op::UserRead { user_id: None }, &none)), 200);
}

#[test]
fn team_admins_manage_their_team_only() {
    let settings = Settings::default();
    let admin_of_t = |t: &str| (t == "t").then_some(TeamRole::Admin);
    let lead = caller("lead", Role::InternalUser);
    let (t, other) = (team("t"), team("other"));
    let add = |team| Op::TeamMembers { route: "/team/member_add", team };
    assert_eq!(status(decide(&settings, &lead, &add(&t), &admin_of_t)), 200);
    assert_eq!(status(decide(&settings, &lead, &add(&other), &admin_of_t)), 403);
    let mut key = KeyRecord::new("sk-someone-elses-key", "2026-01-01T00:00:00.000000Z", None);
    key.user_id = Some("someone".into());
    key.team_id = Some("t".into());
    let block = Op::KeyBlock { route: "/key/block", key: &key };
    assert_eq!(status(decide(&settings, &lead, &block, &admin_of_t)), 200);
    key.team_id = Some("other".into());
    let block = Op::KeyBlock { route: "/key/block", key: &key };
    assert_eq!(status(decide(&settings, &lead, &block, &admin_of_t)), 401);
}

#[test]
fn key_generation_settings_name_themselves_when_they_refuse() {
    let mut settings = Settings::default();
    let keygen = &mut settings.litellm_settings.key_generation_settings;
    keygen.team_key_generation.allowed_team_member_roles = Some(vec!["admin".into()]);
    keygen.personal_key_generation.required_params = vec!["key_alias".into()];
    let member_of_t = |t: &str| (t == "t").then_some(TeamRole::User);
    let user = caller("u", Role::InternalUser);
    let mut t = team("t");
    t.members.push(crate::teams::Membership {
        user_id: "u".into(),
        team_id: "t".into(),
        role: TeamRole::User,
        spend: 0.0,
        max_budget_in_team: None,
        created_at: String::new(),
        budget_id: None,
    });
    let fields: Vec<String> = Vec::new();
    let team_key = Op::KeyGenerate { team_id: Some("t"), team: Some(&t), for_user: Some("u"), fields: &fields };
    let refusal = decide(&settings, &user, &team_key, &member_of_t).unwrap_err();
    assert!(refusal.message().contains("allowed_team_member_roles"), "{refusal}");
    let personal = Op::KeyGenerate { team_id: None, team: None, for_user: Some("u"), fields: &fields };
    let refusal = decide(&settings, &user, &personal, &member_of_t).unwrap_err();
    assert!(refusal.message().contains("key_alias") && refusal.message().contains("required_params"), "{refusal}");
    let with_alias = vec!["key_alias".to_string()];
    let personal = Op::KeyGenerate { team_id: None, team: None, for_user: Some("u"), fields: &with_alias };
    assert_eq!(status(decide(&settings, &user, &personal, &member_of_t)), 200);
}

#[test]
fn a_key_without_a_user_reads_only_itself() {
    let settings = Settings::default();
    let key = Arc::new(KeyRecord::new("sk-service-account-key", "2026-01-01T00:00:00.000000Z", None));
    let service = Caller { credential: Credential::VirtualKey(key.clone()), user_id: None, role: None };
    let none = |_: &str| None;
    assert_eq!(status(decide(&settings, &service, &Op::KeyRead { key: &key }, &none)), 200);
    assert_eq!(status(decide(&settings, &service, &Op::UserList, &none)), 401);
    assert_eq!(
        status(decide(&settings, &service, &Op::InvitationNew { user_id: None, target_teams: &[] }, &none)),
        400
    );
}

#[test]
fn only_proxy_admins_block_users() {
    let settings = Settings::default();
    let none = |_: &str| None;
    let block = Op::UserBlock { route: "/user/block" };
    assert_eq!(status(decide(&settings, &caller("a", Role::ProxyAdmin), &block, &none)), 200);
    assert_eq!(status(decide(&settings, &caller("v", Role::ProxyAdminViewer), &block, &none)), 403);
    assert_eq!(status(decide(&settings, &caller("u", Role::InternalUser), &block, &none)), 401);
    assert_eq!(status(decide(&settings, &caller("iv", Role::InternalUserViewer), &block, &none)), 401);
    // A team admin has no say over users.
    let admin_of_t = |t: &str| (t == "t").then_some(TeamRole::Admin);
    assert_eq!(status(decide(&settings, &caller("lead", Role::InternalUser), &block, &admin_of_t)), 401);
}

#[test]
fn metrics_are_for_admins_and_admin_viewers() {
    let settings = Settings::default();
    let none = |_: &str| None;
    let decided = |role| status(decide(&settings, &caller("m", role), &Op::MetricsRead, &none));
    assert_eq!(decided(Role::ProxyAdmin), 200);
    assert_eq!(decided(Role::ProxyAdminViewer), 200);
    assert_eq!(decided(Role::InternalUser), 403);
    assert_eq!(decided(Role::InternalUserViewer), 403);
}

#[test]
fn a_stored_response_is_its_keys_and_proxy_admins_only() {
    let settings = Settings::default();
    let none = |_: &str| None;
    let maker = caller("u1", Role::InternalUser);
    let owner = maker.api_key_hash().to_string();
    let read = Op::StoredResponse { route: "/v1/responses/{id}", owner: &owner };
    assert_eq!(status(decide(&settings, &maker, &read, &none)), 200);
    assert_eq!(status(decide(&settings, &caller("u1", Role::ProxyAdmin), &read, &none)), 200);
    let other = Op::StoredResponse { route: "/v1/responses/{id}", owner: "another key's hash" };
    for role in [Role::InternalUser, Role::ProxyAdminViewer, Role::InternalUserViewer] {
        assert_eq!(status(decide(&settings, &caller("u1", role), &other, &none)), 404, "{role}");
    }
    assert_eq!(status(decide(&settings, &caller("u1", Role::ProxyAdmin), &other, &none)), 200);
}

#[test]
fn customers_and_budgets_are_written_by_proxy_admins_and_read_by_admin_roles() {
    let settings = Settings::default();
    let none = |_: &str| None;
    let admin_of_t = |t: &str| (t == "t").then_some(TeamRole::Admin);
    let ops = [
        (Op::CustomerWrite { route: "/customer/new" }, [200, 403, 401, 401, 401]),
        (Op::BudgetWrite { route: "/budget/delete" }, [200, 403, 401, 401, 401]),
        (Op::CustomerRead { route: "/customer/info" }, [200, 200, 401, 401, 401]),
        (Op::BudgetRead { route: "/budget/list" }, [200, 200, 401, 401, 401]),
    ];
    for (op, expected) in ops {
        let decided = [
            status(decide(&settings, &caller("a", Role::ProxyAdmin), &op, &none)),
            status(decide(&settings, &caller("v", Role::ProxyAdminViewer), &op, &none)),
            status(decide(&settings, &caller("u", Role::InternalUser), &op, &none)),
            status(decide(&settings, &caller("iv", Role::InternalUserViewer), &op, &none)),
            // A team admin has no say over customers or budgets.
            status(decide(&settings, &caller("lead", Role::InternalUser), &op, &admin_of_t)),
        ];
        assert_eq!(decided, expected, "{}", op.route());
    }
    let key = Arc::new(KeyRecord::new("sk-service-account-key", "2026-01-01T00:00:00.000000Z", None));
    let service = Caller { credential: Credential::VirtualKey(key), user_id: None, role: None };
    assert_eq!(status(decide(&settings, &service, &Op::CustomerRead { route: "/customer/list" }, &none)), 401);
}
