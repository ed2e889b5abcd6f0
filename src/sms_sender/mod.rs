//! The `SmsSender` function: a queue trigger on `sms-outbox` that sends each message through ACS
//! and records it as an outbound `smsMessages` row.
//!
//! Who may be texted (table input `optOut`: the newest row of the person's opt-out history, see
//! [`crate::messaging::opt_out`]):
//! - a person whose newest keyword is an opt-out gets only the opt-out confirmation and HELP
//!   replies (carriers require HELP to be answered in every state), whoever enqueued them;
//! - an opt-in confirmation goes out only once its START is the newest keyword. The host sends
//!   queue messages before it writes table rows, so the confirmation can be read before its own
//!   history row: then the invocation fails (500) and the queue retries it once the row is there.
//!
//! Failure policy (the queue redelivers a failed invocation, then parks it in `sms-outbox-poison`):
//! - a message that is malformed or whose numbers are not canonical: refused for good, never
//!   guessed — a `failed` row records why, and the invocation succeeds (a retry cannot fix it);
//! - sent, or refused for good by ACS (HTTP 400): the row records it, the invocation succeeds;
//! - throttled or ACS unavailable past the retry budget: 500, so the queue redelivers with the
//!   same repeatability id and ACS sends the text at most once;
//! - credentials refused (401/403), `ACS_CONNECTION_STRING` missing or malformed, or no `optOut`
//!   input in the invocation: 503, a configuration fault; the message ends in the poison queue,
//!   not lost.

pub mod acs_client;
pub mod opt_out_sync;

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::value::RawValue;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::events::Timestamp;
use crate::host::outputs::{Output, TableBinding, TableEntity, TableKey};
use crate::host::protocol::{self, InvocationData, InvocationResult, ProtocolError};
use crate::messaging::keywords::SMS_SETTINGS;
use crate::messaging::opt_out::{self, HistoryRow, OptOutState, Recorded};
use crate::messaging::outbox::{OutboxKind, OutboxMessage};
use crate::messaging::phone::{mask_digits, PhoneError, SmsAddress, E164};
use crate::settings::names::{
    SMS_SEND_MAX_ATTEMPTS, SMS_SEND_RETRY_BUDGET_MS, SMS_SEND_RETRY_DELAY_MS,
};
use crate::settings::{Settings, SettingsError};
use crate::sms_sender::acs_client::{
    ClientError, ConnectionString, RetryPolicy, SendError, SendOutcome, SmsClient, SmsSend,
};

/// The function folder (and URL path).
pub const SMS_SENDER_FUNCTION: &str = "SmsSender";
/// Longest text ACS accepts in one send request (the SMS handler's replies obey the same rule).
const MAX_MESSAGE_CHARS: usize = SMS_SETTINGS.max_reply_chars;
/// The queue trigger binding in `SmsSender/function.json`.
pub const OUTBOX_BINDING: &str = "outboxItem";
/// The table input binding: the newest row of the `SmsOptOuts` partition `{from}|{to}`.
pub const OPT_OUT_BINDING: &str = "optOut";

/// Namespace of the repeatability ids derived for outbox messages that carry none.
const DERIVED_ID_NAMESPACE: Uuid = Uuid::from_u128(0x9b4e_27d1_c35a_4f08_8e6d_1a7f_52c0_e913);

/// The retry settings shared by the functions that call ACS (`SmsSender`, `SmsOptOutSync`).
pub fn retry_policy_from_settings(settings: &Settings) -> Result<RetryPolicy, SettingsError> {
    let defaults = RetryPolicy::default();
    let max_attempts = settings.number(SMS_SEND_MAX_ATTEMPTS, defaults.max_attempts as usize)?;
    let max_attempts = u32::try_from(max_attempts)
        .ok()
        .filter(|n| (1..=100).contains(n))
        .ok_or(SettingsError {
            name: SMS_SEND_MAX_ATTEMPTS,
            problem: format!("expected 1 to 100, found {max_attempts}"),
        })?;
    let millis = |name: &'static str, default: Duration| -> Result<Duration, SettingsError> {
        let ms = settings.number(name, default.as_millis() as usize)?;
        Ok(Duration::from_millis(ms as u64))
    };
    Ok(RetryPolicy {
        max_attempts,
        budget: millis(SMS_SEND_RETRY_BUDGET_MS, defaults.budget)?,
        base_delay: millis(SMS_SEND_RETRY_DELAY_MS, defaults.base_delay)?,
    })
}

