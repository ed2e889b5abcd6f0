//! Opt-out compliance under at-least-once, unordered, duplicated delivery: keywords replayed
//! through `EventGridTrigger` in any interleaving, their rows written as the Tables extension
//! writes them (upserts, last write wins), then `SmsSender` and `SmsOptOutSync` run with the
//! `optOut` input exactly as the host reads it (a partition read with `take: 1`). The same
//! property holds for WhatsApp (`WhatsAppOptOuts`, `WhatsAppSender`), which shares the rule.

use acs_event_handler::app::App;
use acs_event_handler::settings::Settings;
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::fake_acs::{Api, FakeAcs};
use crate::harness::{event_grid_invocation, output_items, queue_invocation, MemoryTables};
use crate::sms_sender::history_key;

const OURS: &str = "+18005550100";
const THEIRS: &str = "+14255550123";
const PARTITION: &str = "+18005550100|+14255550123";

/// The keywords a person may send, and what each means for the opt-out state.
const KEYWORDS: &[(&str, Option<bool>)] = &[
    ("STOP", Some(true)),
    ("stop all", Some(true)),
    ("Unsubscribe!", Some(true)),
    ("START", Some(false)),
    ("unstop", Some(false)),
    ("HELP", None),
    ("info", None),
];

/// One inbound text: which keyword, when ACS received it (seconds after 10:00, few values so
/// that ties happen), and its message id.
#[derive(Debug, Clone)]
struct Text {
    keyword: usize,
    second: u32,
    id: String,
}

impl Text {
    fn received(&self) -> String {
        format!(
            "2026-11-27T10:{:02}:{:02}.5000000Z",
            self.second / 60,
            self.second % 60
        )
    }

    fn event(&self, delivery: usize) -> Value {
        json!({
            "id": format!("evt-{}-{delivery}", self.id),
            "topic": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
            "subject": "/phonenumber/18005550100",
            "eventType": "Microsoft.Communication.SMSReceived",
            "eventTime": "2026-11-27T11:00:00Z",
            "dataVersion": "1.0",
            "metadataVersion": "1",
            "data": {
                "messageId": self.id, "from": "14255550123", "to": OURS,
                "message": KEYWORDS[self.keyword].0, "receivedTimestamp": self.received()
            }
        })
    }
}

/// The state the person's own timeline says: the opt-out or opt-in keyword with the latest
/// receive time; at equal times, the smaller message id (the README's rule). `None`: never sent
/// one.
fn expected_state(texts: &[Text]) -> Option<bool> {
    texts
        .iter()
        .filter_map(|t| KEYWORDS[t.keyword].1.map(|state| (t, state)))
        .min_by(|(a, _), (b, _)| {
            history_key(&a.received(), &a.id).cmp(&history_key(&b.received(), &b.id))
        })
        .map(|(_, state)| state)
}

fn texts() -> impl Strategy<Value = Vec<Text>> {
    prop::collection::vec((0..KEYWORDS.len(), 0u32..8), 1..7).prop_map(|items| {
        items
            .into_iter()
            .enumerate()
            .map(|(n, (keyword, second))| Text {
                keyword,
                second,
                // Ids whose order disagrees with their position, so ties test the id rule.
                id: format!("Incoming_{}", (n * 7) % 10),
            })
            .collect()
    })
}

/// Deliveries: every text at least once, up to three times, in the order given by `order`.
fn deliveries(texts: &[Text], copies: &[usize], order: &[usize]) -> Vec<(usize, usize)> {
    let mut all: Vec<(usize, usize)> = texts
        .iter()
        .enumerate()
        .flat_map(|(i, _)| (0..=copies[i % copies.len()]).map(move |c| (i, c)))
        .collect();
    // A permutation from the random keys: sort positions by their key.
    let mut keyed: Vec<(usize, (usize, usize))> = all
        .drain(..)
        .enumerate()
        .map(|(n, d)| (order[n % order.len()] * 1000 + n, d))
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, d)| d).collect()
}

/// What one run of the whole flow left behind.
struct Outcome {
    /// Whether `SmsSender` sent the application's text.
    application_sent: bool,
    /// Whether every HELP reply was sent.
    every_help_sent: bool,
    helps: usize,
    /// Whether ACS's own list holds the person after every sync request ran.
    acs_lists_them: bool,
}

