//! The few SQL expressions that each engine spells its own way, for statements built
//! outside `db/` (report filters): a statement asks for "the text at this JSON path" or
//! "contains", and only this file knows the functions are SQLite's `json_extract` and
//! `instr`. A second engine answers with its own spelling here.

/// The value at `path` (object keys from the top) in the JSON text of the column or
/// expression `json`; NULL where the path is absent. The path is the code's own, never
/// input: it is written into the statement as it is.
pub fn json_text(json: &str, path: &[&str]) -> String {
    format!("json_extract({json}, '$.{}')", path.join("."))
}

/// Whether the text `haystack` holds `needle` (both expressions, say a column and a
/// parameter), case-sensitively; NULL when either is NULL.
pub fn contains(haystack: &str, needle: &str) -> String {
    format!("instr({haystack}, {needle}) > 0")
}

/// About how many rows `table` holds, without counting them (a count walks a whole index:
/// seconds at ten million rows). In SQLite, the span of its rowids: exact while rows are
/// only appended and deleted oldest first, as the spend rows are. `table` is the code's own.
pub fn row_count_estimate(table: &str) -> String {
    format!("coalesce((SELECT max(rowid) FROM {table}) - (SELECT min(rowid) FROM {table}) + 1, 0)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Direct;

    #[test]
    fn a_json_path_and_a_substring_match_as_the_reports_need() {
        let dir = tempfile::tempdir().unwrap();
        let store = Direct::create(dir.path().join("d.db")).unwrap();
        let conn = store.conn();
        let code = json_text("?1", &["error_information", "error_code"]);
        let found: Option<String> = conn
            .query_row(&format!("SELECT {code}"), [r#"{"error_information":{"error_code":"429"}}"#], |r| r.get(0))
            .unwrap();
        assert_eq!(found.as_deref(), Some("429"));
        let missing: Option<String> = conn.query_row(&format!("SELECT {code}"), ["{}"], |r| r.get(0)).unwrap();
        assert_eq!(missing, None);
        let holds = |haystack: &str, needle: &str| -> Option<bool> {
            conn.query_row(&format!("SELECT {}", contains("?1", "?2")), [haystack, needle], |r| r.get(0)).unwrap()
        };
        assert_eq!(holds("rate limit reached", "limit"), Some(true));
        assert_eq!(holds("rate limit reached", "Limit"), Some(false));
    }

    #[test]
    fn a_row_count_estimate_is_exact_for_rows_appended_and_pruned_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Direct::create(dir.path().join("d.db")).unwrap();
        let conn = store.conn();
        conn.execute_batch("CREATE TABLE t (a INTEGER)").unwrap();
        let count =
            || -> i64 { conn.query_row(&format!("SELECT {}", row_count_estimate("t")), (), |r| r.get(0)).unwrap() };
        assert_eq!(count(), 0);
        for a in 0..10 {
            conn.execute("INSERT INTO t (a) VALUES (?1)", [a]).unwrap();
        }
        assert_eq!(count(), 10);
        conn.execute("DELETE FROM t WHERE a < 4", ()).unwrap();
        assert_eq!(count(), 6);
    }
}
