//! E-mail business logic: delivery reports, per-recipient state, failures, engagement.
//!
//! Senders who keep mailing addresses that bounced lose reputation, so an application checks a
//! recipient's state before it sends ([`recipients`]), and operators get a queue of failures.
//! Event Grid delivers at least once, unordered, so every output is a pure function of the event
//! (keys from its content, never from the clock): a redelivered report rewrites the same rows and
//! enqueues the same failure message.
//!
//! | Binding | PartitionKey | RowKey |
//! |---|---|---|
//! | `emailDeliveryReports` | ACS message id | `{attempt time, 7 digits}_{status}_{recipient}` |
//! | `emailRecipients` | `{sender}\|{recipient}` | `{inverted attempt ticks:019}_{messageId}_{status}` |
//! | `emailEngagement` | ACS message id | `{action time, 7 digits}_{view\|click}[_{recipient}]` |
//!
//! Why these RowKeys: ACS gives a delivery report event the message id as its id (as for SMS),
//! and one message has a report per recipient, sometimes several (a retry, a late bounce), so
//! neither the event id nor the message id tells reports apart; the attempt time, the status and
//! the recipient do, and a redelivery carries the same three. Addresses are canonical
//! ([`address`]). Reports that are not `Delivered` or `Expanded` also go to
//! `emailDeliveryFailures`.

pub mod address;
pub mod recipients;

use serde::Serialize;

use crate::events::email::{
    EmailDeliveryReportReceivedEventData, EmailEngagementTrackingReportReceivedEventData,
};
use crate::events::{Envelope, Sensitive, Timestamp};
use crate::host::outputs::time_keys::{self, TimeOutOfRange};
use crate::host::outputs::{
    Output, OutputError, QueueBinding, TableBinding, TableEntity, TableKey,
};

use address::{AddressError, EmailAddress};
use recipients::Verdict;

/// Why an e-mail event could not be turned into outputs. Always permanent (a redelivery carries
/// the same content), so the dispatcher dead-letters the event. Messages name fields, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("{0}")]
    Address(#[from] AddressError),
    #[error("`data.messageId` is missing or empty: {what} rows are keyed by the ACS message id")]
    MissingMessageId { what: &'static str },
    #[error("`data.userActionTimestamp` is missing: engagement rows are keyed by it")]
    MissingActionTime,
    #[error("cannot key the {what}: {source}")]
    Time {
        what: &'static str,
        #[source]
        source: TimeOutOfRange,
    },
    #[error("cannot build the {what}: {source}")]
    Output {
        what: &'static str,
        #[source]
        source: OutputError,
    },
}

fn output_error(what: &'static str) -> impl Fn(OutputError) -> EmailError {
    move |source| EmailError::Output { what, source }
}

/// A message on `email-delivery-failures`: everything an operator needs to act on a report that
/// is not a delivery, without looking anything up.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeliveryFailure<'a> {
    message_id: &'a str,
    sender: &'a str,
    recipient: &'a str,
    status: &'a str,
    reason: &'static str,
    /// Whether the address may still be mailed (the recipient state after this report).
    deliverable: bool,
    action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient_mail_server: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    internet_message_id: Option<&'a str>,
    attempted_at: String,
    event_id: &'a str,
}

/// The e-mail module: typed e-mail events in, report, recipient and engagement rows and failure
/// messages out. It has no settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmailModule;

/// A present, non-empty text (the service sends `""` for "none", e.g. a view's `engagementContext`).
fn text(value: Option<&Sensitive<String>>) -> Option<&str> {
    value.map(|v| v.as_str()).filter(|v| !v.is_empty())
}

fn message_id<'a>(id: Option<&'a String>, what: &'static str) -> Result<&'a str, EmailError> {
    id.map(String::as_str)
        .filter(|id| !id.is_empty())
        .ok_or(EmailError::MissingMessageId { what })
}

