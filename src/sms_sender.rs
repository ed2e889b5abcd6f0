//! The `SmsSender` function: a queue trigger on `sms-outbox` that sends each message through ACS
//! and records it as an outbound `smsMessages` row.
//!
//! Failure policy (the queue redelivers a failed invocation, then parks it in `sms-outbox-poison`):
//! - the recipient opted out (table input `optOut`): skipped, except the opt-out confirmation;
//! - sent, or refused for good by ACS (HTTP 400): the row records it, the invocation succeeds;
//! - throttled or ACS unavailable past the retry budget: 500, so the queue redelivers with the
//!   same repeatability id and ACS sends the text at most once;
//! - credentials refused (401/403) or `ACS_CONNECTION_STRING` missing or malformed: 503, a
//!   configuration fault; the message ends in the poison queue, not lost;
//! - an outbox message that cannot be read: 400 (and the poison queue after the retries).

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::value::RawValue;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::acs::{
    ClientError, ConnectionString, RetryPolicy, SendError, SendOutcome, SmsClient, SmsSend,
};
use crate::functions::{self, InvocationData, InvocationResult, ProtocolError};
use crate::outputs::{Output, TableBinding, TableEntity};
use crate::settings::{Settings, SettingsError};
use crate::sms::{mask_phone, normalize_phone, OutboxKind, OutboxMessage, MAX_MESSAGE_CHARS};

/// The function folder (and URL path).
pub const SMS_SENDER_FUNCTION: &str = "SmsSender";
/// The queue trigger binding in `SmsSender/function.json`.
pub const OUTBOX_BINDING: &str = "outboxItem";
/// The table input binding: the `SmsOptOuts` row of (`{from}`, `{to}`), absent when none.
pub const OPT_OUT_BINDING: &str = "optOut";

/// App setting: attempts per invocation, the first included (default 4).
pub const SETTING_MAX_ATTEMPTS: &str = "SMS_SEND_MAX_ATTEMPTS";
/// App setting: milliseconds after the first attempt in which retries may start (default 30000).
pub const SETTING_RETRY_BUDGET_MS: &str = "SMS_SEND_RETRY_BUDGET_MS";
/// App setting: the first wait in milliseconds when ACS gives no `Retry-After` (default 1000).
pub const SETTING_RETRY_DELAY_MS: &str = "SMS_SEND_RETRY_DELAY_MS";

/// Namespace of the repeatability ids derived for outbox messages that carry none.
const DERIVED_ID_NAMESPACE: Uuid = Uuid::from_u128(0x9b4e_27d1_c35a_4f08_8e6d_1a7f_52c0_e913);

/// The `SmsSender` function's state: settings read at start-up, the ACS client built on first use.
#[derive(Debug)]
pub struct SmsSender {
    /// A missing or malformed connection string does not stop the handler (the Event Grid
    /// function does not need it); each `SmsSender` invocation reports it instead.
    connection: Result<ConnectionString, SettingsError>,
    retry: RetryPolicy,
    client: OnceLock<Result<SmsClient, ClientError>>,
}