/// The ACS client of a function: settings read at start-up, the client built on first use, so
/// start-up stays fast and a missing connection string does not stop the Event Grid function.
#[derive(Debug)]
pub struct LazyClient {
    connection: Result<ConnectionString, SettingsError>,
    retry: RetryPolicy,
    client: OnceLock<Result<SmsClient, ClientError>>,
}

impl LazyClient {
    /// Reads the connection string (a fault is reported per invocation) and the retry policy.
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        Ok(LazyClient {
            connection: ConnectionString::from_settings(settings),
            retry: retry_policy_from_settings(settings)?,
            client: OnceLock::new(),
        })
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// The client, built once; a configuration fault is an error of every invocation.
    pub fn get(&self) -> Result<&SmsClient, ProtocolError> {
        let connection = self
            .connection
            .as_ref()
            .map_err(|e| ProtocolError::Unavailable(e.to_string()))?;
        self.client
            .get_or_init(|| SmsClient::new(connection, self.retry))
            .as_ref()
            .map_err(|e| ProtocolError::Unavailable(e.to_string()))
    }
}

/// Reads the `optOut` input: the rows of the person's history the binding returned. The host
/// may hand it over as an array, one entity, nothing (`null`), or JSON text of any of these.
/// A value we cannot read fails the invocation rather than text someone who may have opted out.
pub fn read_history(raw: &RawValue) -> Result<OptOutState, ProtocolError> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Rows {
        Many(Vec<HistoryRow>),
        One(HistoryRow),
        None(()),
    }
    let rows: Rows = protocol::string_bound_value(raw, OPT_OUT_BINDING)?;
    Ok(OptOutState::from_rows(match rows {
        Rows::Many(rows) => rows,
        Rows::One(row) => vec![row],
        Rows::None(()) => Vec::new(),
    }))
}

/// The history of an invocation; its absence means function.json lost the binding, and nobody
/// is texted without knowing whether they opted out.
pub fn history_of(data: &InvocationData<'_>, function: &str) -> Result<OptOutState, ProtocolError> {
    match data.get(OPT_OUT_BINDING) {
        Ok(raw) => read_history(raw),
        Err(_) => Err(ProtocolError::Unavailable(format!(
            "the invocation has no `{OPT_OUT_BINDING}` input: {function}/function.json must declare the SmsOptOuts table input"
        ))),
    }
}

/// Why an outbox message is refused for good. Names fields and rules, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the message is not an outbox message: {0}")]
    Malformed(String),
    #[error("{0}")]
    Number(#[from] PhoneError),
    #[error("`message` has {0} characters; ACS sends 1 to {MAX_MESSAGE_CHARS}")]
    Length(usize),
    #[error("`repeatabilityRequestId` is not a UUID")]
    RepeatabilityId,
}

/// What to do with a checked message, given the recipient's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Send,
    /// The person opted out: not sent, and nothing to retry.
    Skip,
    /// An opt-in confirmation whose START is not in the history yet: retry later.
    NotYetRecorded,
}

/// The `SmsSender` function.
#[derive(Debug)]
pub struct SmsSender {
    client: LazyClient,
}

impl SmsSender {
    /// Reads the settings; only a malformed retry setting is an error here.
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        Ok(SmsSender {
            client: LazyClient::from_settings(settings)?,
        })
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.client.retry_policy()
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
        let raw_item = data.get(OUTBOX_BINDING)?;
        let history = history_of(&data, SMS_SENDER_FUNCTION)?;
        let mut result = InvocationResult::default();

