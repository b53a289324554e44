//! The rights a principal holds, so that a credential can be checked against whoever will
//! hold it. A credential (key, session, password, invitation link, SSO binding) acts for
//! one principal; the policy allows making, regenerating or moving one only when its
//! holder already holds every right of that principal. Rights here are the global role,
//! the membership and role in each team and organization, and the user's model list: what
//! the policy and model access read. An organization's admin manages every team of it, so
//! holds the admin role in each. The built-in admin is a proxy admin whatever its stored
//! row says.

use super::{Caller, Role};
use crate::organizations::OrgRole;
use crate::state::AppState;
use crate::teams::TeamRole;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Rights {
    /// `None`: the principal has no role at all (a key without a user).
    role: Option<Role>,
    teams: HashMap<String, TeamRole>,
    organizations: HashMap<String, OrgRole>,
    /// The user's models; `None` means every model.
    models: Option<Vec<String>>,
}

impl Rights {
    /// What the user `user_id` holds now (an unknown user holds nothing).
    pub fn of_user(state: &AppState, user_id: &str) -> Rights {
        let mut teams: HashMap<String, TeamRole> =
            state.teams.of_user(user_id).into_iter().map(|(t, m)| (t.team_id.clone(), m.role)).collect();
        let organizations: HashMap<String, OrgRole> = state
            .organizations
            .of_user(user_id)
            .into_iter()
            .map(|(o, m)| (o.organization_id.clone(), m.user_role))
            .collect();
        let administered =
            |org: &Option<String>| org.as_deref().is_some_and(|o| organizations.get(o) == Some(&OrgRole::OrgAdmin));
        for team in state.teams.all().iter().filter(|t| administered(&t.organization_id)) {
            teams.insert(team.team_id.clone(), TeamRole::Admin);
        }
        match state.users.get(user_id) {
            _ if user_id == state.admin_user_id() || state.is_proxy_admin_id(user_id) => Rights::admin(),
            Some(user) => Rights { role: Some(user.user_role), teams, organizations, models: model_list(&user.models) },
            None => Rights { teams, organizations, ..Rights::nobody() },
        }
    }

    /// What the caller holds: the master key everything, a key or session its user's
    /// rights under the role it was resolved with.
    pub fn of_caller(state: &AppState, caller: &Caller) -> Rights {
        if caller.role == Some(Role::ProxyAdmin) {
            return Rights::admin();
        }
        let Some(user_id) = caller.user_id.as_deref() else {
            return Rights::nobody();
        };
        Rights { role: caller.role, ..Rights::of_user(state, user_id) }
    }

    /// The rights of no one: the holder of a key that has no owner is unknown.
    pub fn nobody() -> Rights {
        Rights { role: None, teams: HashMap::new(), organizations: HashMap::new(), models: Some(Vec::new()) }
    }

    fn admin() -> Rights {
        Rights { role: Some(Role::ProxyAdmin), teams: HashMap::new(), organizations: HashMap::new(), models: None }
    }

    pub fn is_proxy_admin(&self) -> bool {
        self.role == Some(Role::ProxyAdmin)
    }

    /// The first right `other` holds that `self` lacks, said for an error message.
    pub fn lacking(&self, other: &Rights) -> Option<String> {
        if self.is_proxy_admin() {
            return None;
        }
        if let Some(role) = other.role
            && !self.role.is_some_and(|mine| mine.covers(role))
        {
            return Some(format!("the global role {role}"));
        }
        for (team, role) in &other.teams {
            let held = self.teams.get(team).copied();
            let covered = match role {
                TeamRole::Admin => held == Some(TeamRole::Admin),
                TeamRole::User => held.is_some(),
            };
            if !covered {
                return Some(format!("the role {} in team {team}", role.as_str()));
            }
        }
        for (org, role) in &other.organizations {
            let held = self.organizations.get(org).copied();
            let covered = match role {
                OrgRole::OrgAdmin => held == Some(OrgRole::OrgAdmin),
                OrgRole::InternalUser | OrgRole::InternalUserViewer => held.is_some(),
            };
            if !covered {
                return Some(format!("the role {} in organization {org}", role.as_str()));
            }
        }
        match (&self.models, &other.models) {
            (None, _) => None,
            (Some(_), None) => Some("access to every model".into()),
            (Some(mine), Some(theirs)) => {
                theirs.iter().find(|m| !mine.contains(m)).map(|m| format!("access to the model {m}"))
            }
        }
    }
}

/// An empty list, `all-proxy-models` or `*` mean every model (as in `gateway::access`).
fn model_list(models: &[String]) -> Option<Vec<String>> {
    let every = models.is_empty() || models.iter().any(|m| m == "all-proxy-models" || m == "*");
    (!every).then(|| models.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rights(role: Role, teams: &[(&str, TeamRole)], models: Option<&[&str]>) -> Rights {
        Rights {
            role: Some(role),
            teams: teams.iter().map(|(t, r)| (t.to_string(), *r)).collect(),
            organizations: HashMap::new(),
            models: models.map(|m| m.iter().map(|s| s.to_string()).collect()),
        }
    }

    #[test]
    fn a_team_admin_does_not_cover_a_proxy_admin_or_another_teams_admin() {
        let lead = rights(Role::InternalUser, &[("t", TeamRole::Admin)], None);
        let member = rights(Role::InternalUser, &[("t", TeamRole::User)], None);
        assert_eq!(lead.lacking(&member), None);
        assert!(lead.lacking(&Rights::admin()).is_some_and(|m| m.contains("proxy_admin")));
        let other_lead = rights(Role::InternalUser, &[("t", TeamRole::User), ("u", TeamRole::Admin)], None);
        assert!(lead.lacking(&other_lead).is_some_and(|m| m.contains("team u")));
        assert!(member.lacking(&lead).is_some_and(|m| m.contains("admin in team t")));
    }

    #[test]
    fn an_org_admin_covers_its_members_but_not_another_organizations_admin() {
        let mut admin = rights(Role::InternalUser, &[], None);
        admin.organizations.insert("o".into(), OrgRole::OrgAdmin);
        let mut member = rights(Role::InternalUser, &[], None);
        member.organizations.insert("o".into(), OrgRole::InternalUserViewer);
        assert_eq!(admin.lacking(&member), None);
        let mut other = rights(Role::InternalUser, &[], None);
        other.organizations.insert("p".into(), OrgRole::InternalUser);
        assert!(admin.lacking(&other).is_some_and(|m| m.contains("organization p")));
        let mut co_admin = rights(Role::InternalUser, &[], None);
        co_admin.organizations.insert("o".into(), OrgRole::OrgAdmin);
        assert!(member.lacking(&co_admin).is_some_and(|m| m.contains("org_admin in organization o")));
    }

    #[test]
    fn model_lists_must_be_covered() {
        let narrow = rights(Role::InternalUser, &[], Some(&["a"]));
        let wide = rights(Role::InternalUser, &[], None);
        assert_eq!(wide.lacking(&narrow), None);
        assert_eq!(narrow.lacking(&wide).as_deref(), Some("access to every model"));
        let other = rights(Role::InternalUser, &[], Some(&["a", "b"]));
        assert_eq!(narrow.lacking(&other).as_deref(), Some("access to the model b"));
        assert_eq!(model_list(&["all-proxy-models".to_string()]), None);
    }
}
