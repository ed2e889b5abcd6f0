//! SMS business logic: inbound texts, opt-out/opt-in/help keywords, delivery reports, and the
//! outbox message contract shared with the `SmsSender` function ([`crate::sms_sender`]).
//!
//! Event Grid delivers at least once, so every output here is a pure function of the event:
//! keys, ids and timestamps come from the event, never from the clock or a random source. A
//! redelivered event therefore rewrites the same rows and enqueues replies with the same
//! repeatability id, which ACS uses to send each reply once.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::macros::format_description;
use uuid::Uuid;

use crate::events::sms::{
    SmsDeliveryAttempt, SmsDeliveryReportReceivedEventData, SmsDeliveryStatus, SmsReceivedEventData,
};
use crate::events::{AcsEvent, Envelope, Sensitive, Timestamp};
use crate::outputs::{Output, OutputError, QueueBinding, TableBinding, TableEntity};
use crate::router::EventModule;
use crate::settings::{Settings, SettingsError};

/// App setting: `false` turns keyword handling off (every text then goes to `smsInbox`).
pub const SETTING_KEYWORDS_ENABLED: &str = "SMS_KEYWORDS_ENABLED";
/// App setting: the reply to an opt-out keyword.
pub const SETTING_REPLY_OPT_OUT: &str = "SMS_REPLY_OPT_OUT";
/// App setting: the reply to an opt-in keyword.
pub const SETTING_REPLY_OPT_IN: &str = "SMS_REPLY_OPT_IN";
/// App setting: the reply to a help keyword.
pub const SETTING_REPLY_HELP: &str = "SMS_REPLY_HELP";

/// Default reply to STOP and its synonyms.
pub const DEFAULT_REPLY_OPT_OUT: &str = "You are unsubscribed. Reply START to resubscribe.";
/// Default reply to START and its synonyms.
pub const DEFAULT_REPLY_OPT_IN: &str =
    "You are subscribed again. Reply STOP to unsubscribe, HELP for help.";
/// Default reply to HELP and INFO.
pub const DEFAULT_REPLY_HELP: &str =
    "Reply STOP to unsubscribe, START to resubscribe. Msg&data rates may apply.";

/// Longest text ACS accepts in one send request.
pub const MAX_MESSAGE_CHARS: usize = 2048;

/// Namespace of the UUID v5 repeatability ids of our replies. Changing it changes every id, so a
/// reply enqueued before the change and redelivered after it could be sent twice: never change it.
const OUTBOX_NAMESPACE: Uuid = Uuid::from_u128(0x3c1f_8a52_6d0e_4b7a_9f21_5e8c_0d47_b963);

/// Opt-out keywords (the CTIA list plus the words ACS recognises).
const OPT_OUT_WORDS: &[&str] = &[
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "OPTOUT",
    "REVOKE",
];
/// Opt-in keywords.
const OPT_IN_WORDS: &[&str] = &["START", "UNSTOP", "YES"];
/// Help keywords.
const HELP_WORDS: &[&str] = &["HELP", "INFO"];

/// What a keyword asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeywordFamily {
    OptOut,
    OptIn,
    Help,
}

/// A text that is exactly one keyword: its family and the canonical (upper-case) word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyword {
    pub family: KeywordFamily,
    pub word: &'static str,
}

/// Reads a text as a keyword: the whole message must be one keyword, compared case-insensitively
/// after trimming everything that is not a letter or digit around it (` Stop! `, `"STOP."`). A
/// keyword inside a sentence ("stop by tomorrow") is not one: carriers and ACS match the same way,
/// and a false opt-out would silence a customer who did not ask for it.
pub fn match_keyword(text: &str) -> Option<Keyword> {
    let word = text.trim_matches(|c: char| !c.is_alphanumeric());
    let families = [
        (KeywordFamily::OptOut, OPT_OUT_WORDS),
        (KeywordFamily::OptIn, OPT_IN_WORDS),
        (KeywordFamily::Help, HELP_WORDS),
    ];
    families.into_iter().find_map(|(family, words)| {
        words
            .iter()
            .find(|w| w.eq_ignore_ascii_case(word))
            .map(|w| Keyword { family, word: w })
    })
}