async fn run(texts: &[Text], copies: &[usize], order: &[usize]) -> Outcome {
    let fake = FakeAcs::start(vec![]);
    let connection = fake.connection_string();
    let app = App::new(&Settings::from_pairs([
        ("ACS_CONNECTION_STRING", connection.as_str()),
        ("SMS_SEND_RETRY_DELAY_MS", "1"),
    ]))
    .unwrap();
    let mut tables = MemoryTables::default();
    let mut outbox = Vec::new();
    let mut syncs = Vec::new();
    for (text, copy) in deliveries(texts, copies, order) {
        let event = texts[text].event(copy);
        let reply = app
            .invoke("EventGridTrigger", &event_grid_invocation(&event))
            .await;
        assert_eq!(reply.status, 200);
        let body: Value = serde_json::from_slice(&reply.body).unwrap();
        tables.write_reply("EventGridTrigger", &body);
        outbox.extend(output_items(&body, "smsOutbox"));
        syncs.extend(output_items(&body, "smsOptOutSync"));
    }
    let history = tables.partition("SmsOptOuts", PARTITION);

    let sms_sender = |message: Value| {
        let body = queue_invocation("SmsSender", "outboxItem", &message, &history);
        let app = &app;
        async move {
            let reply = app.invoke("SmsSender", &body).await;
            assert_eq!(
                reply.status,
                200,
                "{}",
                String::from_utf8_lossy(&reply.body)
            );
            let body: Value = serde_json::from_slice(&reply.body).unwrap();
            output_items(&body, "smsMessages")
                .first()
                .is_some_and(|row| row["Status"] == "sent")
        }
    };
    let application = json!({
        "from": OURS, "to": THEIRS, "message": "Your order has shipped.",
        "createdAt": "2026-11-27T12:00:00Z"
    });
    let application_sent = sms_sender(application).await;
    let mut every_help_sent = true;
    let mut helps = 0;
    for reply in outbox.iter().filter(|m| m["kind"] == "help") {
        helps += 1;
        every_help_sent &= sms_sender(reply.clone()).await;
    }

    // Sync requests in reverse arrival order, the rows all written: each applies the current
    // state, so the last one to run (the oldest) cannot move ACS's list backwards.
    for request in syncs.iter().rev() {
        let body = queue_invocation("SmsOptOutSync", "syncItem", request, &history);
        let reply = app.invoke("SmsOptOutSync", &body).await;
        assert_eq!(
            reply.status,
            200,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
    }
    fake.assert_all_verified();
    let sends = fake
        .seen()
        .iter()
        .filter(|s| s.api == Some(Api::Send))
        .count();
    assert_eq!(sends, usize::from(application_sent) + helps);
    Outcome {
        application_sent,
        every_help_sent,
        helps,
        acs_lists_them: fake.is_opted_out(OURS, THEIRS),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_latest_keyword_by_receive_time_decides_whatever_the_delivery(
        texts in texts(),
        copies in prop::collection::vec(0usize..3, 1..8),
        order in prop::collection::vec(0usize..50, 1..24),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let outcome = runtime.block_on(run(&texts, &copies, &order));
        let state = expected_state(&texts);
        prop_assert_eq!(outcome.application_sent, state != Some(true), "state {:?}", state);
        prop_assert!(outcome.every_help_sent, "{} HELP replies", outcome.helps);
        prop_assert_eq!(outcome.acs_lists_them, state == Some(true));
    }
}

/// The issue's scenario by hand: START 10:00, STOP 10:05, then a redelivered START 10:00.
#[tokio::test]
async fn a_redelivered_start_does_not_resubscribe_someone_who_said_stop() {
    let start = Text {
        keyword: 3,
        second: 0,
        id: "in1".into(),
    };
    let stop = Text {
        keyword: 0,
        second: 300,
        id: "in2".into(),
    };
    let texts = [start, stop];
    // Deliveries in order: START, STOP, START again.
    let outcome = run(&texts, &[1, 0], &[0, 2, 1]).await;
    assert_eq!(expected_state(&texts), Some(true));
    assert!(!outcome.application_sent);
    assert!(outcome.acs_lists_them);
}

/// A sync request read before its own history row (the host sends queue messages before it
/// writes table rows) waits for the queue's retry, then applies the state the history shows.
#[tokio::test]
async fn a_sync_request_ahead_of_its_row_is_retried_then_applied() {
    let fake = FakeAcs::start(vec![]);
    let connection = fake.connection_string();
    let app = App::new(&Settings::from_pairs([(
        "ACS_CONNECTION_STRING",
        connection.as_str(),
    )]))
    .unwrap();
    let stop = Text {
        keyword: 0,
        second: 300,
        id: "in2".into(),
    };
    let reply = app
        .invoke("EventGridTrigger", &event_grid_invocation(&stop.event(0)))
        .await;
    let body: Value = serde_json::from_slice(&reply.body).unwrap();
    let request = output_items(&body, "smsOptOutSync").remove(0);

    let early = queue_invocation("SmsOptOutSync", "syncItem", &request, &[]);
    let reply = app.invoke("SmsOptOutSync", &early).await;
    assert_eq!(reply.status, 500, "retried once the row is there");
    assert!(fake.seen().is_empty());

    let mut tables = MemoryTables::default();
    tables.write_reply("EventGridTrigger", &body);
    let history = tables.partition("SmsOptOuts", PARTITION);
    let later = queue_invocation("SmsOptOutSync", "syncItem", &request, &history);
    let reply = app.invoke("SmsOptOutSync", &later).await;
    assert_eq!(reply.status, 200);
    assert!(fake.is_opted_out(OURS, THEIRS));
    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].api, Some(Api::OptOutAdd));
    assert_eq!(
        seen[0].body,
        json!({"from": OURS, "recipients": [{"to": THEIRS}]})
    );
    let logs: Value = serde_json::from_slice(&reply.body).unwrap();
    let logs = logs["Logs"].to_string();
    assert!(
        logs.contains("+1***23") && !logs.contains("4255550123"),
        "{logs}"
    );
    fake.assert_all_verified();
}

