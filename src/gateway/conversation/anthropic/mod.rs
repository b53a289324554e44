//! Anthropic's Messages dialect: the client side (`/v1/messages` to another provider) and
//! the provider side (an `anthropic/` deployment called by another dialect's client).

pub mod reply;
pub mod request;
pub mod stream;
