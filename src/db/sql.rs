//! The store's own statement vocabulary: what the rooms' `store.rs` files use to run their
//! SQL. Connections, transactions, statements, rows, parameters and values are the
//! project's types here, so the engine behind them is this module's business alone; the
//! names mirror the SQLite driver's, which keeps the stores plain to read.

use super::DbError;

/// What every store function returns.
pub type Result<T, E = DbError> = std::result::Result<T, E>;

/// A connection inside a read (a pooled reader) or a write (the writer's transaction).
#[derive(Clone, Copy)]
pub struct Conn<'c> {
    raw: &'c rusqlite::Connection,
}

/// The writer's open transaction: it commits when the closure given to `Db::write` returns
/// `Ok`. Everything a [`Conn`] does, it does too.
pub struct Tx<'c> {
    conn: Conn<'c>,
}

impl<'c> Conn<'c> {
    pub(super) fn new(raw: &'c rusqlite::Connection) -> Self {
        Conn { raw }
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        Ok(self.raw.execute(sql, params.sqlite())?)
    }

    /// Runs several statements without parameters (a schema script, say).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        Ok(self.raw.execute_batch(sql)?)
    }

    /// The first row of a query, mapped; [`DbError::NoRow`] when there is none (see
    /// [`OptionalExtension::optional`]).
    pub fn query_row<T>(&self, sql: &str, params: impl Params, f: impl FnOnce(&Row<'_>) -> Result<T>) -> Result<T> {
        self.prepare(sql)?.query_row(params, f)
    }

    pub fn prepare(&self, sql: &str) -> Result<Stmt<'c>> {
        Ok(Stmt { raw: Prepared::Plain(self.raw.prepare(sql)?) })
    }

    /// A statement kept prepared on this connection for the next time (for the SQL a
    /// hot path runs again and again; built-up SQL belongs in [`Conn::prepare`]).
    pub fn prepare_cached(&self, sql: &str) -> Result<Stmt<'c>> {
        Ok(Stmt { raw: Prepared::Cached(self.raw.prepare_cached(sql)?) })
    }

    /// Runs `f` in one read transaction, so that its several queries see the same commits.
    pub fn snapshot<T>(&self, f: impl FnOnce(&Conn<'_>) -> Result<T>) -> Result<T> {
        let tx = self.raw.unchecked_transaction()?;
        let value = f(&Conn::new(&tx))?;
        tx.commit()?;
        Ok(value)
    }

    /// The row id the last insert on this connection made.
    pub fn last_insert_rowid(&self) -> i64 {
        self.raw.last_insert_rowid()
    }
}

impl<'c> Tx<'c> {
    pub(super) fn new(raw: &'c rusqlite::Connection) -> Self {
        Tx { conn: Conn::new(raw) }
    }
}

impl<'c> std::ops::Deref for Tx<'c> {
    type Target = Conn<'c>;
    fn deref(&self) -> &Conn<'c> {
        &self.conn
    }
}

enum Prepared<'c> {
    Plain(rusqlite::Statement<'c>),
    Cached(rusqlite::CachedStatement<'c>),
}

/// A prepared statement, run as many times as needed.
pub struct Stmt<'c> {
    raw: Prepared<'c>,
}

impl<'c> Stmt<'c> {
    fn raw(&mut self) -> &mut rusqlite::Statement<'c> {
        match &mut self.raw {
            Prepared::Plain(stmt) => stmt,
            Prepared::Cached(stmt) => stmt,
        }
    }

    pub fn execute(&mut self, params: impl Params) -> Result<usize> {
        Ok(self.raw().execute(params.sqlite())?)
    }

    /// How many columns each row of the answer has.
    pub fn column_count(&mut self) -> usize {
        self.raw().column_count()
    }

    /// The rows, read one at a time with [`Rows::next`].
    pub fn query(&mut self, params: impl Params) -> Result<Rows<'_>> {
        Ok(Rows { raw: self.raw().query(params.sqlite())? })
    }

    /// The rows, each mapped by `f`, as an iterator of results.
    pub fn query_map<T, F>(&mut self, params: impl Params, f: F) -> Result<MappedRows<'_, F>>
    where
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        Ok(MappedRows { rows: self.query(params)?, f })
    }

    pub fn query_row<T>(&mut self, params: impl Params, f: impl FnOnce(&Row<'_>) -> Result<T>) -> Result<T> {
        let mut rows = self.query(params)?;
        match rows.next()? {
            Some(row) => f(&row),
            None => Err(DbError::NoRow),
        }
    }
}