        let item: OutboxMessage = match protocol::string_bound_value(raw_item, OUTBOX_BINDING) {
            Ok(item) => item,
            Err(e) => {
                let reason = match e {
                    ProtocolError::BadInput { reason, .. } => reason,
                    other => other.to_string(),
                };
                return refused(&SMS, raw_item, None, &Refusal::Malformed(reason), result);
            }
        };
        let text = match Outgoing::check(&item) {
            Ok(text) => text,
            Err(reason) => return refused(&SMS, raw_item, Some(&item), &reason, result),
        };
        let label = format!("{SMS_SENDER_FUNCTION} {}", text.repeatability_id);
        let masked = text.to.masked();

        match decide(&item, &history) {
            Decision::Send => {}
            Decision::Skip => {
                result
                    .logs
                    .push(format!("{label}: skipped, {masked} has opted out"));
                tracing::info!("{label}: skipped, the recipient has opted out");
                return Ok(result);
            }
            Decision::NotYetRecorded => {
                return Err(ProtocolError::Transient(format!(
                    "{label}: the opt-in this confirms is not in the opt-out history yet"
                )))
            }
        }

        let send = SmsSend {
            from: text.from.as_str(),
            to: text.to.as_str(),
            message: &item.message,
            repeatability_request_id: text.repeatability_id,
            first_sent: item.created_at.as_offset_date_time(),
            tag: item.kind.as_ref().map(OutboxKind::as_str),
        };
        let outcome = self.client.get()?.send(&send).await.map_err(|e| match e {
            SendError::Exhausted { .. } => ProtocolError::Transient(format!("{label}: {e}")),
            _ => ProtocolError::Unavailable(format!("{label}: {e}")),
        })?;

        let row = outbound_row(&item, &text, &outcome, OffsetDateTime::now_utc());
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

/// Who may be texted: see the module docs. The same rule on every channel.
pub(crate) fn decide(item: &OutboxMessage, history: &OptOutState) -> Decision {
    match item.kind {
        Some(OutboxKind::OptOutConfirmation | OutboxKind::Help) => Decision::Send,
        _ if !history.opted_out() => Decision::Send,
        Some(OutboxKind::OptInConfirmation) => {
            let key = item
                .in_reply_to
                .as_deref()
                .and_then(|id| opt_out::row_key(item.created_at, id).ok());
            match key.map(|key| history.compare(key.as_str())) {
                // The START it confirms is newer than the opt-out the history shows.
                Some(Recorded::NotYet) => Decision::NotYetRecorded,
                _ => Decision::Skip,
            }
        }
        _ => Decision::Skip,
    }
}

/// The checked parts of an outbox message: canonical numbers and the repeatability id.
#[derive(Debug)]
struct Outgoing {
    from: SmsAddress,
    to: E164,
    repeatability_id: Uuid,
}

impl Outgoing {
    /// Parses the numbers (canonical only), checks what ACS would refuse anyway, and settles
    /// the repeatability id: the message's own, or one derived from its content (the same on
    /// every delivery of the message).
    fn check(item: &OutboxMessage) -> Result<Self, Refusal> {
        let from = SmsAddress::from_canonical(&item.from, "from")?;
        let to = E164::parse(&item.to, "to")?;
        let chars = item.message.chars().count();
        if chars == 0 || chars > MAX_MESSAGE_CHARS {
            return Err(Refusal::Length(chars));
        }
        let repeatability_id = match item.repeatability_request_id.as_deref() {
            Some(id) => Uuid::parse_str(id).map_err(|_| Refusal::RepeatabilityId)?,
            None => derived_id(&format!(
                "{}\n{}\n{}\n{}",
                from.as_str(),
                to.as_str(),
                item.created_at.to_rfc3339(),
                item.message.as_str()
            )),
        };
        Ok(Outgoing {
            from,
            to,
            repeatability_id,
        })
    }
}

pub(crate) fn derived_id(name: &str) -> Uuid {
    Uuid::new_v5(&DERIVED_ID_NAMESPACE, name.as_bytes())
}

/// Where a sender function records what it sent: its name (for log lines) and its messages
/// table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SenderChannel {
    pub function: &'static str,
    pub messages: TableBinding,
    /// How a recipient appears in a log line.
    pub mask: fn(&str) -> String,
    /// The column of the message text (`Message` for SMS, `Content` for WhatsApp, as in the
    /// channel's inbound rows).
    pub text_column: &'static str,
}

