//! How an upgrade step runs. Most steps are one batch of SQL. A step that rewrites every
//! row of a big table (the spend log's move into `spend_rows`: minutes at ten million rows)
//! would say nothing for all that time, so the statements it marks run over the table's
//! rows in pieces, by rowid, and after each piece report how far they are. The pieces run
//! in the caller's transaction, so the step still completes whole or not at all, and in
//! rowid order, the order in which one statement over the whole table reads the rows, so
//! the result is the same (names numbered in the same order, rows in the same order).
//!
//! What follows such a move (dropping the old table, indexing the new one: each a single
//! statement of several seconds) is marked to run one statement at a time, reporting
//! after each, so that the log keeps moving until the step is done.
//!
//! The marks, in a step's SQL: a line `-- in pieces over <table>: <what it does>`, the
//! statements, and a line `-- end of part`; each of those statements takes the first and
//! the last rowid of its piece as `:first` and `:last` (both, inclusive). Or a line
//! `-- one by one: <what it does>`, the statements, and `-- end of part`. A part's
//! statements are all prepared before the first runs, so they may only name tables that
//! exist before the part begins.

use super::migrate::MigrateError;
use rusqlite::Connection;
use rusqlite::fallible_iterator::FallibleIterator;
use std::time::{Duration, Instant};

const PIECES: &str = "-- in pieces over ";
const ONE_BY_ONE: &str = "-- one by one: ";
const CLOSE: &str = "-- end of part";

/// The rows of one piece in the server's upgrades: about a second's work, so that the
/// log says something every few seconds.
pub const PIECE_ROWS: u64 = 100_000;

/// How far a marked part of a step is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress<'a> {
    /// What the part does, as its mark says ("moving spend rows").
    pub what: &'a str,
    /// Rows done (the table's rows times the share of its rowids done) and rows in all;
    /// or, one by one, statements done and in all.
    pub done: u64,
    pub total: u64,
}

/// Part of a step: SQL run whole, statements run piece by piece over a table's rows, or
/// statements run one by one.
#[derive(Debug, PartialEq, Eq)]
enum Part<'a> {
    Whole(&'a str),
    Pieces { table: &'a str, what: &'a str, sql: &'a str },
    OneByOne { what: &'a str, sql: &'a str },
}

/// Runs one upgrade step on `conn` (inside the upgrade's transaction), its marked parts in
/// pieces of `piece_rows` rowids, each reported to `report`.
pub(super) fn run(
    conn: &Connection,
    step: &str,
    piece_rows: u64,
    report: &mut dyn FnMut(&Progress<'_>),
) -> Result<(), MigrateError> {
    for part in parts(step).map_err(MigrateError::Step)? {
        match part {
            Part::Whole(sql) => conn.execute_batch(sql)?,
            Part::Pieces { table, what, sql } => in_pieces(conn, (table, what), sql, piece_rows.max(1), report)?,
            Part::OneByOne { what, sql } => one_by_one(conn, what, sql, report)?,
        }
    }
    Ok(())
}

/// A step's parts in order, or what is wrong with its marks.
fn parts(step: &str) -> Result<Vec<Part<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = step;
    loop {
        let next = [PIECES, ONE_BY_ONE].into_iter().filter_map(|m| Some((line_starting(rest, m)?, m))).min();
        let Some((open, kind)) = next else {
            out.push(Part::Whole(rest));
            return Ok(out);
        };
        out.push(Part::Whole(&rest[..open]));
        let mark_end = rest[open..].find('\n').map_or(rest.len(), |i| open + i);
        let mark = &rest[open + kind.len()..mark_end];
        let body = &rest[mark_end..];
        let Some(close) = line_starting(body, CLOSE) else {
            return Err(format!("the part marked {mark:?} has no {CLOSE:?} line"));
        };
        let sql = &body[..close];
        if kind == ONE_BY_ONE {
            out.push(Part::OneByOne { what: mark.trim(), sql });
        } else {
            let Some((table, what)) = mark.split_once(':') else {
                return Err(format!("the mark {mark:?} should read \"<table>: <what it does>\""));
            };
            let table = table.trim();
            if table.is_empty() || !table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("the mark {mark:?} names no table"));
            }
            out.push(Part::Pieces { table, what: what.trim(), sql });
        }
        let after = &body[close..];
        rest = after.find('\n').map_or("", |i| &after[i + 1..]);
    }
}

/// Where the first line of `text` that starts with `prefix` (after its indentation) does.
fn line_starting(text: &str, prefix: &str) -> Option<usize> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with(prefix) {
            return Some(at + line.len() - trimmed.len());
        }
        at += line.len();
    }
    None
}

