//! Request and answer schemas for `/openapi.json`. The management handlers read their
//! bodies as JSON values and parse the parts they need (`fields::parse` into the typed
//! `KeyFields`, `UserFields`, `TeamFields`, plus single fields), so a body as a whole has
//! no Rust type to derive from: these types describe it, reusing the typed parts. Answers
//! are built as JSON values from the records, so they are described here too. None of
//! these is ever built; they exist for the document only.

// Schema-only types: never constructed, their fields never read.
#![allow(dead_code)]

pub mod anthropic;
pub mod auth;
pub mod budgets;
pub mod customers;
pub mod gateway;
pub mod invitations;
pub mod keys;
pub mod media;
pub mod models;
pub mod organizations;
pub mod reports;
pub mod responses;
pub mod teams;
pub mod users;