impl EmailModule {
    /// `EmailDeliveryReportReceived`: the `emailDeliveryReports` row, the recipient's history
    /// row, and an `emailDeliveryFailures` message unless the e-mail was delivered.
    pub fn delivery_report(
        &self,
        envelope: &Envelope,
        data: &EmailDeliveryReportReceivedEventData,
    ) -> Result<Vec<Output>, EmailError> {
        let message_id = message_id(data.message_id.as_ref(), "emailDeliveryReports")?;
        let sender = EmailAddress::parse_sender(&data.sender, "data.sender")?;
        let recipient = EmailAddress::parse(&data.recipient, "data.recipient")?;
        let verdict = Verdict::of(&data.status);
        let status = data.status.as_str();
        let attempted = data.delivery_attempt_timestamp;
        let attempted_at = attempted.to_rfc3339();
        let details = data.delivery_status_details.as_ref();
        let status_message = text(details.and_then(|d| d.status_message.as_ref()));
        let mail_server = details
            .and_then(|d| d.recipient_mail_server_host_name.as_deref())
            .filter(|s| !s.is_empty());
        let internet_message_id = text(data.internet_message_id.as_ref());

        let report_key = format!(
            "{}_{status}_{}",
            time_keys::sortable(attempted),
            recipient.as_str()
        );
        let report = TableEntity::new(message_id, &report_key)
            .map_err(output_error("emailDeliveryReports row"))?
            .with("MessageId", message_id)
            .with("Sender", sender.as_str())
            .with("Recipient", recipient.as_str())
            .with("Status", status)
            .with("Reason", verdict.reason())
            .with("Deliverable", verdict.deliverable())
            .with_opt("StatusMessage", status_message)
            .with_opt("RecipientMailServer", mail_server)
            .with_opt("InternetMessageId", internet_message_id)
            .with("AttemptedAt", attempted_at.as_str())
            .with("EventId", envelope.id.as_str());
        let mut outputs = Vec::with_capacity(3);
        outputs.push(
            Output::entity(TableBinding::EmailDeliveryReports, &report)
                .map_err(output_error("emailDeliveryReports row"))?,
        );

        let what = "emailRecipients row";
        let partition =
            recipients::partition_key(&sender, &recipient).map_err(output_error(what))?;
        let row_key = recipients::row_key(attempted, message_id, &data.status)
            .map_err(|source| EmailError::Time { what, source })?;
        let row_key = TableKey::new("RowKey", &row_key).map_err(output_error(what))?;
        let state = TableEntity::from_keys(partition, row_key)
            .with("Sender", sender.as_str())
            .with("Recipient", recipient.as_str())
            .with("Deliverable", verdict.deliverable())
            .with("Reason", verdict.reason())
            .with("Status", status)
            .with_opt("StatusMessage", status_message)
            .with("MessageId", message_id)
            .with("AttemptedAt", attempted_at.as_str())
            .with("EventId", envelope.id.as_str());
        outputs.push(
            Output::entity(TableBinding::EmailRecipients, &state).map_err(output_error(what))?,
        );

        if verdict.is_failure() {
            let failure = DeliveryFailure {
                message_id,
                sender: sender.as_str(),
                recipient: recipient.as_str(),
                status,
                reason: verdict.reason(),
                deliverable: verdict.deliverable(),
                action: verdict.action(),
                status_message,
                recipient_mail_server: mail_server,
                internet_message_id,
                attempted_at,
                event_id: &envelope.id,
            };
            outputs.push(
                Output::message(QueueBinding::EmailDeliveryFailures, &failure)
                    .map_err(output_error("emailDeliveryFailures message"))?,
            );
        }
        Ok(outputs)
    }

