//! The SMS module through `App::invoke` (the path of a live `EventGridTrigger` invocation):
//! inbound texts, keywords, replies on the outbox, delivery reports, redelivery.

use acs_event_handler::app::App;
use acs_event_handler::handlers::sms::SmsModule;
use acs_event_handler::settings::Settings;
use serde_json::{json, Value};

use crate::harness::{as_stored, event_grid_invocation, output_items, sample_events};
use crate::sms_sender::history_key;

const OURS: &str = "+18005550100";
const THEIRS: &str = "+14255550123";

fn app(settings: &[(&str, &str)]) -> App {
    App::new(&Settings::from_pairs(settings.iter().copied())).unwrap()
}

/// Invokes `EventGridTrigger` with one event; returns the reply body.
async fn invoke(app: &App, event: &Value) -> Value {
    let reply = app
        .invoke("EventGridTrigger", &event_grid_invocation(event))
        .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    as_stored(
        "EventGridTrigger",
        serde_json::from_slice(&reply.body).unwrap(),
    )
}

fn sample(file: &str) -> Value {
    sample_events()
        .into_iter()
        .find(|(f, _)| f == file)
        .unwrap_or_else(|| panic!("no sample {file}"))
        .1
}

fn received(id: &str, text: &str) -> Value {
    json!({
        "id": format!("evt-{id}"),
        "topic": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
        "subject": "/phonenumber/18005550100",
        "eventType": "Microsoft.Communication.SMSReceived",
        "eventTime": "2026-11-27T05:59:59Z",
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "data": {
            "messageId": id,
            "from": "14255550123",
            "to": OURS,
            "message": text,
            "receivedTimestamp": "2026-11-27T05:59:58.1234567Z",
            "segmentCount": 1
        }
    })
}

fn report(id: &str, event_id: &str, status: &str, received: &str) -> Value {
    json!({
        "id": event_id,
        "topic": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
        "subject": "/phonenumber/18005550100",
        "eventType": "Microsoft.Communication.SMSDeliveryReportReceived",
        "eventTime": received,
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "data": {
            "messageId": id,
            "from": "18005550100",
            "to": THEIRS,
            "deliveryStatus": status,
            "deliveryStatusDetails": "Carrier rejected the message.",
            "receivedTimestamp": received,
            "deliveryAttempts": [
                {"timestamp": received, "segmentsSucceeded": 0, "segmentsFailed": 1}
            ],
            "tag": "optOutConfirmation"
        }
    })
}

fn binding(body: &Value, name: &str) -> Vec<Value> {
    output_items(body, name)
}

