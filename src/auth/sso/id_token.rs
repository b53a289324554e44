//! Checking an OIDC id token before we believe its claims: the signature against the
//! provider's published keys (JWKS), then `aud` (our client id), `iss` (when the provider's
//! issuer is known), `exp` and the `nonce` of this sign-in (OIDC Core 3.1.3.7). Only
//! asymmetric algorithms are accepted: an HMAC "signature" would be keyed with our own
//! client secret, and `none` is no signature at all.

use super::jwks::{KeyError, KeySets};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde_json::{Map, Value};
use std::str::FromStr;

/// Seconds of clock difference forgiven on `exp`.
const LEEWAY_SECONDS: i64 = 60;

const ASYMMETRIC: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// What the id token must match.
pub struct Expected<'a> {
    pub jwks_uri: &'a str,
    pub client_id: &'a str,
    /// Accepted `iss` values; empty when the issuer is not known (then not checked).
    pub issuers: &'a [String],
    pub nonce: Option<&'a str>,
    /// Now, in seconds since the epoch (the program's clock, which tests can move).
    pub now: i64,
}

#[derive(Debug, PartialEq)]
pub enum IdTokenError {
    Malformed,
    Algorithm(String),
    Keys(KeyError),
    Signature,
    Audience,
    Issuer,
    Expired,
    MissingClaim(String),
    Nonce,
}

impl IdTokenError {
    /// The reason, for the page that ends the sign-in.
    pub fn reason(&self) -> String {
        match self {
            IdTokenError::Malformed => "it is not a well-formed JWT".into(),
            IdTokenError::Algorithm(alg) => format!("it is signed with {alg}, which is not accepted"),
            IdTokenError::Keys(KeyError::Unreachable(why)) => format!("the provider's signing keys (JWKS): {why}"),
            IdTokenError::Keys(KeyError::NoSuchKey) => "it is not signed with any of the provider's keys".into(),
            IdTokenError::Signature => "its signature does not verify with the provider's key".into(),
            IdTokenError::Audience => "it was issued to another client (aud)".into(),
            IdTokenError::Issuer => "it was issued by another issuer (iss)".into(),
            IdTokenError::Expired => "it has expired".into(),
            IdTokenError::MissingClaim(claim) => format!("it has no `{claim}` claim"),
            IdTokenError::Nonce => "its nonce does not match this sign-in".into(),
        }
    }
}

/// The claims of a verified id token.
pub async fn verify(
    keys: &KeySets,
    http: &reqwest::Client,
    token: &str,
    expected: &Expected<'_>,
) -> Result<Map<String, Value>, IdTokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| IdTokenError::Malformed)?;
    if !ASYMMETRIC.contains(&header.alg) {
        return Err(IdTokenError::Algorithm(format!("{:?}", header.alg)));
    }
    let jwk =
        keys.key(http, expected.jwks_uri, header.kid.as_deref(), expected.now).await.map_err(IdTokenError::Keys)?;
    // A key that says which algorithm it is for is used for that one only.
    if let Some(key_alg) = jwk.common.key_algorithm
        && Algorithm::from_str(&key_alg.to_string()).ok() != Some(header.alg)
    {
        return Err(IdTokenError::Algorithm(format!("{:?} (the key is for {key_alg})", header.alg)));
    }
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| IdTokenError::Keys(KeyError::NoSuchKey))?;
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[expected.client_id]);
    let mut required = vec!["exp", "aud"];
    if !expected.issuers.is_empty() {
        validation.set_issuer(expected.issuers);
        required.push("iss");
    }
    validation.set_required_spec_claims(&required);
    // `exp` is checked below against the program's clock.
    validation.validate_exp = false;
    let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
        .map_err(|e| match e.into_kind() {
            ErrorKind::InvalidSignature => IdTokenError::Signature,
            ErrorKind::InvalidAudience => IdTokenError::Audience,
            ErrorKind::InvalidIssuer => IdTokenError::Issuer,
            ErrorKind::MissingRequiredClaim(claim) => IdTokenError::MissingClaim(claim),
            ErrorKind::InvalidAlgorithm => IdTokenError::Algorithm(format!("{:?}", header.alg)),
            _ => IdTokenError::Malformed,
        })?
        .claims;
    let exp = claims.get("exp").and_then(Value::as_i64).ok_or_else(|| IdTokenError::MissingClaim("exp".into()))?;
    if exp < expected.now - LEEWAY_SECONDS {
        return Err(IdTokenError::Expired);
    }
    // We sent a nonce, so the token must carry it (OIDC Core 3.1.3.7, step 11).
    if let Some(nonce) = expected.nonce
        && claims.get("nonce").and_then(Value::as_str) != Some(nonce)
    {
        return Err(IdTokenError::Nonce);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn symmetric_and_unsigned_tokens_are_refused_before_any_key_is_fetched() {
        let expected =
            Expected { jwks_uri: "http://127.0.0.1:9/jwks", client_id: "c", issuers: &[], nonce: None, now: 0 };
        let claims = serde_json::json!({"aud": "c", "exp": 1});
        // HS256 keyed with something the attacker knows (the client id, say).
        let hs = jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(b"c"),
        )
        .expect("an HS256 token");
        let keys = KeySets::default();
        let http = reqwest::Client::new();
        assert_eq!(verify(&keys, &http, &hs, &expected).await, Err(IdTokenError::Algorithm("HS256".into())));
        // alg "none" is not even an algorithm jsonwebtoken reads.
        let none = format!("eyJhbGciOiJub25lIn0.{}.", "eyJhdWQiOiJjIn0");
        assert_eq!(verify(&keys, &http, &none, &expected).await, Err(IdTokenError::Malformed));
        assert_eq!(verify(&keys, &http, "not a jwt", &expected).await, Err(IdTokenError::Malformed));
    }
}