const SMS: SenderChannel = SenderChannel {
    function: SMS_SENDER_FUNCTION,
    messages: TableBinding::SmsMessages,
    mask: mask_digits,
    text_column: "Message",
};

/// A refused message: not sent, recorded as a `failed` row with the reason, and the invocation
/// succeeds so the queue does not retry what can never work. The row is keyed by the message's
/// `from` as sent (or [`TableKey::placeholder`]) and its repeatability id, or a UUID v5 of the message text.
pub(crate) fn refused(
    channel: &SenderChannel,
    raw: &RawValue,
    item: Option<&OutboxMessage>,
    reason: &dyn std::fmt::Display,
    mut result: InvocationResult,
) -> Result<InvocationResult, ProtocolError> {
    let function = channel.function;
    let id = item
        .and_then(|i| i.repeatability_request_id.as_deref())
        .and_then(|id| Uuid::parse_str(id).ok())
        .unwrap_or_else(|| derived_id(raw.get()));
    let id_text = id.to_string();
    let partition = item
        .and_then(|i| TableKey::new("PartitionKey", &i.from).ok())
        .unwrap_or_else(TableKey::placeholder);
    let row_key = TableKey::from_uuid(id);
    let now = Timestamp::from(OffsetDateTime::now_utc()).to_rfc3339();
    let reason_text = reason.to_string();
    let mut row = TableEntity::from_keys(partition, row_key)
        .with("Direction", "outbound")
        .with("Status", "failed")
        .with("Error", reason_text.as_str())
        .with("FailedAt", now)
        .with("RepeatabilityRequestId", id_text.as_str());
    if let Some(item) = item {
        row = row
            .with("From", item.from.as_str())
            .with("To", item.to.as_str())
            .with(channel.text_column, item.message.as_str())
            .with_opt("Kind", item.kind.as_ref().map(OutboxKind::as_str))
            .with_opt("InReplyTo", item.in_reply_to.as_deref())
            .with("CreatedAt", item.created_at.to_rfc3339());
    } else {
        row = row.with("Original", raw.get());
    }
    result.outputs.push(
        Output::entity(channel.messages, &row)
            .map_err(|e| ProtocolError::Transient(e.to_string()))?,
    );
    let to = item.map_or_else(|| "***".to_owned(), |i| (channel.mask)(&i.to));
    result.logs.push(format!(
        "{function} {id}: refused, not sent to {to}: {reason_text}; recorded as failed"
    ));
    tracing::info!("{function} {id}: refused: {reason_text}");
    Ok(result)
}

