//! SMS business logic: inbound texts, opt-out/opt-in/help keywords, delivery reports, and the
//! outbox message contract shared with the `SmsSender` function ([`crate::sms_sender`]).
//!
//! Event Grid delivers at least once, so every output here is a pure function of the event:
//! keys, ids and timestamps come from the event, never from the clock or a random source. A
//! redelivered event therefore rewrites the same rows and enqueues replies with the same
//! repeatability id, which ACS uses to send each reply once. Opt-out state is a history ordered
//! by the person's own timeline ([`opt_out`]), so arrival order cannot re-subscribe anyone.

use crate::events::sms::{
    SmsDeliveryAttempt, SmsDeliveryReportReceivedEventData, SmsDeliveryStatus, SmsReceivedEventData,
};
use crate::events::{Envelope, Sensitive};
use crate::host::outputs::time_keys;
use crate::host::outputs::{
    Output, OutputError, QueueBinding, TableBinding, TableEntity, TableKey,
};
use crate::settings::{Settings, SettingsError};

use crate::messaging::keywords::{Keyword, KeywordHandling, Keywords, SMS_SETTINGS};
use crate::messaging::opt_out::{self, OptOutKeyError, SyncRequest};
use crate::messaging::outbox::{repeatability_id, OutboxKind, OutboxMessage};
use crate::messaging::phone::{PhoneError, SmsAddress};

/// Default reply to STOP and its synonyms.
pub const DEFAULT_REPLY_OPT_OUT: &str = SMS_SETTINGS.default_replies[0];
/// Default reply to START and its synonyms.
pub const DEFAULT_REPLY_OPT_IN: &str = SMS_SETTINGS.default_replies[1];
/// Default reply to HELP and INFO.
pub const DEFAULT_REPLY_HELP: &str = SMS_SETTINGS.default_replies[2];

/// Longest text ACS accepts in one send request.
pub const MAX_MESSAGE_CHARS: usize = SMS_SETTINGS.max_reply_chars;

/// A message on `sms-inbox`: an inbound text that is not a keyword, for the application.
#[derive(serde::Serialize)]
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
#[derive(serde::Serialize)]
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

