//! Who is calling and what they may do: the master key, virtual keys, roles, the one
//! permission policy, the JWT signing secret and password hashing.
//! (Sessions and SSO join here with the sign-in work.)

mod caller;
mod master_key;
pub mod password;
pub mod policy;
mod role;
pub mod session;
pub mod signing;

pub use caller::{Caller, Credential, DEFAULT_ADMIN_USER_ID, presented_key, resolve};
pub use master_key::{MasterKey, MasterKeyOrigin, generate_key};
pub use role::{Role, UnknownRole};
pub use signing::SigningKey;
