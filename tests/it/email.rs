//! The e-mail module through `App::invoke` (the path of a live `EventGridTrigger` invocation):
//! every delivery status, both timestamp spellings, redelivery, engagement, and the recipient
//! state under random arrival orders with duplicates, read back the way an application reads it
//! (a partition read with `take: 1`).

use acs_event_handler::app::App;
use acs_event_handler::settings::Settings;
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::harness::{
    event_grid_invocation, output_items, personal_values, sample_events, table_input, Handler,
    MemoryTables,
};
use crate::sms_sender::history_key;

const SENDER: &str = "DoNotReply@contoso.azurecomm.net";
const RECIPIENT: &str = "ann.lee@fabrikam.com";
const PARTITION: &str = "donotreply@contoso.azurecomm.net|ann.lee@fabrikam.com";

fn app() -> App {
    App::new(&Settings::default()).unwrap()
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
    serde_json::from_slice(&reply.body).unwrap()
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

fn sample(file: &str) -> Value {
    sample_events()
        .into_iter()
        .find(|(f, _)| f == file)
        .unwrap_or_else(|| panic!("no sample {file}"))
        .1
}

/// A delivery report for `recipient` (any spelling) in the service's current shape.
fn report(message_id: &str, recipient: &str, status: &str, attempted: &str) -> Value {
    json!({
        "id": message_id,
        "topic": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
        "subject": format!("sender/{SENDER}/message/{message_id}"),
        "eventType": "Microsoft.Communication.EmailDeliveryReportReceived",
        "eventTime": "2026-11-27T11:00:00Z",
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "data": {
            "sender": SENDER,
            "recipient": recipient,
            "internetMessageId": format!("<{message_id}@contoso.azurecomm.net>"),
            "messageId": message_id,
            "status": status,
            "deliveryStatusDetails": {"statusMessage": "550 5.1.1 <ann.lee@fabrikam.com>: unknown", "recipientMailServerHostName": "mx1.fabrikam.com"},
            "deliveryAttemptTimestamp": attempted
        }
    })
}

/// Every status, from the samples: which rows and messages it yields, and what the recipient
/// state says about the next send.
#[tokio::test]
async fn every_status_yields_its_rows_and_verdict() {
    let app = app();
    let cases = [
        (
            "docs-email__EmailDeliveryReportReceived.json",
            "Delivered",
            true,
            "delivered",
            None,
        ),
        (
            "generated__EmailDeliveryReportReceived__delivered-service.json",
            "Delivered",
            true,
            "delivered",
            None,
        ),
        (
            "generated__EmailDeliveryReportReceived__expanded.json",
            "Expanded",
            true,
            "expanded",
            None,
        ),
        (
            "generated__EmailDeliveryReportReceived__bounced.json",
            "Bounced",
            false,
            "hardBounce",
            Some("removeAddress"),
        ),
        (
            "generated__EmailDeliveryReportReceived__suppressed.json",
            "Suppressed",
            false,
            "suppressed",
            Some("doNotResend"),
        ),
        (
            "generated__EmailDeliveryReportReceived__filteredspam.json",
            "FilteredSpam",
            false,
            "spamFiltered",
            Some("reviewContentAndReputation"),
        ),
        (
            "generated__EmailDeliveryReportReceived__quarantined.json",
            "Quarantined",
            false,
            "quarantined",
            Some("reviewContentAndReputation"),
        ),
        (
            "generated__EmailDeliveryReportReceived__failed.json",
            "Failed",
            true,
            "failed",
            Some("retryLater"),
        ),
    ];
    for (file, status, deliverable, reason, action) in cases {
        let event = sample(file);
        let body = invoke(&app, &event).await;
        let mut expected = vec!["emailDeliveryReports", "emailRecipients"];
        if action.is_some() {
            expected.insert(0, "emailDeliveryFailures");
        }
        assert_eq!(bindings(&body), expected, "{file}");

        let data = &event["data"];
        let message_id = data["messageId"].as_str().unwrap();
        let sender = data["sender"].as_str().unwrap().to_ascii_lowercase();
        let recipient = data["recipient"].as_str().unwrap().to_ascii_lowercase();
        let report = &output_items(&body, "emailDeliveryReports")[0];
        assert_eq!(report["PartitionKey"], message_id, "{file}");
        assert_eq!(report["Status"], status, "{file}");
        assert_eq!(report["Reason"], reason, "{file}");
        assert_eq!(report["Deliverable"], deliverable, "{file}");
        assert_eq!(report["Recipient"], recipient.as_str(), "{file}");
        let row_key = report["RowKey"].as_str().unwrap();
        assert!(
            row_key.ends_with(&format!("Z_{status}_{recipient}")),
            "{file}: {row_key}"
        );

        let state = &output_items(&body, "emailRecipients")[0];
        assert_eq!(
            state["PartitionKey"],
            format!("{sender}|{recipient}"),
            "{file}"
        );
        assert_eq!(state["Deliverable"], deliverable, "{file}");
        assert_eq!(state["Reason"], reason, "{file}");
        assert_eq!(state["Status"], status, "{file}");
        assert_eq!(state["MessageId"], message_id, "{file}");
        assert_eq!(state["odata.etag"], "*");

        let failures = output_items(&body, "emailDeliveryFailures");
        match action {
            None => assert!(failures.is_empty(), "{file}"),
            Some(action) => {
                let failure = &failures[0];
                assert_eq!(failure["action"], action, "{file}");
                assert_eq!(failure["status"], status, "{file}");
                assert_eq!(failure["reason"], reason, "{file}");
                assert_eq!(failure["deliverable"], deliverable, "{file}");
                assert_eq!(failure["recipient"], recipient.as_str(), "{file}");
                assert_eq!(failure["messageId"], message_id, "{file}");
                assert_eq!(failure["eventId"], event["id"], "{file}");
                assert_eq!(
                    failure["statusMessage"], data["deliveryStatusDetails"]["statusMessage"],
                    "{file}"
                );
                assert_eq!(failure["attemptedAt"], report["AttemptedAt"], "{file}");
            }
        }
    }
    // An unknown status is kept, does not block the address, and asks a person to classify it.
    let body = invoke(
        &app,
        &report("m9", RECIPIENT, "Deferred", "2026-11-27T10:00:00Z"),
    )
    .await;
    let state = &output_items(&body, "emailRecipients")[0];
    assert_eq!(
        (&state["Status"], &state["Reason"], &state["Deliverable"]),
        (&json!("Deferred"), &json!("unknownStatus"), &json!(true))
    );
    assert_eq!(
        output_items(&body, "emailDeliveryFailures")[0]["action"],
        "classifyStatus"
    );
}

/// The full shape of one report's outputs, including a recipient spelled with capitals and
/// spaces, and what a redelivery gives (byte for byte the same reply).
#[tokio::test]
async fn a_report_in_full_and_its_redelivery() {
    let app = app();
    let event = report(
        "m1",
        " Ann.Lee@Fabrikam.COM ",
        "Bounced",
        "2026-11-27T10:00:01.5+01:00",
    );
    let body = invoke(&app, &event).await;
    assert_eq!(
        output_items(&body, "emailDeliveryReports")[0],
        json!({
            "PartitionKey": "m1", "RowKey": "2026-11-27T09:00:01.5000000Z_Bounced_ann.lee@fabrikam.com",
            "MessageId": "m1", "Sender": "donotreply@contoso.azurecomm.net", "Recipient": RECIPIENT,
            "Status": "Bounced", "Reason": "hardBounce", "Deliverable": false,
            "StatusMessage": "550 5.1.1 <ann.lee@fabrikam.com>: unknown",
            "RecipientMailServer": "mx1.fabrikam.com", "InternetMessageId": "<m1@contoso.azurecomm.net>",
            "AttemptedAt": "2026-11-27T09:00:01.5Z", "EventId": "m1", "odata.etag": "*"
        })
    );
    assert_eq!(
        output_items(&body, "emailRecipients")[0],
        json!({
            "PartitionKey": PARTITION,
            "RowKey": history_key("2026-11-27T09:00:01.5Z", "m1_Bounced"),
            "Sender": "donotreply@contoso.azurecomm.net", "Recipient": RECIPIENT,
            "Deliverable": false, "Reason": "hardBounce", "Status": "Bounced",
            "StatusMessage": "550 5.1.1 <ann.lee@fabrikam.com>: unknown",
            "MessageId": "m1", "AttemptedAt": "2026-11-27T09:00:01.5Z", "EventId": "m1", "odata.etag": "*"
        })
    );
    assert_eq!(
        output_items(&body, "emailDeliveryFailures")[0],
        json!({
            "messageId": "m1", "sender": "donotreply@contoso.azurecomm.net", "recipient": RECIPIENT,
            "status": "Bounced", "reason": "hardBounce", "deliverable": false, "action": "removeAddress",
            "statusMessage": "550 5.1.1 <ann.lee@fabrikam.com>: unknown",
            "recipientMailServer": "mx1.fabrikam.com", "internetMessageId": "<m1@contoso.azurecomm.net>",
            "attemptedAt": "2026-11-27T09:00:01.5Z", "eventId": "m1"
        })
    );

    let first = app
        .invoke("EventGridTrigger", &event_grid_invocation(&event))
        .await;
    let again = app
        .invoke("EventGridTrigger", &event_grid_invocation(&event))
        .await;
    assert_eq!(first.body, again.body, "a redelivery gives the same reply");
    for file in [
        "generated__EmailDeliveryReportReceived__quarantined.json",
        "generated__EmailEngagementTrackingReportReceived__click.json",
    ] {
        let event = sample(file);
        assert_eq!(
            invoke(&app, &event).await,
            invoke(&app, &event).await,
            "{file}"
        );
    }
}

/// The docs' `deliveryAttemptTimeStamp` and the service's `deliveryAttemptTimestamp`, with any
/// offset and number of digits, are one report; so are `userActionTimeStamp` and
/// `userActionTimestamp`.
#[tokio::test]
async fn both_timestamp_spellings_give_the_same_rows() {
    let app = app();
    let service = report(
        "m1",
        RECIPIENT,
        "delivered",
        "2026-11-27T10:00:01.500+01:00",
    );
    let mut docs = report("m1", RECIPIENT, "Delivered", "2026-11-27T09:00:01.5000000Z");
    let data = docs["data"].as_object_mut().unwrap();
    let time = data.remove("deliveryAttemptTimestamp").unwrap();
    data.insert("deliveryAttemptTimeStamp".into(), time);
    let (a, b) = (invoke(&app, &service).await, invoke(&app, &docs).await);
    assert_eq!(a["Outputs"], b["Outputs"]);
    assert_eq!(
        output_items(&a, "emailRecipients")[0]["AttemptedAt"],
        "2026-11-27T09:00:01.5Z"
    );

    let view = sample("docs-email__EmailEngagementTrackingReportReceived.json");
    let mut current = view.clone();
    let data = current["data"].as_object_mut().unwrap();
    data.remove("userActionTimeStamp");
    data.insert(
        "userActionTimestamp".into(),
        json!("2022-09-06T22:34:52.1303595Z"),
    );
    let (a, b) = (invoke(&app, &view).await, invoke(&app, &current).await);
    assert_eq!(a["Outputs"], b["Outputs"]);
}

#[tokio::test]
async fn views_and_clicks_become_engagement_rows() {
    let app = app();
    let body = invoke(
        &app,
        &sample("docs-email__EmailEngagementTrackingReportReceived.json"),
    )
    .await;
    assert_eq!(bindings(&body), ["emailEngagement"]);
    // The docs' view names no recipient and sends empty strings for "no link, no agent".
    assert_eq!(
        output_items(&body, "emailEngagement")[0],
        json!({
            "PartitionKey": "00000000-0000-0000-0000-000000000000",
            "RowKey": "2022-09-06T22:34:52.1303595Z_view",
            "MessageId": "00000000-0000-0000-0000-000000000000", "Type": "view",
            "ActionAt": "2022-09-06T22:34:52.1303595Z", "Sender": "senderid@azure.com",
            "EventId": "00000000-0000-0000-0000-000000000000", "odata.etag": "*"
        })
    );

    let click = sample("generated__EmailEngagementTrackingReportReceived__click.json");
    let body = invoke(&app, &click).await;
    assert_eq!(bindings(&body), ["emailEngagement"]);
    let row = &output_items(&body, "emailEngagement")[0];
    assert_eq!(row["PartitionKey"], click["data"]["messageId"]);
    assert_eq!(
        row["RowKey"],
        "2026-01-15T12:20:31.4411002Z_click_ann.lee@fabrikam.com"
    );
    assert_eq!(row["Type"], "click");
    assert_eq!(row["EngagementContext"], click["data"]["engagementContext"]);
    assert_eq!(row["UserAgent"], click["data"]["userAgent"]);
    assert_eq!(row["Recipient"], RECIPIENT);
    assert_eq!(row["ActionAt"], "2026-01-15T12:20:31.4411002Z");

    // A view and a click at the same instant are two rows; the view's link is not recorded.
    let mut view = click.clone();
    view["data"]["engagementType"] = json!("View");
    view["data"]["engagementContext"] = json!("");
    let view_row = &output_items(&invoke(&app, &view).await, "emailEngagement")[0];
    assert_ne!(view_row["RowKey"], row["RowKey"]);
    assert_eq!(view_row["Type"], "view");
    assert!(view_row.get("EngagementContext").is_none());
}

/// Reports that cannot be keyed are dead-lettered with the field's name, never lost and never
/// quoting the address.
#[tokio::test]
async fn unkeyable_reports_are_dead_lettered_without_their_addresses() {
    let app = app();
    let mut no_id = report("m1", RECIPIENT, "Bounced", "2026-11-27T10:00:00Z");
    no_id["data"].as_object_mut().unwrap().remove("messageId");
    let not_an_address = report(
        "m1",
        "ann.lee.fabrikam.com",
        "Bounced",
        "2026-11-27T10:00:00Z",
    );
    let mut piped_sender = report("m1", RECIPIENT, "Bounced", "2026-11-27T10:00:00Z");
    piped_sender["data"]["sender"] = json!("no|reply@contoso.com");
    let mut no_time = sample("generated__EmailEngagementTrackingReportReceived__click.json");
    no_time["data"]
        .as_object_mut()
        .unwrap()
        .remove("userActionTimestamp");
    for (event, field) in [
        (no_id, "data.messageId"),
        (not_an_address, "data.recipient"),
        (piped_sender, "data.sender"),
        (no_time, "data.userActionTimestamp"),
    ] {
        let body = invoke(&app, &event).await;
        assert_eq!(bindings(&body), ["deadLetter"], "{field}");
        let letter = &output_items(&body, "deadLetter")[0];
        let error = letter["error"].as_str().unwrap();
        assert!(error.contains(field), "{error}");
        let logs = body["Logs"].to_string();
        for secret in ["ann.lee", "no|reply", "fabrikam", "orders/12345"] {
            assert!(
                !error.contains(secret) && !logs.contains(secret),
                "{error} {logs}"
            );
        }
    }
}

/// Addresses and links reach neither `Logs` nor the process output at `trace`, on the success
/// path and the dead-letter path (the samples test covers the samples at `debug`).
#[test]
fn no_address_or_link_in_logs_at_trace() {
    let click = sample("generated__EmailEngagementTrackingReportReceived__click.json");
    let mut bad_click = click.clone();
    bad_click["data"]["recipient"] = json!(14255550199_u64);
    let mut bad_status = report("m1", RECIPIENT, "Bounced", "2026-11-27T10:00:00Z");
    bad_status["data"]["status"] = json!({"ann.lee@fabrikam.com": 1});
    let events = [
        report("m1", RECIPIENT, "Bounced", "2026-11-27T10:00:00Z"),
        report(
            "m2",
            "Ann.Lee@Fabrikam.com",
            "Quarantined",
            "2026-11-27T10:00:00Z",
        ),
        click,
        bad_click,
        bad_status,
    ];
    let handler = Handler::start(&[("RUST_LOG", "trace")]);
    let mut conn = handler.connect();
    let mut secrets = Vec::new();
    for event in &events {
        let values = personal_values(event);
        let reply = conn.invoke("EventGridTrigger", &event_grid_invocation(event));
        assert_eq!(reply.status, 200);
        let logs = reply.json()["Logs"].to_string();
        for secret in &values {
            assert!(
                !logs.contains(secret.as_str()),
                "Logs leak {secret:?}: {logs}"
            );
        }
        secrets.extend(values);
    }
    for expected in [
        RECIPIENT,
        "https://www.contoso.com/orders/12345?utm_source=email",
    ] {
        assert!(secrets.iter().any(|s| s == expected), "{secrets:?}");
    }
    let (_, output) = handler.terminate();
    for secret in secrets
        .iter()
        .chain(&["ann.lee".to_owned(), "Ann.Lee".to_owned()])
    {
        assert!(
            !output.contains(secret.as_str()),
            "process output leaks {secret:?}"
        );
    }
}

/// The statuses a report may have, in the casings the service and docs use.
const STATUSES: &[&str] = &[
    "Delivered",
    "delivered",
    "Expanded",
    "Bounced",
    "Suppressed",
    "FilteredSpam",
    "Quarantined",
    "Failed",
];

/// One report about our recipient: its status, when delivery was attempted (few values, so
/// that ties happen), its message id, and how the recipient's address is spelled.
#[derive(Debug, Clone)]
struct Report {
    status: usize,
    second: u32,
    id: String,
    spelling: usize,
}

impl Report {
    fn attempted(&self) -> String {
        format!("2026-11-27T10:00:{:02}.2500000Z", self.second)
    }

    fn status(&self) -> String {
        let status = STATUSES[self.status];
        // Canonical as written: `delivered` is stored as `Delivered`.
        let mut chars = status.chars();
        chars
            .next()
            .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
            .unwrap_or_default()
    }

    fn event(&self) -> Value {
        let recipient = [RECIPIENT, "Ann.Lee@Fabrikam.com", " ANN.LEE@FABRIKAM.COM"][self.spelling];
        // Half in the docs' spelling, with an offset, so spellings mix within one history.
        let mut event = report(
            &self.id,
            recipient,
            STATUSES[self.status],
            &self.attempted(),
        );
        if self.second % 2 == 1 {
            let data = event["data"].as_object_mut().unwrap();
            data.remove("deliveryAttemptTimestamp");
            data.insert(
                "deliveryAttemptTimeStamp".into(),
                json!(format!("2026-11-27T11:00:{:02}.25+01:00", self.second)),
            );
        }
        event
    }
}

/// The state the attempt times say: the report with the latest attempt; at equal times the
/// smaller `{messageId}_{status}` (the documented tie rule).
fn expected_status(reports: &[Report]) -> String {
    reports
        .iter()
        .min_by_key(|r| history_key(&r.attempted(), &format!("{}_{}", r.id, r.status())))
        .map(Report::status)
        .unwrap()
}

fn reports() -> impl Strategy<Value = Vec<Report>> {
    prop::collection::vec((0..STATUSES.len(), 0u32..6, 0usize..3), 1..8).prop_map(|items| {
        items
            .into_iter()
            .enumerate()
            .map(|(n, (status, second, spelling))| Report {
                status,
                second,
                // Ids whose order disagrees with their position, so ties test the id rule.
                id: format!("m{}", (n * 7) % 10),
                spelling,
            })
            .collect()
    })
}

/// Every report delivered 1–3 times, shuffled by `order`; rows written as the extension writes
/// them; then the application's read: the partition with `take: 1`.
async fn current_state(reports: &[Report], copies: &[usize], order: &[usize]) -> Vec<Value> {
    let app = app();
    let mut deliveries: Vec<(usize, usize)> = reports
        .iter()
        .enumerate()
        .flat_map(|(i, _)| (0..=copies[i % copies.len()]).map(move |c| (i, c)))
        .enumerate()
        .map(|(n, (i, _))| (order[n % order.len()] * 1000 + n, i))
        .collect();
    deliveries.sort();
    let mut tables = MemoryTables::default();
    for (_, i) in deliveries {
        let body = invoke(&app, &reports[i].event()).await;
        tables.write_reply("EventGridTrigger", &body);
    }
    let read = table_input(tables.partition("EmailRecipients", PARTITION), 1);
    serde_json::from_str(read.as_str().unwrap()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_latest_attempt_decides_the_recipient_state_whatever_the_delivery(
        reports in reports(),
        copies in prop::collection::vec(0usize..3, 1..8),
        order in prop::collection::vec(0usize..50, 1..24),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let rows = runtime.block_on(current_state(&reports, &copies, &order));
        prop_assert_eq!(rows.len(), 1);
        let expected = expected_status(&reports);
        prop_assert_eq!(rows[0]["Status"].as_str(), Some(expected.as_str()));
        let blocked = ["Bounced", "Suppressed", "FilteredSpam", "Quarantined"].contains(&expected.as_str());
        prop_assert_eq!(&rows[0]["Deliverable"], &json!(!blocked));
    }
}

/// The scenario by hand: a bounce at 10:00, a delivery at 10:05, then the bounce
/// redelivered: the address stays deliverable. And the reverse order of the same facts.
#[tokio::test]
async fn a_redelivered_old_bounce_does_not_block_a_good_address() {
    let bounce = Report {
        status: 3,
        second: 0,
        id: "m1".into(),
        spelling: 0,
    };
    let delivered = Report {
        status: 0,
        second: 5,
        id: "m2".into(),
        spelling: 1,
    };
    let reports = [bounce, delivered];
    // Deliveries: bounce, delivery, bounce again.
    let rows = current_state(&reports, &[1, 0], &[0, 2, 1]).await;
    assert_eq!(rows[0]["Status"], "Delivered");
    assert_eq!(rows[0]["Deliverable"], true);
    let rows = current_state(&reports, &[0, 1], &[2, 0, 1]).await;
    assert_eq!(rows[0]["Status"], "Delivered");
}