/// The bindings present in a reply, sorted.
fn bindings(body: &Value) -> Vec<String> {
    let mut names: Vec<String> = body["Outputs"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn current_camel_case_text_is_stored_and_passed_to_the_inbox() {
    let event = sample("docs-sms__SMSReceived.json");
    let body = invoke(&app(&[]), &event).await;
    assert_eq!(bindings(&body), ["smsInbox", "smsMessages"]);
    let id = "Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e";
    assert_eq!(
        binding(&body, "smsMessages")[0],
        json!({
            "PartitionKey": "+15555555555", "RowKey": id, "odata.etag": "*", "MessageId": id,
            "From": "+15555555555", "To": "+15555555555",
            "Message": "Great to connect with Azure Communication Services events",
            "Direction": "inbound", "ReceivedAt": "2020-09-18T00:27:45.32Z",
            "SegmentCount": 1, "EventId": id
        })
    );
    assert_eq!(
        binding(&body, "smsInbox")[0],
        json!({
            "messageId": id, "from": "+15555555555", "to": "+15555555555",
            "message": "Great to connect with Azure Communication Services events",
            "receivedTimestamp": "2020-09-18T00:27:45.32Z", "eventId": id
        })
    );
}

#[tokio::test]
async fn pascal_case_text_of_2020_gives_the_same_shape() {
    let event = sample("docs2020__SMSReceived.json");
    let body = invoke(&app(&[]), &event).await;
    assert_eq!(bindings(&body), ["smsInbox", "smsMessages"]);
    let row = &binding(&body, "smsMessages")[0];
    assert_eq!(row["PartitionKey"], "+15555555555");
    assert_eq!(row["From"], "+15555555555");
    assert_eq!(row["Message"], "Great to connect with ACS events ");
    assert!(row.get("SegmentCount").is_none(), "{row}");
    assert_eq!(
        binding(&body, "smsInbox")[0]["messageId"],
        "Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e"
    );
    // The CloudEvents form of the same text too.
    let cloud = invoke(&app(&[]), &sample("spec-ce__SMSReceived.json")).await;
    assert_eq!(bindings(&cloud), ["smsInbox", "smsMessages"]);
}

#[tokio::test]
async fn each_keyword_family_in_any_case_and_punctuation() {
    let app = app(&[]);
    let families = [
        ("stop", "STOP", Some(true), "optOutConfirmation"),
        (" Stop! ", "STOP", Some(true), "optOutConfirmation"),
        ("\"STOP.\"", "STOP", Some(true), "optOutConfirmation"),
        (
            "Unsubscribe",
            "UNSUBSCRIBE",
            Some(true),
            "optOutConfirmation",
        ),
        ("quit", "QUIT", Some(true), "optOutConfirmation"),
        ("REVOKE", "REVOKE", Some(true), "optOutConfirmation"),
        ("opt-out", "OPT OUT", Some(true), "optOutConfirmation"),
        ("Stop all", "STOP ALL", Some(true), "optOutConfirmation"),
        ("Arrêt", "ARRÊT", Some(true), "optOutConfirmation"),
        ("remove", "REMOVE", Some(true), "optOutConfirmation"),
        ("TD", "TD", Some(true), "optOutConfirmation"),
        ("Start", "START", Some(false), "optInConfirmation"),
        ("unstop!", "UNSTOP", Some(false), "optInConfirmation"),
        ("yes.", "YES", Some(false), "optInConfirmation"),
        ("help", "HELP", None, "help"),
        ("Info?", "INFO", None, "help"),
    ];
    for (n, (text, word, opted_out, kind)) in families.into_iter().enumerate() {
        let id = format!("Incoming_kw{n}");
        let body = invoke(&app, &received(&id, text)).await;
        let expected: Vec<&str> = if opted_out.is_some() {
            vec!["smsMessages", "smsOptOutSync", "smsOptOuts", "smsOutbox"]
        } else {
            vec!["smsMessages", "smsOutbox"]
        };
        assert_eq!(bindings(&body), expected, "{text:?}");
        assert_eq!(binding(&body, "smsMessages")[0]["Message"], text);

        if let Some(opted_out) = opted_out {
            assert_eq!(
                binding(&body, "smsOptOuts")[0],
                json!({
                    "PartitionKey": format!("{OURS}|{THEIRS}"),
                    "RowKey": history_key("2026-11-27T05:59:58.1234567Z", &id),
                    "odata.etag": "*", "OptedOut": opted_out, "Keyword": word,
                    "ReceivedAt": "2026-11-27T05:59:58.1234567Z", "MessageId": id,
                    "From": THEIRS, "To": OURS, "EventId": format!("evt-{id}")
                }),
                "{text:?}"
            );
            assert_eq!(
                binding(&body, "smsOptOutSync")[0],
                json!({
                    "from": OURS, "to": THEIRS, "optedOut": opted_out, "keywordMessageId": id,
                    "receivedAt": "2026-11-27T05:59:58.1234567Z"
                })
            );
        }
        let reply = &binding(&body, "smsOutbox")[0];
        assert_eq!(reply["from"], OURS, "{text:?}");
        assert_eq!(reply["to"], THEIRS, "{text:?}");
        assert_eq!(reply["kind"], kind, "{text:?}");
        assert_eq!(reply["inReplyTo"], id.as_str());
        assert_eq!(reply["createdAt"], "2026-11-27T05:59:58.1234567Z");
        let uuid =
            uuid::Uuid::parse_str(reply["repeatabilityRequestId"].as_str().unwrap()).unwrap();
        assert_eq!(uuid.get_version_num(), 5);
        let expected_text = match kind {
            "optOutConfirmation" => "You are unsubscribed. Reply START to resubscribe.",
            "optInConfirmation" => {
                "You are subscribed again. Reply STOP to unsubscribe, HELP for help."
            }
            _ => "Reply STOP to unsubscribe, START to resubscribe. Msg&data rates may apply.",
        };
        assert_eq!(reply["message"], expected_text);
    }
}

#[tokio::test]
async fn a_keyword_inside_a_sentence_is_an_ordinary_text() {
    let app = app(&[]);
    for text in [
        "stop by tomorrow",
        "Please STOP",
        "yes, see you",
        "help me move",
    ] {
        let body = invoke(&app, &received("Incoming_s", text)).await;
        assert_eq!(bindings(&body), ["smsInbox", "smsMessages"], "{text:?}");
        assert_eq!(binding(&body, "smsInbox")[0]["message"], text);
    }
}

#[tokio::test]
async fn redelivery_gives_identical_outputs() {
    let app = app(&[]);
    for text in ["STOP", "hello", "help"] {
        let event = received("Incoming_dup", text);
        let first = invoke(&app, &event).await;
        let second = invoke(&app, &event).await;
        assert_eq!(first["Outputs"], second["Outputs"], "{text}");
    }
    // Different replies to one text never share a repeatability id.
    let stop = invoke(&app, &received("Incoming_a", "stop")).await;
    let start = invoke(&app, &received("Incoming_a", "start")).await;
    let other = invoke(&app, &received("Incoming_b", "stop")).await;
    let id = |b: &Value| binding(b, "smsOutbox")[0]["repeatabilityRequestId"].clone();
    assert_ne!(id(&stop), id(&start));
    assert_ne!(id(&stop), id(&other));
}

#[tokio::test]
async fn replies_and_keyword_handling_come_from_settings() {
    let custom = app(&[
        ("SMS_REPLY_OPT_OUT", "Bye from Contoso."),
        ("SMS_REPLY_HELP", "Call 555."),
    ]);
    let body = invoke(&custom, &received("Incoming_c", "stop")).await;
    assert_eq!(
        binding(&body, "smsOutbox")[0]["message"],
        "Bye from Contoso."
    );
    let body = invoke(&custom, &received("Incoming_d", "help")).await;
    assert_eq!(binding(&body, "smsOutbox")[0]["message"], "Call 555.");

    let off = app(&[("SMS_KEYWORDS_ENABLED", "false")]);
    let body = invoke(&off, &received("Incoming_e", "STOP")).await;
    assert_eq!(bindings(&body), ["smsInbox", "smsMessages"]);

    let bad = App::new(&Settings::from_pairs([("SMS_KEYWORDS_ENABLED", "perhaps")]));
    assert!(bad
        .err()
        .unwrap()
        .to_string()
        .contains("SMS_KEYWORDS_ENABLED"));
}

#[test]
fn the_example_settings_document_the_defaults() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/local.settings.json.example");
    let example: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let values = example["Values"].as_object().unwrap();
    let pairs = values
        .iter()
        .filter(|(k, _)| k.starts_with("SMS_"))
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()));
    let from_example = SmsModule::from_settings(&Settings::from_pairs(pairs)).unwrap();
    assert_eq!(from_example, SmsModule::default());
    for name in [
        "SMS_KEYWORDS_ENABLED",
        "SMS_REPLY_OPT_OUT",
        "SMS_REPLY_OPT_IN",
        "SMS_REPLY_HELP",
        "SMS_SEND_MAX_ATTEMPTS",
        "SMS_SEND_RETRY_BUDGET_MS",
        "SMS_SEND_RETRY_DELAY_MS",
        "ACS_CONNECTION_STRING",
    ] {
        assert!(values.contains_key(name), "{name} is not documented");
    }
}