/// Why an SMS event could not be turned into outputs. Always permanent (a retry gives the same
/// answer): the dispatcher dead-letters the event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    #[error("{0}")]
    Address(#[from] PhoneError),
    #[error("cannot key the opt-out history: {0}")]
    OptOutKey(#[from] OptOutKeyError),
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

pub use crate::messaging::keywords::Replies;

/// The SMS module: stores every text, handles keywords, passes other texts on, and records
/// delivery reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsModule {
    keywords: KeywordHandling,
}

impl Default for SmsModule {
    fn default() -> Self {
        SmsModule {
            keywords: KeywordHandling::defaults(&SMS_SETTINGS),
        }
    }
}

impl SmsModule {
    /// Reads the module's app settings: a malformed flag, keyword list or a reply ACS could not
    /// send is an error at start-up, not at the first STOP.
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        Ok(SmsModule {
            keywords: KeywordHandling::from_settings(settings, &SMS_SETTINGS)?,
        })
    }

    /// Whether keywords are handled (`SMS_KEYWORDS_ENABLED`).
    pub fn keywords_enabled(&self) -> bool {
        self.keywords.enabled
    }

    /// The keyword lists in force.
    pub fn keywords(&self) -> &Keywords {
        &self.keywords.keywords
    }

    /// The configured reply texts.
    pub fn replies(&self) -> &Replies {
        &self.keywords.replies
    }

    /// `SMSReceived`: the `smsMessages` row, then either the keyword's history row, reply and
    /// sync request, or the `smsInbox` message.
    pub fn received(
        &self,
        envelope: &Envelope,
        data: &SmsReceivedEventData,
    ) -> Result<Vec<Output>, SmsError> {
        let ours = SmsAddress::from_event(&data.to, "data.to")?;
        let theirs = SmsAddress::from_event(&data.from, "data.from")?;
        let received_at = data.received_timestamp.to_rfc3339();

        let row = TableEntity::new(ours.as_str(), &data.message_id)
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

        let keyword = self.keywords.match_text(&data.message);
        let Some(keyword) = keyword else {
            let inbox = InboxMessage {
                message_id: &data.message_id,
                from: theirs.as_str(),
                to: ours.as_str(),
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

        if let Some(opted_out) = keyword.family.opted_out() {
            outputs.extend(self.state_change(envelope, data, &ours, &theirs, &keyword, opted_out)?);
        }
        let kind = OutboxKind::reply_to(keyword.family);
        let text = self.keywords.reply(keyword.family);
        let reply = OutboxMessage {
            from: Sensitive(ours.as_str().to_owned()),
            to: Sensitive(theirs.as_str().to_owned()),
            message: Sensitive(text.to_owned()),
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

    /// An opt-out or opt-in keyword: its row in the person's history (see [`opt_out`]) and a
    /// request to bring ACS's own opt-out list in step. Only phone numbers are on ACS's list.
    fn state_change(
        &self,
        envelope: &Envelope,
        data: &SmsReceivedEventData,
        ours: &SmsAddress,
        theirs: &SmsAddress,
        keyword: &Keyword,
        opted_out: bool,
    ) -> Result<Vec<Output>, SmsError> {
        let partition = TableKey::new("PartitionKey", &opt_out::partition_key(ours, theirs))
            .map_err(output_error("smsOptOuts row"))?;
        let row_key = opt_out::row_key(data.received_timestamp, &data.message_id)?;
        let row = TableEntity::from_keys(partition, row_key)
            .with("OptedOut", opted_out)
            .with("Keyword", keyword.word.as_str())
            .with("ReceivedAt", data.received_timestamp.to_rfc3339())
            .with("MessageId", data.message_id.as_str())
            .with("From", theirs.as_str())
            .with("To", ours.as_str())
            .with("EventId", envelope.id.as_str());
        let mut outputs = vec![Output::entity(TableBinding::SmsOptOuts, &row)
            .map_err(output_error("smsOptOuts row"))?];
        if theirs.as_phone().is_some() && !matches!(ours, SmsAddress::SenderId(_)) {
            let sync = SyncRequest {
                from: Sensitive(ours.as_str().to_owned()),
                to: Sensitive(theirs.as_str().to_owned()),
                opted_out,
                keyword_message_id: data.message_id.clone(),
                received_at: data.received_timestamp,
            };
            outputs.push(
                Output::message(QueueBinding::SmsOptOutSync, &sync)
                    .map_err(output_error("smsOptOutSync message"))?,
            );
        }
        Ok(outputs)
    }

    /// `SMSDeliveryReportReceived`: one `smsDeliveryReports` row, plus an `smsDeliveryFailures`
    /// message when the text was not delivered.
    pub fn delivery_report(
        &self,
        envelope: &Envelope,
        data: &SmsDeliveryReportReceivedEventData,
    ) -> Result<Vec<Output>, SmsError> {
        let ours = SmsAddress::from_event(&data.from, "data.from")?;
        let theirs = SmsAddress::from_event(&data.to, "data.to")?;
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
                to: theirs.as_str(),
                from: ours.as_str(),
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
    format!(
        "{}_{}",
        time_keys::sortable(data.received_timestamp),
        data.delivery_status.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::names::{SMS_KEYWORDS_ENABLED, SMS_REPLY_HELP, SMS_REPLY_OPT_OUT};

    #[test]
    fn settings_configure_replies_and_keywords() {
        let module = SmsModule::from_settings(&Settings::default()).unwrap();
        assert_eq!(module, SmsModule::default());
        let settings = Settings::from_pairs([
            (SMS_KEYWORDS_ENABLED, "off"),
            (SMS_REPLY_HELP, "  Call us.  "),
        ]);
        let module = SmsModule::from_settings(&settings).unwrap();
        assert!(!module.keywords_enabled());
        assert_eq!(module.replies().help, "Call us.");
        assert_eq!(module.replies().opt_out, DEFAULT_REPLY_OPT_OUT);

        let bad = Settings::from_pairs([(SMS_KEYWORDS_ENABLED, "sometimes")]);
        assert_eq!(
            SmsModule::from_settings(&bad).unwrap_err().name,
            SMS_KEYWORDS_ENABLED
        );
        let long = "x".repeat(MAX_MESSAGE_CHARS + 1);
        let bad = Settings::from_pairs([(SMS_REPLY_OPT_OUT, long.as_str())]);
        let err = SmsModule::from_settings(&bad).unwrap_err();
        assert_eq!(err.name, SMS_REPLY_OPT_OUT);
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
}
