//! Who is calling and what they may do: the master key, virtual keys, UI sessions
//! (cookie, CSRF, password sign-in, onboarding page, SSO), roles, and the one permission
//! policy every management handler asks first.

mod caller;
pub mod csrf;
mod key_guesses;
pub mod login;
mod login_limit;
mod master_key;
pub mod onboarding;
pub mod password;
pub mod policy;
pub mod proxy_secret;
pub mod request_info;
pub mod rights;
mod role;
pub mod session;
pub mod signing_secret;
pub mod sso;
mod ui_config;

pub use caller::{Caller, Credential, DEFAULT_ADMIN_USER_ID, presented_key, resolve};
pub use key_guesses::KeyGuessLimiter;
pub use login_limit::{Admission, Limits, LoginLimiter};
pub use master_key::{MasterKey, MasterKeyOrigin, generate_key, weakness as master_key_weakness};
pub use role::{Role, UnknownRole};
pub use session::{SessionKeys, SessionUser};

/// Every sign-in route: the pages, the form posts, SSO and logout.
pub fn routes() -> axum::Router<crate::state::AppState> {
    login::routes().merge(onboarding::routes()).merge(sso::routes()).merge(ui_config::routes())
}