#[tokio::test]
async fn delivered_reports_are_recorded_without_an_alarm() {
    let app = app(&[]);
    for file in [
        "docs-sms__SMSDeliveryReportReceived.json",
        "docs2020__SMSDeliveryReportReceived.json",
    ] {
        let body = invoke(&app, &sample(file)).await;
        assert_eq!(bindings(&body), ["smsDeliveryReports"], "{file}");
        let row = &binding(&body, "smsDeliveryReports")[0];
        let id = "Outgoing_202009180022138813a09b-0cbf-4304-9b03-1546683bb910";
        assert_eq!(row["PartitionKey"], id);
        assert_eq!(row["RowKey"], "2020-09-18T00:22:20.2855749Z_Delivered");
        assert_eq!(row["Status"], "Delivered");
        assert_eq!(row["StatusDetails"], "No error.");
        assert_eq!(row["From"], "+15555555555");
        assert_eq!(row["To"], "+15555555555");
        assert_eq!(row["AttemptCount"], 1);
        assert_eq!(row["SegmentsSucceeded"], 1);
        assert_eq!(row["ReceivedAt"], "2020-09-18T00:22:20.2855749Z");
        let attempts: Value = serde_json::from_str(row["Attempts"].as_str().unwrap()).unwrap();
        assert_eq!(attempts[0]["segmentsSucceeded"], 1, "{file}");
        if file.starts_with("docs-sms") {
            assert_eq!(
                row["Tag"],
                "Optional customer-tag set in the original message"
            );
        } else {
            assert!(row.get("Tag").is_none());
        }
    }
}

