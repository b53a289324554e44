//! The request log behind the UI's `/ui/logs`: pages of spend-log rows, newest first, and
//! one row by its id. Its filters are `/spend/logs`'s own parameters (`LogQuery`), turned
//! into SQL by the same `logs::filters` under the same policy rule (`Op::SpendRead`), so
//! the page can neither filter by anything that route cannot nor show a row that route
//! would not show the same caller.
//!
//! Reads stay on indexes: every listing the page makes is bounded by an indexed column (a
//! time range, which the page always sends unless it searches by id, a key, a user, a
//! team, a model group, or the row's id); status only narrows what that index range finds.
//! The unit tests below read SQLite's query plans to keep it so.

use super::logs::{filters, order, page_sql, row_json, row_with_payload};
use crate::auth::Caller;
use crate::db::Value as Sql;
use crate::error::ApiError;
use crate::state::AppState;
use serde_json::Value;

pub use super::logs::LogQuery;

/// The route the policy is asked about.
pub const ROUTE: &str = "/ui/logs";

/// A page of rows and whether older ones follow.
pub struct Page {
    pub rows: Vec<Value>,
    pub more: bool,
}

/// A `LogQuery` from `/spend/logs` parameters, as a client would send them.
pub fn query(pairs: &[(&str, String)]) -> Result<LogQuery, ApiError> {
    let encoded: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    let uri: axum::http::Uri =
        format!("/?{encoded}").parse().map_err(|_| ApiError::bad_request("the filters do not make a query"))?;
    axum::extract::Query::<LogQuery>::try_from_uri(&uri)
        .map(|q| q.0)
        .map_err(|e| ApiError::bad_request(format!("Invalid filters: {}", e.body_text())))
}

/// The SQL of one page (one row more than `size`, to tell whether another page follows),
/// with the kept bodies when `payloads`.
fn listing(
    state: &AppState,
    caller: &Caller,
    q: &LogQuery,
    (page, size): (u32, u32),
    payloads: bool,
) -> Result<(String, Vec<Sql>), ApiError> {
    let (clause, values) = filters(state, caller, ROUTE, q)?;
    let order = order(q)?;
    let offset = u64::from(page.max(1) - 1) * u64::from(size);
    let sql = page_sql(&clause, &order, size + 1, offset, payloads);
    Ok((sql, values))
}

async fn rows(
    state: &AppState,
    caller: &Caller,
    q: &LogQuery,
    (page, size): (u32, u32),
    payloads: bool,
) -> Result<Page, ApiError> {
    let (sql, values) = listing(state, caller, q, (page, size), payloads)?;
    let read = if payloads { row_with_payload } else { row_json };
    let mut rows = state
        .db
        .read(move |conn| {
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map(crate::db::params_from_iter(values), read)?;
            rows.collect::<crate::db::Result<Vec<_>>>()
        })
        .await?;
    let more = rows.len() > size as usize;
    rows.truncate(size as usize);
    Ok(Page { rows, more })
}

/// Page `page` (from 1) of `size` rows matching `q`, newest first, as the caller may see
/// (without the kept bodies: a page of the list does not show them).
pub async fn newest(state: &AppState, caller: &Caller, q: &LogQuery, page: u32, size: u32) -> Result<Page, ApiError> {
    rows(state, caller, q, (page, size), false).await
}

/// The row whose server-made id is `id`, with its kept bodies (`/spend/logs`' fields), if
/// the caller may see it.
pub async fn one(state: &AppState, caller: &Caller, id: &str) -> Result<Option<Value>, ApiError> {
    let q = query(&[("request_id", id.to_string())])?;
    // A client's id may name several rows; this asks for the row's own id only.
    let page = rows(state, caller, &q, (1, 100), true).await?;
    Ok(page.rows.into_iter().find(|row| row["request_id"] == id))
}

/// What a committed request used, by the id its client gave it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestUsage {
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub spend: f64,
}

