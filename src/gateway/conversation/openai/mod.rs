//! OpenAI's chat completions dialect: the client side (`/v1/chat/completions` to another
//! provider) and the provider side (an OpenAI-compatible or Azure deployment called by
//! another dialect's client).

pub mod reply;
pub mod request;
pub mod stream;
