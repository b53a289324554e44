//! The `/invitation/*` and `/onboarding/*` bodies and answers: an admin invites a user,
//! the user's browser turns the link into a short-lived onboarding token and sets a
//! password with it.

use utoipa::{IntoParams, ToSchema};

/// `POST /invitation/new`.
#[derive(ToSchema)]
pub struct InvitationNewRequest {
    /// An existing user (create one with `/user/new`).
    user_id: String,
}

/// `POST /invitation/delete`.
#[derive(ToSchema)]
pub struct InvitationRef {
    invitation_id: String,
}

/// An invitation with the link to send the user.
#[derive(ToSchema)]
pub struct InvitationObject {
    id: String,
    user_id: String,
    is_accepted: bool,
    accepted_at: Option<String>,
    expires_at: String,
    created_at: String,
    created_by: Option<String>,
    updated_at: String,
    updated_by: Option<String>,
    /// The onboarding page for this invitation; it works once.
    invitation_link: String,
    /// With `[email]` configured: whether the link was emailed.
    email_sent: Option<bool>,
    email_error: Option<String>,
}

/// `GET /onboarding/get_token`: the invitation, under any of LiteLLM's names for it.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OnboardingTokenQuery {
    /// The invitation id (required under one of the three names).
    invite_link: Option<String>,
    /// The same, as LiteLLM's current UI names it.
    invitation_id: Option<String>,
    /// The same, as the invitation link names it.
    id: Option<String>,
}

/// `GET /onboarding/get_token`: a 15-minute token for `/onboarding/claim_token`.
#[derive(ToSchema)]
pub struct OnboardingToken {
    login_url: String,
    token: String,
    user_email: Option<String>,
}

/// `POST /onboarding/claim_token`, with the onboarding token as the bearer credential.
#[derive(ToSchema)]
pub struct OnboardingClaimRequest {
    invitation_link: String,
    user_id: String,
    /// The new password (at least `min_password_length` characters).
    password: String,
}

/// `POST /onboarding/claim_token`: a session for the user whose password was just set.
#[derive(ToSchema)]
pub struct OnboardingClaimed {
    login_url: String,
    token: String,
    user_email: Option<String>,
    user: super::users::UserObject,
}