/// Normalizes a phone number to E.164: ACS sends `15555555555` as well as `+15555555555` (and
/// documentation samples carry spaces or dashes). A value that is not a plausible international
/// number (a short code of at most 6 digits, an alphanumeric sender id) is kept as sent, trimmed,
/// so it is never turned into a different, wrong number.
pub fn normalize_phone(raw: &str) -> String {
    let trimmed = raw.trim();
    let compact: String = trimmed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.' | '\u{a0}'))
        .collect();
    let digits = compact.strip_prefix('+').unwrap_or(&compact);
    if digits.len() >= 7 && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()) {
        format!("+{digits}")
    } else {
        trimmed.to_owned()
    }
}

/// A phone number for a log line: the country code and area (`+1555`), three stars, and the last
/// four digits, so an operator can tell numbers apart without the log holding one.
pub fn mask_phone(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() < 9 {
        return "***".to_owned();
    }
    let head: String = chars[..5].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}***{tail}")
}

/// Why a reply was enqueued; sent to ACS as the delivery-report tag, so reports say which reply
/// they are about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OutboxKind {
    OptOutConfirmation,
    OptInConfirmation,
    Help,
    /// A kind written by another producer of outbox messages, as sent.
    Other(String),
}

impl OutboxKind {
    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            OutboxKind::OptOutConfirmation => "optOutConfirmation",
            OutboxKind::OptInConfirmation => "optInConfirmation",
            OutboxKind::Help => "help",
            OutboxKind::Other(text) => text,
        }
    }

    /// Case-insensitive lookup that never fails.
    pub fn from_wire(text: &str) -> Self {
        [
            OutboxKind::OptOutConfirmation,
            OutboxKind::OptInConfirmation,
            OutboxKind::Help,
        ]
        .into_iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(text))
        .unwrap_or_else(|| OutboxKind::Other(text.to_owned()))
    }
}

impl fmt::Display for OutboxKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for OutboxKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OutboxKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(OutboxKind::from_wire(&text))
    }
}

/// A message on the `sms-outbox` queue: what `SmsSender` sends. The module writes replies in this
/// shape; applications may enqueue their own. `from` and `to` are top-level so that the
/// `SmsSender` table input binding can look the opt-out row up as `{from}`/`{to}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMessage {
    /// Our ACS number (E.164).
    pub from: Sensitive<String>,
    /// The recipient (E.164).
    pub to: Sensitive<String>,
    pub message: Sensitive<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<OutboxKind>,
    /// The inbound message id this replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
    /// A UUID that is the same on every delivery of this message (ACS sends it once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeatability_request_id: Option<String>,
    /// When the message was created; sent to ACS as the repeatability first-sent time.
    pub created_at: Timestamp,
}

/// The deterministic repeatability id of the reply of `kind` to the inbound message
/// `in_reply_to`: the same event delivered twice yields the same id.
pub fn repeatability_id(in_reply_to: &str, kind: &OutboxKind) -> Uuid {
    let name = format!("{in_reply_to}\n{}", kind.as_str());
    Uuid::new_v5(&OUTBOX_NAMESPACE, name.as_bytes())
}

/// A message on `sms-inbox`: an inbound text that is not a keyword, for the application.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InboxMessage<'a> {
    message_id: &'a str,
    from: &'a str,
    to: &'a str,
    message: &'a str,
    received_timestamp: String,
    event_id: &'a str,
}

/// A message on `sms-delivery-failures`: everything an operator needs to act on a report that is
/// not `Delivered`, without looking anything up.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeliveryFailure<'a> {
    message_id: &'a str,
    to: &'a str,
    from: &'a str,
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<&'a str>,
    attempts: &'a [SmsDeliveryAttempt],
    received_timestamp: String,
    event_id: &'a str,
}

/// Why an SMS event could not be turned into outputs (a key over the Azure Table limit, …).
/// Always permanent: the router dead-letters the event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    #[error("cannot build the {what}: {source}")]
    Output {
        what: &'static str,
        #[source]
        source: OutputError,
    },
}