impl SmsSender {
    /// Reads the settings; only a malformed retry setting is an error here.
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        let defaults = RetryPolicy::default();
        let max_attempts = settings.number(SETTING_MAX_ATTEMPTS, defaults.max_attempts as usize)?;
        let max_attempts = u32::try_from(max_attempts)
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or(SettingsError {
                name: SETTING_MAX_ATTEMPTS,
                problem: format!("expected 1 to 100, found {max_attempts}"),
            })?;
        let millis = |name: &'static str, default: Duration| -> Result<Duration, SettingsError> {
            let ms = settings.number(name, default.as_millis() as usize)?;
            Ok(Duration::from_millis(ms as u64))
        };
        Ok(SmsSender {
            connection: ConnectionString::from_settings(settings),
            retry: RetryPolicy {
                max_attempts,
                budget: millis(SETTING_RETRY_BUDGET_MS, defaults.budget)?,
                base_delay: millis(SETTING_RETRY_DELAY_MS, defaults.base_delay)?,
            },
            client: OnceLock::new(),
        })
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// The client, built once; a configuration fault is an error of every invocation.
    fn client(&self) -> Result<&SmsClient, ProtocolError> {
        let connection = self
            .connection
            .as_ref()
            .map_err(|e| ProtocolError::Unavailable(e.to_string()))?;
        self.client
            .get_or_init(|| SmsClient::new(connection, self.retry))
            .as_ref()
            .map_err(|e| ProtocolError::Unavailable(e.to_string()))
    }

    /// One invocation: the host's body in, the `smsMessages` row (or nothing, when skipped) out.
    /// A failure is also logged (to stderr): the host drops the `Logs` of a failed invocation.
    pub async fn invoke(&self, body: &[u8]) -> Result<InvocationResult, ProtocolError> {
        let result = self.send_one(body).await;
        if let Err(e) = &result {
            tracing::warn!("{SMS_SENDER_FUNCTION} failed (HTTP {}): {e}", e.status());
        }
        result
    }

    async fn send_one(&self, body: &[u8]) -> Result<InvocationResult, ProtocolError> {
        let data = InvocationData::parse(body)?;
        let item: OutboxMessage =
            functions::string_bound_value(data.get(OUTBOX_BINDING)?, OUTBOX_BINDING)?;
        let text = Outgoing::check(&item)?;
        let opted_out = match data.get(OPT_OUT_BINDING) {
            Ok(raw) => opted_out(raw)?,
            Err(_) => false,
        };
        let mut result = InvocationResult::default();
        let label = format!("{SMS_SENDER_FUNCTION} {}", text.repeatability_id);
        let masked = mask_phone(&text.to);

        // The opt-out confirmation is exempt: the host writes the opt-out row before it enqueues
        // the confirmation (bindings are written in function.json order), so that row is set.
        if opted_out && item.kind != Some(OutboxKind::OptOutConfirmation) {
            result
                .logs
                .push(format!("{label}: skipped, {masked} has opted out"));
            tracing::info!("{label}: skipped, the recipient has opted out");
            return Ok(result);
        }

        let send = SmsSend {
            from: &text.from,
            to: &text.to,
            message: &item.message,
            repeatability_request_id: text.repeatability_id,
            first_sent: item.created_at.as_offset_date_time(),
            tag: item.kind.as_ref().map(OutboxKind::as_str),
        };
        let outcome = self.client()?.send(&send).await.map_err(|e| match e {
            SendError::Exhausted { .. } => ProtocolError::Transient(format!("{label}: {e}")),
            _ => ProtocolError::Unavailable(format!("{label}: {e}")),
        })?;

        let row = outbound_row(&item, &text, &outcome, OffsetDateTime::now_utc())?;
        result.outputs.push(
            Output::entity(TableBinding::SmsMessages, &row)
                .map_err(|e| ProtocolError::Transient(e.to_string()))?,
        );
        let line = match &outcome {
            SendOutcome::Accepted {
                message_id,
                attempts,
                ..
            } => format!(
                "{label}: sent to {masked} as {}, {attempts} attempt(s)",
                message_id.as_deref().unwrap_or("(no message id)")
            ),
            SendOutcome::Rejected {
                http_status,
                attempts,
                ..
            } => format!(
                "{label}: ACS refused the text to {masked} (HTTP {http_status}) after {attempts} attempt(s); recorded as failed"
            ),
        };
        result.logs.push(line);
        Ok(result)
    }
}

/// The checked, normalized parts of an outbox message.
#[derive(Debug)]
struct Outgoing {
    from: String,
    to: String,
    repeatability_id: Uuid,
}

impl Outgoing {
    /// Normalizes the numbers, checks what ACS would refuse anyway, and settles the
    /// repeatability id: the message's own, or one derived from its content (the same on every
    /// delivery of the message).
    fn check(item: &OutboxMessage) -> Result<Self, ProtocolError> {
        let bad = |reason: &str| ProtocolError::BadInput {
            binding: OUTBOX_BINDING,
            reason: reason.to_owned(),
        };
        let from = normalize_phone(&item.from);
        let to = normalize_phone(&item.to);
        if from.is_empty() {
            return Err(bad("`from` is empty"));
        }
        if !to.starts_with('+') {
            return Err(bad("`to` is not an E.164 phone number"));
        }
        let chars = item.message.chars().count();
        if chars == 0 || chars > MAX_MESSAGE_CHARS {
            return Err(bad(&format!(
                "`message` has {chars} characters; ACS sends 1 to {MAX_MESSAGE_CHARS}"
            )));
        }
        let repeatability_id = match item.repeatability_request_id.as_deref() {
            Some(id) => {
                Uuid::parse_str(id).map_err(|_| bad("`repeatabilityRequestId` is not a UUID"))?
            }
            None => {
                let name = format!(
                    "{from}\n{to}\n{}\n{}",
                    item.created_at.to_rfc3339(),
                    item.message.as_str()
                );
                Uuid::new_v5(&DERIVED_ID_NAMESPACE, name.as_bytes())
            }
        };
        Ok(Outgoing {
            from,
            to,
            repeatability_id,
        })
    }
}

