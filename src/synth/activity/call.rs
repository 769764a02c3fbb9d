//! One API call as a record, and how calls fail.
//!
//! Consumes an identity, an API, a region, a time, an address and an agent; produces a complete
//! [`Record`] (parameters from `params.rs`, `tlsDetails` with the service's host name, the KMS key
//! in `resources`), and on request turns it into a failure with the error CloudTrail writes for
//! that service (`AccessDenied`, `Client.UnauthorizedOperation`, not found, throttling). Must not
//! push records: the caller adjusts identity-specific fields first.

use super::Day;
use crate::synth::model::{Api, is_global};
use crate::synth::record::{Doc, Record, TlsDetails, UserIdentity};

impl Day<'_> {
    /// A plain API call with realistic parameters; the caller adjusts identity-specific fields.
    pub(super) fn call(
        &mut self,
        identity: UserIdentity,
        api: Api,
        region: &'static str,
        second: i64,
        ip: String,
        agent: &str,
    ) -> Record {
        let (request, response) = self.params(api, region, second);
        let tls = (!ip.ends_with(".amazonaws.com") && self.rng.chance(0.7)).then(|| TlsDetails {
            tls_version: if self.rng.chance(0.8) {
                "TLSv1.3"
            } else {
                "TLSv1.2"
            },
            cipher_suite: "TLS_AES_128_GCM_SHA256",
            client_provided_host_header: host(api.source, region),
        });
        let kms_resource = (api.source == "kms.amazonaws.com"
            && matches!(api.name, "Decrypt" | "GenerateDataKey"))
        .then(|| {
            Doc::Arr(vec![Doc::obj([
                ("accountId", self.acct().into()),
                ("type", "AWS::KMS::Key".into()),
                ("ARN", self.kms_key(region).into()),
            ])])
        });
        Record {
            event_version: "1.09",
            user_identity: identity,
            event_time: self.time(second),
            event_source: api.source,
            event_name: api.name,
            aws_region: region,
            source_ip_address: ip,
            user_agent: agent.to_string(),
            error_code: None,
            error_message: None,
            request_parameters: request,
            response_elements: response,
            additional_event_data: None,
            request_id: Some(self.rng.uuid()),
            event_id: self.rng.uuid(),
            read_only: api.read_only,
            resources: kms_resource,
            event_type: "AwsApiCall",
            management_event: true,
            recipient_account_id: self.acct(),
            shared_event_id: None,
            event_category: "Management",
            tls_details: tls,
            epoch: self.epoch(second),
            injected: None,
        }
    }

    pub(super) fn maybe_fail(&mut self, rec: &mut Record, rate: f64) {
        if !self.rng.chance(rate) {
            return;
        }
        let arn = rec.user_identity.arn.clone().unwrap_or_default();
        let service = rec.event_source.split('.').next().unwrap_or_default();
        let action = format!("{service}:{}", rec.event_name);
        let roll = self.rng.below(10);
        let (code, message) = if roll < 5 || rec.event_source == "ec2.amazonaws.com" && roll < 8 {
            denied(rec.event_source, &arn, &action)
        } else if roll < 8 {
            match rec.event_source {
                "iam.amazonaws.com" => (
                    "NoSuchEntityException",
                    "The role with name deploy-tmp cannot be found.".to_string(),
                ),
                "s3.amazonaws.com" => (
                    "NoSuchBucketPolicy",
                    "The bucket policy does not exist".to_string(),
                ),
                _ => (
                    "ResourceNotFoundException",
                    "The requested resource was not found.".to_string(),
                ),
            }
        } else {
            ("ThrottlingException", "Rate exceeded".to_string())
        };
        rec.error_code = Some(code);
        rec.error_message = Some(message);
        rec.response_elements = Doc::Null;
        rec.resources = None;
    }

    pub(super) fn kms_key(&self, region: &str) -> String {
        format!(
            "arn:aws:kms:{region}:{}:key/{}-4f2a-4c1e-9b7d-{}",
            self.account.id,
            &self.account.principals[0].unique_id[4..12].to_ascii_lowercase(),
            &self.account.id
        )
    }
}

/// The access-denied error of a service, as CloudTrail writes it.
pub(super) fn denied(source: &str, arn: &str, action: &str) -> (&'static str, String) {
    let because = format!(
        "User: {arn} is not authorized to perform: {action} because no identity-based policy allows the {action} action"
    );
    if source == "ec2.amazonaws.com" {
        (
            "Client.UnauthorizedOperation",
            format!("You are not authorized to perform this operation. {because}"),
        )
    } else {
        ("AccessDenied", because)
    }
}

/// The host name a client sends for a service in a region.
fn host(source: &str, region: &str) -> String {
    let service = source.strip_suffix(".amazonaws.com").unwrap_or(source);
    if is_global(source) {
        format!("{service}.amazonaws.com")
    } else {
        format!("{service}.{region}.amazonaws.com")
    }
}