fn output_error(what: &'static str) -> impl Fn(OutputError) -> SmsError {
    move |source| SmsError::Output { what, source }
}

/// Reply texts, one per keyword family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replies {
    pub opt_out: String,
    pub opt_in: String,
    pub help: String,
}

impl Default for Replies {
    fn default() -> Self {
        Replies {
            opt_out: DEFAULT_REPLY_OPT_OUT.to_owned(),
            opt_in: DEFAULT_REPLY_OPT_IN.to_owned(),
            help: DEFAULT_REPLY_HELP.to_owned(),
        }
    }
}

/// The SMS module: stores every text, handles keywords, passes other texts on, and records
/// delivery reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsModule {
    keywords_enabled: bool,
    replies: Replies,
}

impl Default for SmsModule {
    fn default() -> Self {
        SmsModule {
            keywords_enabled: true,
            replies: Replies::default(),
        }
    }
}

impl SmsModule {
    /// Reads the module's app settings: a malformed flag or a reply ACS could not send is an error
    /// at start-up, not at the first STOP.
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        let reply = |name: &'static str, default: &str| -> Result<String, SettingsError> {
            let Some(text) = settings.get(name) else {
                return Ok(default.to_owned());
            };
            let text = text.trim();
            let chars = text.chars().count();
            if chars > MAX_MESSAGE_CHARS {
                return Err(SettingsError {
                    name,
                    problem: format!(
                        "the reply is {chars} characters; ACS sends at most {MAX_MESSAGE_CHARS}"
                    ),
                });
            }
            Ok(text.to_owned())
        };
        Ok(SmsModule {
            keywords_enabled: settings.flag(SETTING_KEYWORDS_ENABLED, true)?,
            replies: Replies {
                opt_out: reply(SETTING_REPLY_OPT_OUT, DEFAULT_REPLY_OPT_OUT)?,
                opt_in: reply(SETTING_REPLY_OPT_IN, DEFAULT_REPLY_OPT_IN)?,
                help: reply(SETTING_REPLY_HELP, DEFAULT_REPLY_HELP)?,
            },
        })
    }

    /// Whether keywords are handled (`SMS_KEYWORDS_ENABLED`).
    pub fn keywords_enabled(&self) -> bool {
        self.keywords_enabled
    }

    /// The configured reply texts.
    pub fn replies(&self) -> &Replies {
        &self.replies
    }

    /// `SMSReceived`: the `smsMessages` row, then either the keyword's opt-out row and reply, or
    /// the `smsInbox` message.
    fn received(
        &self,
        envelope: &Envelope,
        data: &SmsReceivedEventData,
    ) -> Result<Vec<Output>, SmsError> {
        let ours = normalize_phone(&data.to);
        let theirs = normalize_phone(&data.from);
        let received_at = data.received_timestamp.to_rfc3339();

        let row = TableEntity::new(&ours, &data.message_id)
            .map_err(output_error("smsMessages row"))?
            .with("MessageId", data.message_id.as_str())
            .with("From", theirs.as_str())
            .with("To", ours.as_str())
            .with("Message", data.message.as_str())
            .with("Direction", "inbound")
            .with("ReceivedAt", received_at.as_str())
            .with_opt("SegmentCount", data.segment_count)
            .with("EventId", envelope.id.as_str());
        let mut outputs = vec![Output::entity(TableBinding::SmsMessages, &row)
            .map_err(output_error("smsMessages row"))?];

        let keyword = if self.keywords_enabled {
            match_keyword(&data.message)
        } else {
            None
        };
        let Some(keyword) = keyword else {
            let inbox = InboxMessage {
                message_id: &data.message_id,
                from: &theirs,
                to: &ours,
                message: &data.message,
                received_timestamp: received_at,
                event_id: &envelope.id,
            };
            outputs.push(
                Output::message(QueueBinding::SmsInbox, &inbox)
                    .map_err(output_error("smsInbox message"))?,
            );
            return Ok(outputs);
        };

        let (kind, text, opted_out) = match keyword.family {
            KeywordFamily::OptOut => (
                OutboxKind::OptOutConfirmation,
                &self.replies.opt_out,
                Some(true),
            ),
            KeywordFamily::OptIn => (
                OutboxKind::OptInConfirmation,
                &self.replies.opt_in,
                Some(false),
            ),
            KeywordFamily::Help => (OutboxKind::Help, &self.replies.help, None),
        };
        if let Some(opted_out) = opted_out {
            // UpdatedAt is the text's receive time, not now: redelivery rewrites the same row, and
            // a reader can tell which of two keywords came last.
            let opt_out = TableEntity::new(&ours, &theirs)
                .map_err(output_error("smsOptOuts row"))?
                .with("OptedOut", opted_out)
                .with("Keyword", keyword.word)
                .with("UpdatedAt", received_at.as_str())
                .with("MessageId", data.message_id.as_str())
                .with("EventId", envelope.id.as_str());
            outputs.push(
                Output::entity(TableBinding::SmsOptOuts, &opt_out)
                    .map_err(output_error("smsOptOuts row"))?,
            );
        }
        let reply = OutboxMessage {
            from: Sensitive(ours),
            to: Sensitive(theirs),
            message: Sensitive(text.clone()),
            repeatability_request_id: Some(repeatability_id(&data.message_id, &kind).to_string()),
            kind: Some(kind),
            in_reply_to: Some(data.message_id.clone()),
            created_at: data.received_timestamp,
        };
        outputs.push(
            Output::message(QueueBinding::SmsOutbox, &reply)
                .map_err(output_error("smsOutbox message"))?,
        );
        Ok(outputs)
    }

    /// `SMSDeliveryReportReceived`: one `smsDeliveryReports` row, plus an `smsDeliveryFailures`
    /// message when the text was not delivered.
    fn delivery_report(
        &self,
        envelope: &Envelope,
        data: &SmsDeliveryReportReceivedEventData,
    ) -> Result<Vec<Output>, SmsError> {
        let ours = normalize_phone(&data.from);
        let theirs = normalize_phone(&data.to);
        let received_at = data.received_timestamp.to_rfc3339();
        let status = data.delivery_status.as_str();
        let attempts_json =
            serde_json::to_string(&data.delivery_attempts).unwrap_or_else(|_| "[]".to_owned());
        let sum = |f: fn(&SmsDeliveryAttempt) -> Option<i32>| -> i64 {
            data.delivery_attempts
                .iter()
                .filter_map(f)
                .map(i64::from)
                .sum()
        };

        let row = TableEntity::new(&data.message_id, &report_row_key(data))
            .map_err(output_error("smsDeliveryReports row"))?
            .with("MessageId", data.message_id.as_str())
            .with("Status", status)
            .with_opt("StatusDetails", data.delivery_status_details.as_deref())
            .with("From", ours.as_str())
            .with("To", theirs.as_str())
            .with("Attempts", attempts_json)
            .with("AttemptCount", data.delivery_attempts.len())
            .with("SegmentsSucceeded", sum(|a| a.segments_succeeded))
            .with("SegmentsFailed", sum(|a| a.segments_failed))
            .with_opt("Tag", data.tag.as_deref())
            .with("ReceivedAt", received_at.as_str())
            .with("EventId", envelope.id.as_str());
        let mut outputs = vec![Output::entity(TableBinding::SmsDeliveryReports, &row)
            .map_err(output_error("smsDeliveryReports row"))?];

        if data.delivery_status != SmsDeliveryStatus::Delivered {
            let failure = DeliveryFailure {
                message_id: &data.message_id,
                to: &theirs,
                from: &ours,
                status,
                details: data.delivery_status_details.as_deref(),
                tag: data.tag.as_deref(),
                attempts: &data.delivery_attempts,
                received_timestamp: received_at,
                event_id: &envelope.id,
            };
            outputs.push(
                Output::message(QueueBinding::SmsDeliveryFailures, &failure)
                    .map_err(output_error("smsDeliveryFailures message"))?,
            );
        }
        Ok(outputs)
    }
}