/// The outbound `smsMessages` row: keyed like inbound rows (our number, the ACS message id) so a
/// delivery report joins to it; a text ACS refused has no message id and is keyed by its
/// repeatability id instead.
fn outbound_row<'a>(
    item: &'a OutboxMessage,
    text: &'a Outgoing,
    outcome: &'a SendOutcome,
    now: OffsetDateTime,
) -> TableEntity<'a> {
    let id = text.repeatability_id.to_string();
    let (message_id, row_key) = match outcome {
        SendOutcome::Accepted {
            message_id: Some(m),
            ..
        } => (Some(m.as_str()), m.as_str()),
        _ => (None, id.as_str()),
    };
    // A canonical number and an ACS message id or UUID always make valid keys; should ACS ever
    // send a message id that is not one, the repeatability id keys the row instead.
    let partition = TableKey::new("PartitionKey", text.from.as_str())
        .unwrap_or_else(|_| TableKey::placeholder());
    let row_key = TableKey::new("RowKey", row_key)
        .unwrap_or_else(|_| TableKey::from_uuid(text.repeatability_id));
    let row = TableEntity::from_keys(partition, row_key)
        .with_opt("MessageId", message_id)
        .with("From", text.from.as_str())
        .with("To", text.to.as_str())
        .with("Message", item.message.as_str())
        .with("Direction", "outbound")
        .with_opt("Kind", item.kind.as_ref().map(OutboxKind::as_str))
        .with_opt("InReplyTo", item.in_reply_to.as_deref())
        .with("RepeatabilityRequestId", id.clone())
        .with("CreatedAt", item.created_at.to_rfc3339());
    with_outcome(row, outcome, now)
}