/// Whether the `optOut` input says the recipient opted out. No row (absent, `null`) means no;
/// a value we cannot read fails the invocation rather than text someone who may have opted out.
fn opted_out(raw: &RawValue) -> Result<bool, ProtocolError> {
    let value: Value = functions::string_bound_value(raw, OPT_OUT_BINDING)?;
    let bad = |reason: &str| ProtocolError::BadInput {
        binding: OPT_OUT_BINDING,
        reason: reason.to_owned(),
    };
    let row = match value {
        Value::Null => return Ok(false),
        Value::Object(row) => row,
        _ => return Err(bad("expected the SmsOptOuts row (an object) or nothing")),
    };
    let flag = row
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("OptedOut"))
        .map(|(_, v)| v);
    match flag {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(bad("`OptedOut` is not a boolean")),
    }
}

/// The outbound `smsMessages` row: keyed like inbound rows (our number, the ACS message id) so a
/// delivery report joins to it; a text ACS refused has no message id and is keyed by its
/// repeatability id instead.
fn outbound_row<'a>(
    item: &'a OutboxMessage,
    text: &'a Outgoing,
    outcome: &'a SendOutcome,
    now: OffsetDateTime,
) -> Result<TableEntity<'a>, ProtocolError> {
    let id = text.repeatability_id.to_string();
    let (message_id, row_key) = match outcome {
        SendOutcome::Accepted {
            message_id: Some(m),
            ..
        } => (Some(m.as_str()), m.as_str()),
        _ => (None, id.as_str()),
    };
    let row = TableEntity::new(&text.from, row_key)
        .map_err(|e| ProtocolError::Transient(format!("cannot build the smsMessages row: {e}")))?
        .with_opt("MessageId", message_id)
        .with("From", text.from.as_str())
        .with("To", text.to.as_str())
        .with("Message", item.message.as_str())
        .with("Direction", "outbound")
        .with_opt("Kind", item.kind.as_ref().map(OutboxKind::as_str))
        .with_opt("InReplyTo", item.in_reply_to.as_deref())
        .with("RepeatabilityRequestId", id.clone())
        .with("CreatedAt", item.created_at.to_rfc3339());
    let now = crate::events::Timestamp::from(now).to_rfc3339();
    Ok(match outcome {
        SendOutcome::Accepted {
            repeatability_result,
            http_status,
            attempts,
            ..
        } => row
            .with("Status", "sent")
            .with("SentAt", now)
            .with("HttpStatus", *http_status)
            .with_opt("RepeatabilityResult", repeatability_result.as_deref())
            .with("Attempts", *attempts),
        SendOutcome::Rejected {
            http_status,
            error,
            attempts,
        } => row
            .with("Status", "failed")
            .with("FailedAt", now)
            .with("HttpStatus", *http_status)
            .with("Error", error.as_str())
            .with("Attempts", *attempts),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Sensitive, Timestamp};

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    fn item() -> OutboxMessage {
        OutboxMessage {
            from: Sensitive("18005550100".into()),
            to: Sensitive("+14255550123".into()),
            message: Sensitive("hello".into()),
            kind: None,
            in_reply_to: None,
            repeatability_request_id: None,
            created_at: Timestamp::parse("2026-11-27T05:59:58Z").unwrap(),
        }
    }

    #[test]
    fn opt_out_rows_in_every_form() {
        for (form, expected) in [
            ("null", false),
            (r#"{"PartitionKey":"a","RowKey":"b","OptedOut":true}"#, true),
            (r#"{"OptedOut":false}"#, false),
            (r#"{"optedOut":"True"}"#, true),
            (r#""{\"OptedOut\":true}""#, true),
            (r#"{"Keyword":"STOP"}"#, false),
        ] {
            assert_eq!(opted_out(&raw(form)).unwrap(), expected, "{form}");
        }
        for form in ["5", r#"{"OptedOut":"maybe"}"#, "[true]"] {
            assert_eq!(opted_out(&raw(form)).unwrap_err().status(), 400, "{form}");
        }
    }

    #[test]
    fn outbox_messages_are_checked_and_ids_settled() {
        let checked = Outgoing::check(&item()).unwrap();
        assert_eq!(checked.from, "+18005550100");
        // Without an id, the derived one is the same on every delivery.
        assert_eq!(
            checked.repeatability_id,
            Outgoing::check(&item()).unwrap().repeatability_id
        );
        let own = OutboxMessage {
            repeatability_request_id: Some("5f2e6b4a-8d3c-4e1f-9a7b-2c6d8e0f1a3b".into()),
            ..item()
        };
        assert_eq!(
            Outgoing::check(&own).unwrap().repeatability_id.to_string(),
            "5f2e6b4a-8d3c-4e1f-9a7b-2c6d8e0f1a3b"
        );
        for bad in [
            OutboxMessage {
                repeatability_request_id: Some("nope".into()),
                ..item()
            },
            OutboxMessage {
                message: Sensitive(String::new()),
                ..item()
            },
            OutboxMessage {
                message: Sensitive("x".repeat(MAX_MESSAGE_CHARS + 1)),
                ..item()
            },
            OutboxMessage {
                to: Sensitive("CONTOSO".into()),
                ..item()
            },
        ] {
            let err = Outgoing::check(&bad).unwrap_err();
            assert_eq!(err.status(), 400);
            assert!(!err.to_string().contains("CONTOSO"), "{err}");
        }
    }

    #[test]
    fn retry_settings_are_read_and_checked() {
        let sender = SmsSender::from_settings(&Settings::from_pairs([
            (SETTING_MAX_ATTEMPTS, "2"),
            (SETTING_RETRY_BUDGET_MS, "1500"),
            (SETTING_RETRY_DELAY_MS, "10"),
        ]))
        .unwrap();
        assert_eq!(
            sender.retry_policy(),
            RetryPolicy {
                max_attempts: 2,
                budget: Duration::from_millis(1500),
                base_delay: Duration::from_millis(10)
            }
        );
        for (name, value) in [
            (SETTING_MAX_ATTEMPTS, "0"),
            (SETTING_MAX_ATTEMPTS, "many"),
            (SETTING_RETRY_BUDGET_MS, "-1"),
        ] {
            let err = SmsSender::from_settings(&Settings::from_pairs([(name, value)])).unwrap_err();
            assert_eq!(err.name, name);
        }
    }

    #[tokio::test]
    async fn a_missing_connection_string_fails_each_invocation_naming_the_setting() {
        let sender = SmsSender::from_settings(&Settings::default()).unwrap();
        let message = serde_json::to_string(&item()).unwrap();
        let body = serde_json::json!({"Data": {"outboxItem": message}, "Metadata": {}});
        let err = sender
            .invoke(body.to_string().as_bytes())
            .await
            .unwrap_err();
        assert_eq!(err.status(), 503);
        assert!(err.to_string().contains("ACS_CONNECTION_STRING"), "{err}");
    }

    #[test]
    fn rows_record_sent_and_refused_texts() {
        let checked = Outgoing::check(&item()).unwrap();
        let now = time::macros::datetime!(2026-11-27 06:00:00 UTC);
        let sent = SendOutcome::Accepted {
            message_id: Some("Outgoing_1".into()),
            repeatability_result: Some("accepted".into()),
            http_status: 202,
            attempts: 1,
        };
        let item = item();
        let row = outbound_row(&item, &checked, &sent, now).unwrap();
        assert_eq!(row.partition_key.as_str(), "+18005550100");
        assert_eq!(row.row_key.as_str(), "Outgoing_1");
        let json = serde_json::to_value(&row).unwrap();
        assert_eq!(json["Direction"], "outbound");
        assert_eq!(json["MessageId"], "Outgoing_1");
        assert_eq!(json["Status"], "sent");
        let refused = SendOutcome::Rejected {
            http_status: 400,
            error: "BadRequest: Invalid To".into(),
            attempts: 1,
        };
        let row = outbound_row(&item, &checked, &refused, now).unwrap();
        assert_eq!(
            row.row_key.as_str(),
            checked.repeatability_id.to_string().as_str()
        );
        let json = serde_json::to_value(&row).unwrap();
        assert_eq!(json["Status"], "failed");
        assert_eq!(json["HttpStatus"], 400);
        assert!(json.get("MessageId").is_none());
    }
}