/// The `RowKey` of a delivery report: its receive time (UTC, fixed 7 fractional digits, so keys
/// sort by time) and its status, e.g. `2020-09-18T00:22:20.2855749Z_Delivered`.
///
/// Why not the event id: ACS gives a delivery report event the id of the message it is about
/// (the samples' `id` equals `data.messageId`), so the event id does not tell two reports for one
/// message apart, and the `PartitionKey` already is the message id. The report's own receive time
/// and status do: a second report (say `Failed` after a retry, then `Delivered`) gets another key,
/// while a redelivery of the same report carries the same data and lands on the same row.
pub fn report_row_key(data: &SmsDeliveryReportReceivedEventData) -> String {
    let time = data
        .received_timestamp
        .as_offset_date_time()
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]Z"
        ))
        .unwrap_or_else(|_| data.received_timestamp.to_rfc3339());
    format!("{time}_{}", data.delivery_status.as_str())
}

impl EventModule for SmsModule {
    type Error = SmsError;

    fn handle(&self, envelope: &Envelope, event: &AcsEvent) -> Result<Vec<Output>, SmsError> {
        match event {
            AcsEvent::SmsReceived(data) => self.received(envelope, data),
            AcsEvent::SmsDeliveryReportReceived(data) => self.delivery_report(envelope, data),
            _ => Ok(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_families_and_spellings() {
        for (text, family, word) in [
            ("stop", KeywordFamily::OptOut, "STOP"),
            (" Stop! ", KeywordFamily::OptOut, "STOP"),
            ("\"STOP.\"", KeywordFamily::OptOut, "STOP"),
            ("StopAll", KeywordFamily::OptOut, "STOPALL"),
            ("unsubscribe", KeywordFamily::OptOut, "UNSUBSCRIBE"),
            ("Cancel.", KeywordFamily::OptOut, "CANCEL"),
            ("end", KeywordFamily::OptOut, "END"),
            ("QUIT!!", KeywordFamily::OptOut, "QUIT"),
            ("optout", KeywordFamily::OptOut, "OPTOUT"),
            ("revoke\n", KeywordFamily::OptOut, "REVOKE"),
            ("start", KeywordFamily::OptIn, "START"),
            ("¡Unstop!", KeywordFamily::OptIn, "UNSTOP"),
            ("Yes", KeywordFamily::OptIn, "YES"),
            ("help?", KeywordFamily::Help, "HELP"),
            ("«info»", KeywordFamily::Help, "INFO"),
        ] {
            assert_eq!(
                match_keyword(text),
                Some(Keyword { family, word }),
                "{text:?}"
            );
        }
        for text in [
            "stop by tomorrow",
            "please stop",
            "STOP STOP",
            "s t o p",
            "stopp",
            "",
            "!!!",
            "yes please",
        ] {
            assert_eq!(match_keyword(text), None, "{text:?}");
        }
    }

    #[test]
    fn phone_numbers_become_e164_and_masks_hide_them() {
        assert_eq!(normalize_phone("15555555555"), "+15555555555");
        assert_eq!(normalize_phone("+15555555555"), "+15555555555");
        assert_eq!(normalize_phone(" +1 (555) 555-5555 "), "+15555555555");
        // Short codes and sender ids are not phone numbers to rewrite.
        assert_eq!(normalize_phone("12345"), "12345");
        assert_eq!(normalize_phone("CONTOSO"), "CONTOSO");
        assert_eq!(mask_phone("+15555555555"), "+1555***5555");
        assert_eq!(mask_phone("12345"), "***");
    }

    #[test]
    fn repeatability_ids_are_deterministic_uuid_v5() {
        let a = repeatability_id("Incoming_1", &OutboxKind::OptOutConfirmation);
        assert_eq!(
            a,
            repeatability_id("Incoming_1", &OutboxKind::OptOutConfirmation)
        );
        assert_eq!(a.get_version_num(), 5);
        assert_ne!(
            a,
            repeatability_id("Incoming_1", &OutboxKind::OptInConfirmation)
        );
        assert_ne!(
            a,
            repeatability_id("Incoming_2", &OutboxKind::OptOutConfirmation)
        );
    }

    #[test]
    fn outbox_kind_round_trips_and_keeps_unknown_kinds() {
        for kind in [
            OutboxKind::OptOutConfirmation,
            OutboxKind::OptInConfirmation,
            OutboxKind::Help,
        ] {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(serde_json::from_str::<OutboxKind>(&json).unwrap(), kind);
        }
        assert_eq!(
            OutboxKind::from_wire("OPTOUTCONFIRMATION"),
            OutboxKind::OptOutConfirmation
        );
        assert_eq!(
            OutboxKind::from_wire("marketing"),
            OutboxKind::Other("marketing".into())
        );
    }

    #[test]
    fn settings_configure_replies_and_keywords() {
        let module = SmsModule::from_settings(&Settings::default()).unwrap();
        assert_eq!(module, SmsModule::default());
        let settings = Settings::from_pairs([
            (SETTING_KEYWORDS_ENABLED, "off"),
            (SETTING_REPLY_HELP, "  Call us.  "),
        ]);
        let module = SmsModule::from_settings(&settings).unwrap();
        assert!(!module.keywords_enabled());
        assert_eq!(module.replies().help, "Call us.");
        assert_eq!(module.replies().opt_out, DEFAULT_REPLY_OPT_OUT);

        let bad = Settings::from_pairs([(SETTING_KEYWORDS_ENABLED, "sometimes")]);
        assert_eq!(
            SmsModule::from_settings(&bad).unwrap_err().name,
            SETTING_KEYWORDS_ENABLED
        );
        let long = "x".repeat(MAX_MESSAGE_CHARS + 1);
        let bad = Settings::from_pairs([(SETTING_REPLY_OPT_OUT, long.as_str())]);
        let err = SmsModule::from_settings(&bad).unwrap_err();
        assert_eq!(err.name, SETTING_REPLY_OPT_OUT);
        assert!(err.problem.contains("2049"), "{err}");
    }

    fn report(status: &str, received: &str) -> SmsDeliveryReportReceivedEventData {
        serde_json::from_value(serde_json::json!({
            "messageId": "Outgoing_1", "from": "+18005550100", "to": "14255550123",
            "deliveryStatus": status, "deliveryStatusDetails": "d", "receivedTimestamp": received,
            "deliveryAttempts": [{"timestamp": received, "segmentsSucceeded": 0, "segmentsFailed": 1}]
        }))
        .unwrap()
    }

    #[test]
    fn report_row_keys_tell_reports_apart_but_not_redeliveries() {
        let failed = report("Failed", "2026-11-27T06:00:01.5Z");
        let delivered = report("Delivered", "2026-11-27T06:05:00Z");
        assert_eq!(
            report_row_key(&failed),
            "2026-11-27T06:00:01.5000000Z_Failed"
        );
        assert_ne!(report_row_key(&failed), report_row_key(&delivered));
        // The same instant in another spelling is the same report.
        let again = report("failed", "2026-11-27T07:00:01.500+01:00");
        assert_eq!(report_row_key(&again), report_row_key(&failed));
    }

    #[test]
    fn outbox_message_has_the_documented_shape() {
        let message = OutboxMessage {
            from: Sensitive("+18005550100".into()),
            to: Sensitive("+14255550123".into()),
            message: Sensitive("hi".into()),
            kind: Some(OutboxKind::Help),
            in_reply_to: Some("Incoming_1".into()),
            repeatability_request_id: Some(
                repeatability_id("Incoming_1", &OutboxKind::Help).to_string(),
            ),
            created_at: Timestamp::parse("2026-11-27T05:59:58Z").unwrap(),
        };
        let text = serde_json::to_string(&message).unwrap();
        let id = repeatability_id("Incoming_1", &OutboxKind::Help);
        assert_eq!(
            text,
            format!(
                r#"{{"from":"+18005550100","to":"+14255550123","message":"hi","kind":"help","inReplyTo":"Incoming_1","repeatabilityRequestId":"{id}","createdAt":"2026-11-27T05:59:58Z"}}"#
            )
        );
        let json = serde_json::to_value(&message).unwrap();
        assert_eq!(json["createdAt"], "2026-11-27T05:59:58Z");
        let back: OutboxMessage = serde_json::from_value(json).unwrap();
        assert_eq!(back, message);
    }
}
