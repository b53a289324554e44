//! `proxy`: an OpenAI-compatible LLM gateway with virtual keys, users, teams, budgets and a
//! web admin UI, in one binary that keeps everything in one SQLite file.
//!
//! The code is cut by domain (see DESIGN.md): each folder owns its types, SQL and routes.
#![forbid(unsafe_code)]

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod budgets;
pub mod config;
pub mod customers;
pub mod db;
pub mod docs;
pub mod duration;
pub mod email;
pub mod error;
pub mod extract;
pub mod fields;
pub mod gateway;
pub mod health;
pub mod invitations;
pub mod jobs;
pub mod keys;
pub mod limits;
pub mod metrics;
pub mod models;
pub mod organizations;
pub mod server;
pub mod spend;
pub mod state;
pub mod tags;
pub mod teams;
pub mod time;
pub mod ui;
pub mod users;