/// The statements of `sql`, each run once per piece of `table`'s rowids in order.
fn in_pieces(
    conn: &Connection,
    (table, what): (&str, &str),
    sql: &str,
    piece_rows: u64,
    report: &mut dyn FnMut(&Progress<'_>),
) -> rusqlite::Result<()> {
    let total: i64 = conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
    let total = u64::try_from(total).unwrap_or_default();
    // Apart: SQLite finds a lone min() or max() of the rowid in one seek, both together by
    // reading the whole table.
    let bounds: (Option<i64>, Option<i64>) = conn.query_row(
        &format!("SELECT (SELECT min(rowid) FROM {table}), (SELECT max(rowid) FROM {table})"),
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut statements = statements(conn, sql)?;
    report(&Progress { what, done: 0, total });
    let (Some(first), Some(last)) = bounds else {
        return Ok(());
    };
    let span = (i128::from(last) - i128::from(first) + 1).max(1);
    let step = i64::try_from(piece_rows).unwrap_or(i64::MAX);
    let mut from = first;
    loop {
        let to = from.saturating_add(step - 1).min(last);
        for statement in &mut statements {
            statement.execute(rusqlite::named_params! {":first": from, ":last": to})?;
        }
        let share = i128::from(to) - i128::from(first) + 1;
        let done = u64::try_from(share * i128::from(total) / span).unwrap_or(total).min(total);
        report(&Progress { what, done, total });
        if to >= last {
            return Ok(());
        }
        from = to + 1;
    }
}

/// The statements of `sql`, each run once, reported after each.
fn one_by_one(conn: &Connection, what: &str, sql: &str, report: &mut dyn FnMut(&Progress<'_>)) -> rusqlite::Result<()> {
    let mut statements = statements(conn, sql)?;
    let total = statements.len() as u64;
    report(&Progress { what, done: 0, total });
    for (done, statement) in (1..).zip(&mut statements) {
        statement.execute([])?;
        report(&Progress { what, done, total });
    }
    Ok(())
}

/// Every statement of `sql`, prepared.
fn statements<'c>(conn: &'c Connection, sql: &str) -> rusqlite::Result<Vec<rusqlite::Statement<'c>>> {
    let mut out = Vec::new();
    let mut batch = rusqlite::Batch::new(conn, sql);
    while let Some(statement) = batch.next()? {
        out.push(statement);
    }
    Ok(out)
}

/// Writes progress to the log: a part's start and end, and in between a line every few
/// seconds ("upgrading the database: moving spend rows 2,000,000 of 10,000,000 (20%)").
#[derive(Default)]
pub struct ProgressLog {
    last: Option<Instant>,
}

impl ProgressLog {
    const EVERY: Duration = Duration::from_secs(2);

    pub fn report(&mut self, progress: &Progress<'_>) {
        let edge = progress.done == 0 || progress.done >= progress.total;
        if !edge && self.last.is_some_and(|last| last.elapsed() < Self::EVERY) {
            return;
        }
        self.last = Some(Instant::now());
        tracing::info!("upgrading the database: {}", line(progress));
    }
}

/// "moving spend rows 2,000,000 of 10,000,000 (20%)".
fn line(p: &Progress<'_>) -> String {
    let percent = if p.total == 0 { 100 } else { u128::from(p.done) * 100 / u128::from(p.total) };
    format!("{} {} of {} ({percent}%)", p.what, grouped(p.done), grouped(p.total))
}

/// A count with thousands separators: 2,000,000.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_without_marks_is_one_part() {
        assert_eq!(parts("CREATE TABLE t (a);").unwrap(), [Part::Whole("CREATE TABLE t (a);")]);
    }

    #[test]
    fn a_marked_part_is_cut_out_with_its_table_and_what_it_does() {
        let step = "CREATE TABLE b (a);\n    -- in pieces over a_t: copying rows\nINSERT INTO b SELECT a FROM a_t \
                    WHERE rowid BETWEEN :first AND :last;\n    -- end of part\nDROP TABLE a_t;\n\
                    -- one by one: indexing\nCREATE INDEX b_a ON b (a);\n-- end of part\n";
        assert_eq!(
            parts(step).unwrap(),
            [
                Part::Whole("CREATE TABLE b (a);\n    "),
                Part::Pieces {
                    table: "a_t",
                    what: "copying rows",
                    sql: "\nINSERT INTO b SELECT a FROM a_t WHERE rowid BETWEEN :first AND :last;\n    "
                },
                Part::Whole("DROP TABLE a_t;\n"),
                Part::OneByOne { what: "indexing", sql: "\nCREATE INDEX b_a ON b (a);\n" },
                Part::Whole(""),
            ]
        );
    }

    #[test]
    fn a_bad_mark_is_refused() {
        assert!(parts("-- in pieces over t copying\nSELECT 1;\n-- end of part\n").is_err(), "no colon");
        assert!(parts("-- in pieces over t; DROP x: copying\nSELECT 1;\n-- end of part\n").is_err(), "not a name");
        assert!(parts("-- in pieces over t: copying\nSELECT 1;\n").is_err(), "never closed");
        assert!(parts("-- one by one: indexing\nSELECT 1;\n").is_err(), "never closed");
    }

    #[test]
    fn the_log_line_groups_thousands() {
        let p = Progress { what: "moving spend rows", done: 2_000_000, total: 10_000_000 };
        assert_eq!(line(&p), "moving spend rows 2,000,000 of 10,000,000 (20%)");
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(line(&Progress { what: "x", done: 0, total: 0 }), "x 0 of 0 (100%)");
    }
}