#[tokio::test]
async fn a_failed_report_also_alerts_an_operator() {
    let event = report(
        "Outgoing_x",
        "Outgoing_x",
        "Failed",
        "2026-11-27T06:00:05.5Z",
    );
    let body = invoke(&app(&[]), &event).await;
    assert_eq!(
        bindings(&body),
        ["smsDeliveryFailures", "smsDeliveryReports"]
    );
    assert_eq!(binding(&body, "smsDeliveryReports")[0]["Status"], "Failed");
    assert_eq!(
        binding(&body, "smsDeliveryFailures")[0],
        json!({
            "messageId": "Outgoing_x", "to": THEIRS, "from": OURS, "status": "Failed",
            "details": "Carrier rejected the message.", "tag": "optOutConfirmation",
            "attempts": [{"timestamp": "2026-11-27T06:00:05.5Z", "segmentsSucceeded": 0, "segmentsFailed": 1}],
            "receivedTimestamp": "2026-11-27T06:00:05.5Z", "eventId": "Outgoing_x"
        })
    );
    // A status we do not know is not "delivered" either.
    let expired = report(
        "Outgoing_y",
        "Outgoing_y",
        "Expired",
        "2026-11-27T06:00:05Z",
    );
    let body = invoke(&app(&[]), &expired).await;
    assert_eq!(
        binding(&body, "smsDeliveryFailures")[0]["status"],
        "Expired"
    );
}

#[tokio::test]
async fn two_reports_for_one_message_get_two_rows_and_a_redelivery_one() {
    let app = app(&[]);
    // ACS gives both reports the message id as event id: the event id cannot tell them apart.
    let failed = report("Outgoing_z", "Outgoing_z", "Failed", "2026-11-27T06:00:05Z");
    let delivered = report(
        "Outgoing_z",
        "Outgoing_z",
        "Delivered",
        "2026-11-27T06:03:00Z",
    );
    let key = |body: &Value| binding(body, "smsDeliveryReports")[0]["RowKey"].clone();
    let partition = |body: &Value| binding(body, "smsDeliveryReports")[0]["PartitionKey"].clone();
    let first = invoke(&app, &failed).await;
    let second = invoke(&app, &delivered).await;
    assert_eq!(partition(&first), partition(&second));
    assert_ne!(key(&first), key(&second));
    assert_eq!(key(&first), "2026-11-27T06:00:05.0000000Z_Failed");
    let again = invoke(&app, &failed).await;
    assert_eq!(key(&again), key(&first));
    assert_eq!(again["Outputs"], first["Outputs"]);
}

#[tokio::test]
async fn sms_logs_name_no_number_and_no_text() {
    let app = app(&[]);
    for event in [
        received("Incoming_p", "STOP"),
        received("Incoming_q", "my secret plans"),
        report("Outgoing_p", "Outgoing_p", "Failed", "2026-11-27T06:00:05Z"),
    ] {
        let body = invoke(&app, &event).await;
        let logs = body["Logs"].to_string();
        for secret in ["4255550123", "8005550100", "my secret plans", "STOP"] {
            assert!(!logs.contains(secret), "{logs}");
        }
    }
}

#[tokio::test]
async fn short_codes_and_sender_ids_from_acs_are_canonical_addresses() {
    let app = app(&[]);
    // A STOP to our short code: its own history, and ACS's list is kept for it too.
    let mut stop = received("Incoming_sc", "STOP");
    stop["data"]["to"] = json!("262966");
    let body = invoke(&app, &stop).await;
    let row = &binding(&body, "smsOptOuts")[0];
    assert_eq!(row["PartitionKey"], format!("262966|{THEIRS}"));
    assert_eq!(binding(&body, "smsOutbox")[0]["from"], "262966");
    assert_eq!(binding(&body, "smsOptOutSync")[0]["from"], "262966");
    // A short code texting us is not a person on ACS's list: no sync request.
    let mut from_code = received("Incoming_sc2", "STOP");
    from_code["data"]["from"] = json!("72345");
    let body = invoke(&app, &from_code).await;
    assert_eq!(
        binding(&body, "smsOptOuts")[0]["PartitionKey"],
        format!("{OURS}|72345")
    );
    assert!(binding(&body, "smsOptOutSync").is_empty());
    // A report about a text we sent from a sender id.
    let mut report = report(
        "Outgoing_a",
        "Outgoing_a",
        "Delivered",
        "2026-11-27T06:00:00Z",
    );
    report["data"]["from"] = json!("CONTOSO");
    let body = invoke(&app, &report).await;
    assert_eq!(binding(&body, "smsDeliveryReports")[0]["From"], "CONTOSO");
    // A national-format number is not guessed: the event is dead-lettered, nothing is keyed by it.
    let mut national = received("Incoming_nf", "STOP");
    national["data"]["from"] = json!("(604) 555-0123");
    let body = invoke(&app, &national).await;
    assert_eq!(bindings(&body), ["deadLetter"]);
    let letter = &binding(&body, "deadLetter")[0];
    assert!(
        letter["error"].as_str().unwrap().contains("data.from"),
        "{letter}"
    );
}
