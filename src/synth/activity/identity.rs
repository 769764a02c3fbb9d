//! Who makes a call: the `userIdentity` block of an IAM user, root or an assumed role, and the
//! temporary credentials STS hands out.
//!
//! Consumes a principal and its session (key, creation time, MFA, console); produces
//! [`UserIdentity`] values and the `credentials` document of STS responses. Draws only the
//! session token of credentials. Must not push records.

use super::Day;
use super::sessions::Session;
use crate::synth::model::{Persona, Principal};
use crate::synth::record::{Doc, SessionAttributes, SessionContext, SessionIssuer, UserIdentity};

impl Day<'_> {
    pub(super) fn identity(&self, sess: &Session) -> UserIdentity {
        let p = sess.principal;
        let acct = self.acct();
        match p.persona {
            Persona::Human | Persona::LegacyCi => UserIdentity {
                kind: Some("IAMUser"),
                principal_id: Some(p.unique_id.clone()),
                arn: Some(p.arn(&acct)),
                account_id: Some(acct),
                access_key_id: Some(sess.key.clone()),
                user_name: Some(p.name.clone()),
                session_context: sess.console.then(|| SessionContext {
                    session_issuer: None,
                    web_id_federation_data: None,
                    attributes: SessionAttributes {
                        creation_date: sess.created.clone(),
                        mfa_authenticated: if sess.mfa { "true" } else { "false" },
                    },
                }),
                ..UserIdentity::default()
            },
            Persona::Root => UserIdentity {
                kind: Some("Root"),
                principal_id: Some(acct.clone()),
                arn: Some(p.arn(&acct)),
                account_id: Some(acct),
                access_key_id: Some(String::new()),
                ..UserIdentity::default()
            },
            _ => self.role_identity(p, &sess.key, &sess.created, sess.mfa, None),
        }
    }

    pub(super) fn role_identity(
        &self,
        p: &Principal,
        key: &str,
        created: &str,
        mfa: bool,
        invoked_by: Option<&'static str>,
    ) -> UserIdentity {
        let acct = self.acct();
        UserIdentity {
            kind: Some("AssumedRole"),
            principal_id: Some(format!("{}:{}", p.unique_id, p.session)),
            arn: Some(p.arn(&acct)),
            account_id: Some(acct.clone()),
            access_key_id: Some(key.to_string()),
            session_context: Some(SessionContext {
                session_issuer: Some(SessionIssuer {
                    kind: "Role",
                    principal_id: p.unique_id.clone(),
                    arn: p.role_arn(&acct),
                    account_id: acct,
                    user_name: p.name.clone(),
                }),
                web_id_federation_data: Some(Doc::Obj(Vec::new())),
                attributes: SessionAttributes {
                    creation_date: created.to_string(),
                    mfa_authenticated: if mfa { "true" } else { "false" },
                },
            }),
            invoked_by,
            ..UserIdentity::default()
        }
    }

    /// The `credentials` of an STS response for `key`, valid for an hour from `second`.
    pub(super) fn credentials(&mut self, key: &str, second: i64) -> Doc {
        Doc::obj([
            ("accessKeyId", key.to_string().into()),
            (
                "sessionToken",
                format!("IQoJb3JpZ2luX2Vj{}", self.rng.alnum(48)).into(),
            ),
            ("expiration", self.expiration(second).into()),
        ])
    }

    /// When credentials issued at `second` expire, as STS writes it (`Jun 30, 2025, 3:04:05 PM`).
    pub(super) fn expiration(&self, second: i64) -> String {
        let expires = self.date.and_hms_opt(0, 0, 0).expect("midnight")
            + chrono::Duration::seconds(second + 3600);
        expires.format("%b %-d, %Y, %-I:%M:%S %p").to_string()
    }
}