/// ACS throttling and outages are retried like `SmsSender`'s; credentials and a missing
/// connection string are configuration faults.
#[tokio::test]
async fn sync_retries_throttling_and_reports_configuration_faults() {
    use crate::fake_acs::Answer;
    let fake = FakeAcs::start(vec![
        Answer::Status(
            429,
            vec![("Retry-After", "0")],
            r#"{"error":{"code":"TooManyRequests"}}"#,
        ),
        Answer::Status(503, vec![], ""),
    ]);
    let connection = fake.connection_string();
    let app = App::new(&Settings::from_pairs([
        ("ACS_CONNECTION_STRING", connection.as_str()),
        ("SMS_SEND_RETRY_DELAY_MS", "1"),
    ]))
    .unwrap();
    let start = Text {
        keyword: 3,
        second: 0,
        id: "in1".into(),
    };
    let reply = app
        .invoke("EventGridTrigger", &event_grid_invocation(&start.event(0)))
        .await;
    let body: Value = serde_json::from_slice(&reply.body).unwrap();
    let mut tables = MemoryTables::default();
    tables.write_reply("EventGridTrigger", &body);
    let history = tables.partition("SmsOptOuts", PARTITION);
    let request = output_items(&body, "smsOptOutSync").remove(0);
    let invocation = queue_invocation("SmsOptOutSync", "syncItem", &request, &history);
    let reply = app.invoke("SmsOptOutSync", &invocation).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let seen = fake.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| s.api == Some(Api::OptOutRemove)));
    assert!(seen.windows(2).all(|w| w[0].body == w[1].body));

    let unconfigured = App::new(&Settings::default()).unwrap();
    let reply = unconfigured.invoke("SmsOptOutSync", &invocation).await;
    assert_eq!(reply.status, 503);
    let error: Value = serde_json::from_slice(&reply.body).unwrap();
    assert!(error["Error"]["message"]
        .as_str()
        .unwrap()
        .contains("ACS_CONNECTION_STRING"));
}

/// WhatsApp: the channel registration id our replies come from, and the hour the keywords of a
/// run are received in (two hours ago, so replies are inside the 24-hour window).
const WA_CHANNEL: &str = "0f0eb78e-a576-1dfc-b414-0f0756de3338";

fn wa_hour() -> String {
    let then = time::OffsetDateTime::now_utc() - time::Duration::hours(2);
    format!(
        "{:04}-{:02}-{:02}T{:02}",
        then.year(),
        u8::from(then.month()),
        then.day(),
        then.hour()
    )
}

impl Text {
    fn wa_received(&self, hour: &str) -> String {
        format!(
            "{hour}:{:02}:{:02}.5000000Z",
            self.second / 60,
            self.second % 60
        )
    }