/// The rows of a running query.
pub struct Rows<'s> {
    raw: rusqlite::Rows<'s>,
}

impl Rows<'_> {
    /// The next row, or `None` after the last.
    #[allow(clippy::should_implement_trait)] // a row borrows the cursor: not an `Iterator`
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        Ok(self.raw.next()?.map(|raw| Row { raw }))
    }
}

/// [`Stmt::query_map`]'s iterator.
pub struct MappedRows<'s, F> {
    rows: Rows<'s>,
    f: F,
}

impl<T, F> Iterator for MappedRows<'_, F>
where
    F: FnMut(&Row<'_>) -> Result<T>,
{
    type Item = Result<T>;
    fn next(&mut self) -> Option<Result<T>> {
        match self.rows.raw.next() {
            Ok(Some(raw)) => Some((self.f)(&Row { raw })),
            Ok(None) => None,
            Err(e) => Some(Err(e.into())),
        }
    }
}

/// One row of a query's answer.
pub struct Row<'r> {
    raw: &'r rusqlite::Row<'r>,
}

impl Row<'_> {
    /// The value of a column, by position or by name.
    pub fn get<I: ColumnIndex, T: FromSql>(&self, index: I) -> Result<T> {
        Ok(self.raw.get(index.sqlite())?)
    }

    /// A text or blob column's bytes without a copy (empty for NULL and numbers).
    pub fn bytes(&self, index: usize) -> Result<&[u8]> {
        Ok(self.raw.get_ref(index)?.as_bytes().unwrap_or_default())
    }
}

/// A column's position (from 0) or name.
pub trait ColumnIndex {
    #[doc(hidden)]
    fn sqlite(self) -> impl rusqlite::RowIndex;
}

impl ColumnIndex for usize {
    fn sqlite(self) -> impl rusqlite::RowIndex {
        self
    }
}

impl ColumnIndex for &str {
    fn sqlite(self) -> impl rusqlite::RowIndex {
        self
    }
}

/// A type a column can be read as.
pub trait FromSql: rusqlite::types::FromSql {}

impl FromSql for i64 {}
impl FromSql for i32 {}
impl FromSql for u32 {}
impl FromSql for u64 {}
impl FromSql for usize {}
impl FromSql for f64 {}
impl FromSql for bool {}
impl FromSql for String {}
impl FromSql for Vec<u8> {}
impl FromSql for Value {}
impl<T: FromSql> FromSql for Option<T> {}

/// A type a statement parameter can be given as.
pub trait ToSql: rusqlite::ToSql {}

impl ToSql for i64 {}
impl ToSql for i32 {}
impl ToSql for u32 {}
impl ToSql for u64 {}
impl ToSql for usize {}
impl ToSql for f64 {}
impl ToSql for bool {}
impl ToSql for str {}
impl ToSql for String {}
impl ToSql for [u8] {}
impl ToSql for Vec<u8> {}
impl ToSql for Value {}
impl<T: ToSql> ToSql for Option<T> {}
impl<T: ToSql + ?Sized> ToSql for &T {}

/// A value of any column type, for parameter lists built at run time (report filters).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

impl rusqlite::types::FromSql for Value {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        use rusqlite::types::ValueRef;
        Ok(match value {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        })
    }
}

/// A statement's parameters: `params![a, b]`, an array of one type (`[&id]`), `()` for
/// none, or [`params_from_iter`].
pub trait Params {
    #[doc(hidden)]
    fn sqlite(self) -> impl rusqlite::Params;
}

impl Params for () {
    fn sqlite(self) -> impl rusqlite::Params {
        []
    }
}