/// The outcome columns of an outbound row (`Status`, `SentAt`/`FailedAt`, `HttpStatus`, …), the
/// same on every channel.
pub(crate) fn with_outcome<'a>(
    row: TableEntity<'a>,
    outcome: &'a SendOutcome,
    now: OffsetDateTime,
) -> TableEntity<'a> {
    let now = Timestamp::from(now).to_rfc3339();
    match outcome {
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
    }
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
            from: Sensitive("+18005550100".into()),
            to: Sensitive("+14255550123".into()),
            message: Sensitive("hello".into()),
            kind: None,
            in_reply_to: None,
            repeatability_request_id: None,
            created_at: Timestamp::parse("2026-11-27T05:59:58Z").unwrap(),
        }
    }

    #[test]
    fn history_in_every_form_the_host_may_use() {
        let stop = r#"{"PartitionKey":"+18005550100|+14255550123","RowKey":"1_b","OptedOut":true}"#;
        let start = r#"{"RowKey":"2_a","OptedOut":false}"#;
        let array = format!("[{stop},{start}]");
        for (form, expected) in [
            ("null".to_owned(), false),
            ("[]".to_owned(), false),
            (stop.to_owned(), true),
            (format!("[{start}]"), false),
            (array.clone(), true),
            (serde_json::to_string(&array).unwrap(), true),
            (
                serde_json::to_string(&serde_json::to_string(&array).unwrap()).unwrap(),
                true,
            ),
            (r#"[{"RowKey":"1","OptedOut":"True"}]"#.to_owned(), true),
        ] {
            assert_eq!(
                read_history(&raw(&form)).unwrap().opted_out(),
                expected,
                "{form}"
            );
        }
        for form in [
            "5",
            r#"[{"RowKey":"1","OptedOut":"maybe"}]"#,
            "[true]",
            r#"[{"OptedOut":true}]"#,
        ] {
            assert_eq!(
                read_history(&raw(form)).unwrap_err().status(),
                400,
                "{form}"
            );
        }
    }

    #[test]
    fn outbox_messages_are_checked_and_ids_settled() {
        let checked = Outgoing::check(&item()).unwrap();
        assert_eq!(checked.from.as_str(), "+18005550100");
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
        for (bad, reason) in [
            (
                OutboxMessage {
                    repeatability_request_id: Some("nope".into()),
                    ..item()
                },
                Refusal::RepeatabilityId,
            ),
            (
                OutboxMessage {
                    message: Sensitive(String::new()),
                    ..item()
                },
                Refusal::Length(0),
            ),
            (
                OutboxMessage {
                    message: Sensitive("x".repeat(MAX_MESSAGE_CHARS + 1)),
                    ..item()
                },
                Refusal::Length(MAX_MESSAGE_CHARS + 1),
            ),
            (
                OutboxMessage {
                    to: Sensitive("CONTOSO".into()),
                    ..item()
                },
                Refusal::Number(PhoneError::NotE164 { field: "to" }),
            ),
            (
                OutboxMessage {
                    to: Sensitive("14255550123".into()),
                    ..item()
                },
                Refusal::Number(PhoneError::NotE164 { field: "to" }),
            ),
            (
                OutboxMessage {
                    from: Sensitive("18005550100".into()),
                    ..item()
                },
                Refusal::Number(PhoneError::NotE164 { field: "from" }),
            ),
        ] {
            let err = Outgoing::check(&bad).unwrap_err();
            assert_eq!(err, reason);
            assert!(!err.to_string().contains("CONTOSO"), "{err}");
            assert!(!err.to_string().contains("555"), "{err}");
        }
    }

    #[test]
    fn opted_out_people_get_only_the_opt_out_confirmation_and_help() {
        let stop_key =
            opt_out::row_key(Timestamp::parse("2026-11-27T10:05:00Z").unwrap(), "in2").unwrap();
        let opted_out = OptOutState::from_rows([HistoryRow {
            row_key: stop_key.as_str().to_owned(),
            opted_out: true,
        }]);
        let subscribed = OptOutState::from_rows([]);
        let with = |kind: Option<OutboxKind>, reply_to: Option<(&str, &str)>| OutboxMessage {
            kind,
            in_reply_to: reply_to.map(|(id, _)| id.to_owned()),
            created_at: reply_to
                .map(|(_, at)| Timestamp::parse(at).unwrap())
                .unwrap_or(item().created_at),
            ..item()
        };
        let app = with(None, None);
        let marketing = with(Some(OutboxKind::Other("marketing".into())), None);
        assert_eq!(decide(&app, &subscribed), Decision::Send);
        assert_eq!(decide(&app, &opted_out), Decision::Skip);
        assert_eq!(decide(&marketing, &opted_out), Decision::Skip);
        for kind in [OutboxKind::OptOutConfirmation, OutboxKind::Help] {
            assert_eq!(
                decide(&with(Some(kind.clone()), None), &opted_out),
                Decision::Send
            );
        }
        // A START older than the STOP: superseded. A START newer than the STOP whose row is not
        // written yet: retry. Without a reply-to: never sent to an opted-out person.
        let old_start = with(
            Some(OutboxKind::OptInConfirmation),
            Some(("in1", "2026-11-27T10:00:00Z")),
        );
        let new_start = with(
            Some(OutboxKind::OptInConfirmation),
            Some(("in3", "2026-11-27T10:09:00Z")),
        );
        assert_eq!(decide(&old_start, &opted_out), Decision::Skip);
        assert_eq!(decide(&new_start, &opted_out), Decision::NotYetRecorded);
        assert_eq!(decide(&new_start, &subscribed), Decision::Send);
        assert_eq!(
            decide(&with(Some(OutboxKind::OptInConfirmation), None), &opted_out),
            Decision::Skip
        );
    }

    #[test]
    fn retry_settings_are_read_and_checked() {
        let sender = SmsSender::from_settings(&Settings::from_pairs([
            (SMS_SEND_MAX_ATTEMPTS, "2"),
            (SMS_SEND_RETRY_BUDGET_MS, "1500"),
            (SMS_SEND_RETRY_DELAY_MS, "10"),
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
            (SMS_SEND_MAX_ATTEMPTS, "0"),
            (SMS_SEND_MAX_ATTEMPTS, "many"),
            (SMS_SEND_RETRY_BUDGET_MS, "-1"),
        ] {
            let err = SmsSender::from_settings(&Settings::from_pairs([(name, value)])).unwrap_err();
            assert_eq!(err.name, name);
        }
    }

    #[tokio::test]
    async fn a_missing_connection_string_fails_each_invocation_naming_the_setting() {
        let sender = SmsSender::from_settings(&Settings::default()).unwrap();
        let message = serde_json::to_string(&item()).unwrap();
        let body =
            serde_json::json!({"Data": {"outboxItem": message, "optOut": []}, "Metadata": {}});
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
        let row = outbound_row(&item, &checked, &sent, now);
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
        let row = outbound_row(&item, &checked, &refused, now);
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