    fn wa_event(&self, delivery: usize, hour: &str) -> Value {
        json!({
            "id": format!("evt-{}-{delivery}", self.id),
            "topic": "/subscriptions/s/resourcegroups/g/providers/microsoft.communication/communicationservices/acs",
            "subject": format!("advancedMessage/sender/14255550123/recipient/{WA_CHANNEL}"),
            "eventType": "Microsoft.Communication.AdvancedMessageReceived",
            "eventTime": self.wa_received(hour),
            "dataVersion": "1.0",
            "metadataVersion": "1",
            "data": {
                "messageId": self.id, "from": "14255550123", "fromBSUID": "US.13491208655302741918",
                "to": WA_CHANNEL, "channelType": "whatsapp", "messageType": "text",
                "content": KEYWORDS[self.keyword].0, "receivedTimeStamp": self.wa_received(hour)
            }
        })
    }
}

/// The WhatsApp flow: keywords through `EventGridTrigger`, rows written as the extension
/// writes them, then `WhatsAppSender` with the `optOut` input. Returns whether the
/// application's message was sent, whether every HELP reply was, and how many there were.
async fn run_whatsapp(texts: &[Text], copies: &[usize], order: &[usize]) -> (bool, bool, usize) {
    let hour = wa_hour();
    let fake = FakeAcs::start(vec![]);
    let connection = fake.connection_string();
    let app = App::new(&Settings::from_pairs([
        ("ACS_CONNECTION_STRING", connection.as_str()),
        ("SMS_SEND_RETRY_DELAY_MS", "1"),
    ]))
    .unwrap();
    let mut tables = MemoryTables::default();
    let mut outbox = Vec::new();
    for (text, copy) in deliveries(texts, copies, order) {
        let event = texts[text].wa_event(copy, &hour);
        let reply = app
            .invoke("EventGridTrigger", &event_grid_invocation(&event))
            .await;
        assert_eq!(reply.status, 200);
        let body: Value = serde_json::from_slice(&reply.body).unwrap();
        tables.write_reply("EventGridTrigger", &body);
        outbox.extend(output_items(&body, "waOutbox"));
    }
    let history = tables.partition("WhatsAppOptOuts", &format!("{WA_CHANNEL}|{THEIRS}"));
    let send = |message: Value| {
        let body = queue_invocation("WhatsAppSender", "outboxItem", &message, &history);
        let app = &app;
        async move {
            let reply = app.invoke("WhatsAppSender", &body).await;
            assert_eq!(
                reply.status,
                200,
                "{}",
                String::from_utf8_lossy(&reply.body)
            );
            let body: Value = serde_json::from_slice(&reply.body).unwrap();
            output_items(&body, "waMessages")
                .first()
                .is_some_and(|row| row["Status"] == "sent")
        }
    };
    let received = format!("{hour}:59:00Z");
    let application = json!({
        "from": WA_CHANNEL, "to": THEIRS, "message": "Your order has shipped.",
        "inReplyTo": "wamid.question", "createdAt": received, "inReplyToReceivedAt": received
    });
    let application_sent = send(application).await;
    let mut every_help_sent = true;
    let mut helps = 0;
    for reply in outbox.iter().filter(|m| m["kind"] == "help") {
        helps += 1;
        every_help_sent &= send(reply.clone()).await;
    }
    fake.assert_all_verified();
    let sends = fake
        .seen()
        .iter()
        .filter(|s| s.api == Some(Api::Messages))
        .count();
    assert_eq!(sends, usize::from(application_sent) + helps);
    (application_sent, every_help_sent, helps)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn whatsapp_the_latest_keyword_by_receive_time_decides_whatever_the_delivery(
        texts in texts(),
        copies in prop::collection::vec(0usize..3, 1..8),
        order in prop::collection::vec(0usize..50, 1..24),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (application_sent, every_help_sent, helps) =
            runtime.block_on(run_whatsapp(&texts, &copies, &order));
        // The order of keys within one hour is the order of `expected_state`'s keys.
        let state = expected_state(&texts);
        prop_assert_eq!(application_sent, state != Some(true), "state {:?}", state);
        prop_assert!(every_help_sent, "{} HELP replies", helps);
    }
}

/// The issue's scenario on WhatsApp: START, STOP five minutes later, then the START again.
#[tokio::test]
async fn whatsapp_a_redelivered_start_does_not_resubscribe_someone_who_said_stop() {
    let texts = [
        Text {
            keyword: 3,
            second: 0,
            id: "wamid.1".into(),
        },
        Text {
            keyword: 0,
            second: 300,
            id: "wamid.2".into(),
        },
    ];
    let (application_sent, _, _) = run_whatsapp(&texts, &[1, 0], &[0, 2, 1]).await;
    assert!(!application_sent);
}