impl Params for &[&dyn ToSql] {
    fn sqlite(self) -> impl rusqlite::Params {
        rusqlite::params_from_iter(self.iter().copied())
    }
}

impl<T: ToSql, const N: usize> Params for [T; N] {
    fn sqlite(self) -> impl rusqlite::Params {
        rusqlite::params_from_iter(self)
    }
}

/// Parameters from an iterator of values of one type.
pub struct ParamsFromIter<I>(I);

pub fn params_from_iter<I>(iter: I) -> ParamsFromIter<I>
where
    I: IntoIterator,
    I::Item: ToSql,
{
    ParamsFromIter(iter)
}

impl<I> Params for ParamsFromIter<I>
where
    I: IntoIterator,
    I::Item: ToSql,
{
    fn sqlite(self) -> impl rusqlite::Params {
        rusqlite::params_from_iter(self.0)
    }
}

/// Parameters of different types: `params![id, spend, now]`.
#[macro_export]
macro_rules! params {
    () => { () };
    ($($param:expr),+ $(,)?) => {
        &[$(&$param as &dyn $crate::db::ToSql),+] as &[&dyn $crate::db::ToSql]
    };
}

/// `.optional()` on a single-row read: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(DbError::NoRow) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> rusqlite::Connection {
        let raw = rusqlite::Connection::open_in_memory().unwrap();
        raw.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, spend REAL, data BLOB)").unwrap();
        raw
    }

    #[test]
    fn parameters_of_every_shape_bind_and_rows_read_back() {
        let raw = memory();
        let conn = Conn::new(&raw);
        let name = String::from("a");
        conn.execute("INSERT INTO t (name, spend) VALUES (?1, ?2)", crate::params![name, 1.5]).unwrap();
        conn.execute("INSERT INTO t (name, spend) VALUES (?1, NULL)", [&"b"]).unwrap();
        let values = vec![Value::Text("c".into()), Value::Real(2.5)];
        conn.execute("INSERT INTO t (name, spend) VALUES (?1, ?2)", params_from_iter(&values)).unwrap();
        let mut stmt = conn.prepare_cached("SELECT name, spend FROM t ORDER BY id").unwrap();
        let rows: Vec<(String, Option<f64>)> =
            stmt.query_map((), |r| Ok((r.get(0)?, r.get("spend")?))).unwrap().collect::<Result<_>>().unwrap();
        assert_eq!(rows, vec![("a".into(), Some(1.5)), ("b".into(), None), ("c".into(), Some(2.5))]);
        let count: i64 = conn.query_row("SELECT count(*) FROM t WHERE spend > ?1", [1.0], |r| r.get(0)).unwrap();
        assert_eq!(count, 2);
    }

    #[test]
    fn no_row_is_an_error_that_optional_turns_into_none() {
        let raw = memory();
        let conn = Conn::new(&raw);
        let missing = conn.query_row("SELECT name FROM t WHERE id = ?1", [7], |r| r.get::<_, String>(0));
        assert!(matches!(missing, Err(DbError::NoRow)));
        let missing = conn.query_row("SELECT name FROM t WHERE id = ?1", [7], |r| r.get::<_, String>(0));
        assert_eq!(missing.optional().unwrap(), None);
        let broken = conn.query_row("SELECT nope FROM t", (), |r| r.get::<_, String>(0)).optional();
        assert!(matches!(broken, Err(DbError::Other(_))), "{broken:?}");
    }

    #[test]
    fn rows_are_read_one_at_a_time_with_their_bytes() {
        let raw = memory();
        let conn = Conn::new(&raw);
        conn.execute("INSERT INTO t (name, data) VALUES ('x', ?1)", [vec![1u8, 2]]).unwrap();
        let mut stmt = conn.prepare("SELECT name, data, spend FROM t").unwrap();
        let mut rows = stmt.query(()).unwrap();
        let row = rows.next().unwrap().unwrap();
        assert_eq!(row.bytes(0).unwrap(), b"x");
        assert_eq!(row.bytes(1).unwrap(), &[1, 2]);
        assert_eq!(row.bytes(2).unwrap(), b"");
        assert!(rows.next().unwrap().is_none());
    }
}