    /// `EmailEngagementTrackingReportReceived`: one `emailEngagement` row per view or click.
    pub fn engagement(
        &self,
        envelope: &Envelope,
        data: &EmailEngagementTrackingReportReceivedEventData,
    ) -> Result<Vec<Output>, EmailError> {
        let what = "emailEngagement row";
        let message_id = message_id(data.message_id.as_ref(), "emailEngagement")?;
        let acted: Timestamp = data
            .user_action_timestamp
            .ok_or(EmailError::MissingActionTime)?;
        let sender = text(data.sender.as_ref())
            .map(|s| EmailAddress::parse(s, "data.sender"))
            .transpose()?;
        let recipient = text(data.recipient.as_ref())
            .map(|r| EmailAddress::parse(r, "data.recipient"))
            .transpose()?;
        let kind = data
            .engagement_type
            .as_ref()
            .map_or("unknown", |t| t.as_str());

        // Views and clicks of one message by one recipient differ in time or type; the recipient
        // (when ACS names one) keeps two recipients acting at the same instant apart.
        let time = time_keys::sortable(acted);
        let row_key = match &recipient {
            Some(r) => format!("{time}_{kind}_{}", r.as_str()),
            None => format!("{time}_{kind}"),
        };
        let row = TableEntity::new(message_id, &row_key)
            .map_err(output_error(what))?
            .with("MessageId", message_id)
            .with("Type", kind)
            .with("ActionAt", acted.to_rfc3339())
            .with_opt("Sender", sender.as_ref().map(EmailAddress::as_str))
            .with_opt("Recipient", recipient.as_ref().map(EmailAddress::as_str))
            .with_opt("EngagementContext", text(data.engagement_context.as_ref()))
            .with_opt("UserAgent", text(data.user_agent.as_ref()))
            .with("EventId", envelope.id.as_str());
        Ok(vec![
            Output::entity(TableBinding::EmailEngagement, &row).map_err(output_error(what))?
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{parse_delivery, AcsEvent};

    fn outputs(data: serde_json::Value) -> Result<Vec<Output>, EmailError> {
        let body = serde_json::json!({"id": "e1", "eventType":
            "Microsoft.Communication.EmailDeliveryReportReceived", "data": data})
        .to_string();
        let event = parse_delivery(body.as_bytes()).unwrap().remove(0).unwrap();
        let AcsEvent::EmailDeliveryReportReceived(data) = event.data.as_ref().unwrap() else {
            panic!("not a delivery report")
        };
        EmailModule.delivery_report(&event.envelope, data)
    }

    #[test]
    fn addresses_in_keys_follow_the_shared_escape_rules() {
        let out = outputs(serde_json::json!({
            "sender": "news@contoso.com", "recipient": "a/b#c?d%e@fabrikam.com",
            "messageId": "m/1", "status": "Bounced",
            "deliveryAttemptTimestamp": "2026-11-27T10:00:00Z"
        }))
        .unwrap();
        let state: serde_json::Value = serde_json::from_str(out[1].value().get()).unwrap();
        assert_eq!(
            state["PartitionKey"],
            "news@contoso.com|a%2Fb%23c%3Fd%25e@fabrikam.com"
        );
        assert!(state["RowKey"]
            .as_str()
            .unwrap()
            .ends_with("_m%2F1_Bounced"));
        // Properties keep the canonical address itself.
        assert_eq!(state["Recipient"], "a/b#c?d%e@fabrikam.com");
        let report: serde_json::Value = serde_json::from_str(out[0].value().get()).unwrap();
        assert_eq!(report["PartitionKey"], "m%2F1");
    }

    #[test]
    fn errors_say_which_field_and_never_the_value() {
        let err = outputs(serde_json::json!({
            "sender": "news@contoso.com", "recipient": "ann@fabrikam.com", "messageId": "",
            "status": "Failed", "deliveryAttemptTimestamp": "2026-11-27T10:00:00Z"
        }))
        .unwrap_err();
        assert_eq!(
            err,
            EmailError::MissingMessageId {
                what: "emailDeliveryReports"
            }
        );
        let err = outputs(serde_json::json!({
            "sender": "news@contoso.com", "recipient": format!("{}@fabrikam.com", "a".repeat(600)),
            "messageId": "m1", "status": "Failed", "deliveryAttemptTimestamp": "2026-11-27T10:00:00Z"
        }))
        .unwrap_err();
        assert!(matches!(err, EmailError::Output { .. }), "{err}");
        assert!(!err.to_string().contains("aaaa"), "{err}");
    }
}