/// The usage of the request the client named `client_request_id` (the UI's test chat names
/// its own), once its row is committed.
pub fn usage_of_client_request(
    conn: &crate::db::Conn<'_>,
    client_request_id: &str,
) -> crate::db::Result<Option<RequestUsage>> {
    use crate::db::OptionalExtension;
    conn.query_row(
        "SELECT prompt_tokens, completion_tokens, spend FROM spend_logs WHERE client_request_id = ?1",
        [client_request_id],
        |r| Ok(RequestUsage { prompt_tokens: r.get(0)?, completion_tokens: r.get(1)?, spend: r.get(2)? }),
    )
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Credential, Role, SessionUser};

    fn state() -> (AppState, tempfile::TempDir) {
        let mut config = crate::config::Config::defaults();
        let dir = tempfile::tempdir().unwrap();
        config.settings.server.database_path = dir.path().join("p.db").display().to_string();
        let (state, _) = AppState::open(config).unwrap();
        (state, dir)
    }

    fn signed(user_id: &str, role: Role) -> Caller {
        let user = SessionUser {
            user_id: user_id.into(),
            role,
            email: None,
            login_method: "password".into(),
            sid: "s".into(),
        };
        Caller { credential: Credential::Session(user), user_id: Some(user_id.into()), role: Some(role) }
    }

    /// SQLite's plan for the page's query: every step on the rows (`spend_rows`, under the
    /// `spend_logs` view) must use an index.
    fn plan(state: &AppState, caller: &Caller, items: &[(&str, &str)], with_payloads: bool) -> String {
        let pairs: Vec<(&str, String)> = items.iter().map(|(k, v)| (*k, v.to_string())).collect();
        let q = query(&pairs).unwrap();
        let (sql, values) = listing(state, caller, &q, (3, 50), with_payloads).unwrap();
        state
            .db
            .read_blocking(move |conn| {
                let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                let steps = stmt.query_map(crate::db::params_from_iter(values), |r| r.get::<_, String>(3))?;
                steps.collect::<crate::db::Result<Vec<_>>>()
            })
            .unwrap()
            .join("\n")
    }

    #[test]
    fn every_filter_the_page_sends_reads_through_an_index() {
        let (state, _dir) = state();
        let admin = signed("admin", Role::ProxyAdmin);
        let user = signed("alice", Role::InternalUser);
        let range = [("start_date", "2026-01-01"), ("end_date", "2026-01-07")];
        let with_range = |extra: &[(&'static str, &'static str)]| [&range[..], extra].concat();
        let cases: Vec<(&Caller, Vec<(&str, &str)>)> = vec![
            (&admin, with_range(&[])),
            (&admin, with_range(&[("status_filter", "failure")])),
            (&admin, with_range(&[("model_group", "m"), ("status_filter", "success")])),
            (&admin, vec![("model_group", "m")]),
            (&admin, with_range(&[("api_key", "abc")])),
            (&admin, with_range(&[("user_id", "bob")])),
            (&admin, with_range(&[("team_id", "t")])),
            (&admin, vec![("request_id", "r")]),
            (&user, with_range(&[("status_filter", "failure")])),
            (&user, vec![("request_id", "r")]),
        ];
        for (caller, items) in cases {
            let plan = plan(&state, caller, &items, false);
            assert!(plan.contains("spend_rows") && !plan.contains("SCAN spend_rows"), "{items:?}:\n{plan}");
        }
        // The detail's row and `/spend/logs`' pages: their bodies by `spend_payloads`' key.
        for items in [vec![("request_id", "r")], with_range(&[])] {
            let plan = plan(&state, &admin, &items, true);
            assert!(!plan.contains("SCAN spend_rows") && !plan.contains("SCAN p"), "{items:?}:\n{plan}");
            assert!(plan.contains("SEARCH p USING INDEX sqlite_autoindex_spend_payloads_1"), "{items:?}:\n{plan}");
        }
    }

    #[test]
    fn the_filters_are_the_spend_logs_parameters() {
        let q = query(&[("status_filter", "failure".into()), ("page", "2".into())]).unwrap();
        let (state, _dir) = state();
        let (sql, values) = listing(&state, &signed("alice", Role::InternalUser), &q, (2, 10), false).unwrap();
        assert!(
            sql.contains("\"user\" = (SELECT id FROM spend_names WHERE name = ?1)")
                && sql.contains("status = (SELECT id FROM spend_names WHERE name = ?2)")
                && sql.contains("LIMIT 11 OFFSET 10"),
            "{sql}"
        );
        assert_eq!(values, vec![Sql::Text("alice".into()), Sql::Text("failure".into())]);
        assert!(query(&[("page", "many".into())]).is_err());
    }
}
