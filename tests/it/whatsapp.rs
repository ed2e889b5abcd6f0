//! The WhatsApp module through `App::invoke` (the path of a live `EventGridTrigger`
//! invocation): every kind of inbound message, a BSUID-only sender, keywords, replies on the
//! outbox, delivery statuses in any order with redelivery.

use acs_event_handler::app::App;
use acs_event_handler::settings::Settings;
use serde_json::{json, Value};

use crate::harness::{as_stored, event_grid_invocation, output_items, sample_events, MemoryTables};
use crate::sms_sender::history_key;

const CHANNEL: &str = "0f0eb78e-a576-1dfc-b414-0f0756de3338";
const BSUID: &str = "US.13491208655302741918";

fn app(settings: &[(&str, &str)]) -> App {
    App::new(&Settings::from_pairs(settings.iter().copied())).unwrap()
}

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

fn only(body: &Value, binding: &str) -> Value {
    let items = output_items(body, binding);
    assert_eq!(items.len(), 1, "{binding}: {body}");
    items[0].clone()
}

/// A text from a user with a phone number and a BSUID, received `received`.
fn text(id: &str, content: &str, received: &str) -> Value {
    json!({
        "id": format!("evt-{id}"),
        "topic": "/subscriptions/s/resourcegroups/g/providers/microsoft.communication/communicationservices/acs",
        "subject": format!("advancedMessage/sender/14255550123/recipient/{CHANNEL}"),
        "eventType": "Microsoft.Communication.AdvancedMessageReceived",
        "eventTime": received,
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "data": {
            "content": content, "channelType": "whatsapp", "messageType": "text",
            "messageId": id, "from": "14255550123", "fromBSUID": BSUID, "to": CHANNEL,
            "receivedTimeStamp": received
        }
    })
}

fn status(event_id: &str, status: &str, received: &str) -> Value {
    let mut data = json!({
        "messageId": "out-1", "status": status, "channelType": "whatsapp",
        "from": CHANNEL, "to": "14255550123", "receivedTimeStamp": received
    });
    if status.eq_ignore_ascii_case("failed") || status == "warning" {
        data["error"] = json!({"channelCode": "131047", "channelMessage": "Re-engagement message"});
    }
    json!({
        "id": event_id,
        "topic": "/subscriptions/s",
        "subject": format!("advancedMessage/out-1/status/{status}"),
        "eventType": "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated",
        "eventTime": received,
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "data": data
    })
}

#[tokio::test]
async fn a_text_is_stored_and_passed_to_the_inbox() {
    let body = invoke(
        &app(&[]),
        &sample("docs-advmsg__AdvancedMessageReceived__text.json"),
    )
    .await;
    assert_eq!(bindings(&body), ["waInbox", "waMessages"]);
    let row = only(&body, "waMessages");
    assert_eq!(row["PartitionKey"], "{channel-id}");
    // No `messageId` in the docs sample: the event id keys the row.
    assert_eq!(row["RowKey"], "00000000-0000-0000-0000-000000000000");
    assert_eq!(row["MessageType"], "text");
    assert_eq!(row["Content"], "Hello");
    assert_eq!(row["Direction"], "inbound");
    assert_eq!(row["ChannelType"], "whatsapp");
    assert_eq!(row["ReceivedAt"], "2023-07-06T18:30:19Z");
    assert_eq!(row["From"], "{sender@id}");
    let inbox = only(&body, "waInbox");
    assert_eq!(inbox["content"], "Hello");
    assert_eq!(inbox["messageType"], "text");
    assert_eq!(inbox["to"], "{channel-id}");
    assert_eq!(inbox["receivedTimestamp"], "2023-07-06T18:30:19Z");
}

#[tokio::test]
async fn media_is_stored_as_metadata() {
    let app = app(&[]);
    let body = invoke(
        &app,
        &sample("docs-advmsg__AdvancedMessageReceived__image.json"),
    )
    .await;
    let row = only(&body, "waMessages");
    assert_eq!(row["MessageType"], "image");
    assert_eq!(row["MediaId"], "00000000-0000-0000-0000-000000000000");
    assert_eq!(row["MediaMimeType"], "image/jpeg");
    assert_eq!(row["MediaCaption"], "This is a media caption");
    let inbox = only(&body, "waInbox");
    assert_eq!(inbox["media"]["mimeType"], "image/jpeg");
    assert_eq!(inbox["media"]["caption"], "This is a media caption");

    let body = invoke(
        &app,
        &sample("docs-advmsg__AdvancedMessageReceived__document.json"),
    )
    .await;
    let row = only(&body, "waMessages");
    assert_eq!(row["MediaMimeType"], "application/pdf");
    assert!(row["MediaFileName"].as_str().unwrap().ends_with(".pdf"));
    assert_eq!(
        row["From"], "+14254360097",
        "a phone number is keyed canonically"
    );
    assert_eq!(row["FromPhone"], "+14254360097");

    let body = invoke(
        &app,
        &sample("docs-advmsg__AdvancedMessageReceived__sticker.json"),
    )
    .await;
    assert_eq!(only(&body, "waMessages")["MediaAnimated"], false);
}

#[tokio::test]
async fn reactions_buttons_and_list_replies_keep_what_they_answer() {
    let app = app(&[]);
    let body = invoke(
        &app,
        &sample("docs-advmsg__AdvancedMessageReceived__reaction.json"),
    )
    .await;
    let row = only(&body, "waMessages");
    assert_eq!(row["MessageType"], "reaction");
    assert_eq!(row["ReactionMessageId"], "{reply-message-id}");
    assert_eq!(row["ReactionEmoji"], "👍");
    assert_eq!(only(&body, "waInbox")["reaction"]["emoji"], "👍");

    let body = invoke(
        &app,
        &sample("docs-advmsg__AdvancedMessageReceived__button.json"),
    )
    .await;
    let row = only(&body, "waMessages");
    assert_eq!(row["MessageType"], "button");
    assert_eq!(row["ButtonText"], "Yes");
    assert_eq!(row["ButtonPayload"], "Kat said yes");
    assert_eq!(row["ContextMessageId"], "{reply-message-id}");
    // "Yes" is an opt-in word in a text, but a template button is not the user's own text.
    assert_eq!(bindings(&body), ["waInbox", "waMessages"]);

    let body = invoke(
        &app,
        &sample("docs-advmsg__AdvancedMessageReceived__buttonReply.json"),
    )
    .await;
    let row = only(&body, "waMessages");
    assert_eq!(row["MessageType"], "interactive");
    assert_eq!(row["InteractiveType"], "buttonReply");
    assert_eq!(row["ReplyId"], "agree");
    assert_eq!(row["ReplyTitle"], "Agree");
    assert_eq!(
        only(&body, "waInbox")["interactive"]["buttonReply"]["id"],
        "agree"
    );

    let body = invoke(
        &app,
        &sample("docs-advmsg__AdvancedMessageReceived__listReply.json"),
    )
    .await;
    let row = only(&body, "waMessages");
    assert_eq!(row["InteractiveType"], "listReply");
    assert_eq!(row["ReplyId"], "priority_mail");
    assert_eq!(row["ReplyTitle"], "Priority Mail");
    assert_eq!(row["ReplyDescription"], "1–3 Days");
    assert_eq!(row["ContextMessageId"], "{reply-message-id}");
}

#[tokio::test]
async fn a_bsuid_only_sender_is_keyed_by_the_bsuid() {
    let app = app(&[]);
    let body = invoke(
        &app,
        &sample("generated__AdvancedMessageReceived__bsuid.json"),
    )
    .await;
    let row = only(&body, "waMessages");
    assert_eq!(row["PartitionKey"], CHANNEL);
    assert_eq!(row["From"], BSUID);
    assert_eq!(row["Bsuid"], BSUID);
    assert!(row.get("FromPhone").is_none(), "{row}");
    assert_eq!(
        row["ReceivedAt"], "2026-04-02T09:15:04Z",
        "receivedTimeStamp (capital S)"
    );
    let inbox = only(&body, "waInbox");
    assert_eq!(inbox["from"], BSUID);
    assert_eq!(inbox["fromBsuid"], BSUID);

    // `from` null, no `fromBSUID`: the subject's BSUID.
    let mut event = sample("generated__AdvancedMessageReceived__bsuid.json");
    event["data"]["from"] = Value::Null;
    event["data"].as_object_mut().unwrap().remove("fromBSUID");
    assert_eq!(
        only(&invoke(&app, &event).await, "waMessages")["From"],
        BSUID
    );

    // Nothing at all identifies the sender: dead-lettered, naming the fields only.
    event["subject"] = json!(format!("advancedMessage/sender//recipient/{CHANNEL}"));
    let body = invoke(&app, &event).await;
    assert_eq!(bindings(&body), ["deadLetter"]);
    let letter = only(&body, "deadLetter");
    assert!(
        letter["error"]
            .as_str()
            .unwrap()
            .contains("`data.fromBSUID`"),
        "{letter}"
    );

    // A delivery status to a BSUID-only recipient.
    let body = invoke(
        &app,
        &sample("generated__AdvancedMessageDeliveryStatusUpdated__read-bsuid.json"),
    )
    .await;
    let row = only(&body, "waDeliveryReports");
    assert_eq!(row["To"], BSUID);
    assert_eq!(row["Status"], "read");
    assert_eq!(bindings(&body), ["waDeliveryReports"]);
}

#[tokio::test]
async fn keywords_record_the_history_and_queue_a_reply_in_the_window() {
    let app = app(&[]);
    let received = "2026-11-27T10:00:00.5000000Z";
    let body = invoke(&app, &text("wamid.stop", " Stop! ", received)).await;
    assert_eq!(bindings(&body), ["waMessages", "waOptOuts", "waOutbox"]);
    let history = only(&body, "waOptOuts");
    assert_eq!(history["PartitionKey"], format!("{CHANNEL}|+14255550123"));
    assert_eq!(history["RowKey"], history_key(received, "wamid.stop"));
    assert_eq!(history["OptedOut"], true);
    assert_eq!(history["Keyword"], "STOP");
    assert_eq!(history["Bsuid"], BSUID);
    let reply = only(&body, "waOutbox");
    assert_eq!(reply["from"], CHANNEL);
    assert_eq!(reply["to"], "+14255550123");
    assert_eq!(reply["kind"], "optOutConfirmation");
    assert_eq!(reply["inReplyTo"], "wamid.stop");
    assert_eq!(reply["inReplyToReceivedAt"], "2026-11-27T10:00:00.5Z");
    assert_eq!(
        reply["message"],
        "You are unsubscribed. Reply START to resubscribe."
    );
    assert!(uuid::Uuid::parse_str(reply["repeatabilityRequestId"].as_str().unwrap()).is_ok());

    let body = invoke(&app, &text("wamid.start", "start", received)).await;
    assert_eq!(only(&body, "waOptOuts")["OptedOut"], false);
    assert_eq!(only(&body, "waOutbox")["kind"], "optInConfirmation");
    let body = invoke(&app, &text("wamid.help", "HELP?", received)).await;
    assert_eq!(
        bindings(&body),
        ["waMessages", "waOutbox"],
        "HELP changes no state"
    );
    assert_eq!(
        only(&body, "waOutbox")["message"],
        "Reply STOP to unsubscribe, START to resubscribe."
    );
    let body = invoke(&app, &text("wamid.x", "stop by tomorrow", received)).await;
    assert_eq!(bindings(&body), ["waInbox", "waMessages"]);

    // Settings: the WhatsApp channel's own, the SMS pattern.
    let custom = self::app(&[
        ("WHATSAPP_REPLY_HELP", "Write to help@contoso.com"),
        ("WHATSAPP_OPT_OUT_KEYWORDS", "baja"),
    ]);
    let body = invoke(&custom, &text("wamid.h2", "help", received)).await;
    assert_eq!(
        only(&body, "waOutbox")["message"],
        "Write to help@contoso.com"
    );
    let body = invoke(&custom, &text("wamid.b", "Baja", received)).await;
    assert_eq!(only(&body, "waOptOuts")["OptedOut"], true);
    let off = self::app(&[("WHATSAPP_KEYWORDS_ENABLED", "false")]);
    let body = invoke(&off, &text("wamid.s2", "STOP", received)).await;
    assert_eq!(bindings(&body), ["waInbox", "waMessages"]);
    // SMS keyword settings do not change WhatsApp.
    let sms_off = self::app(&[("SMS_KEYWORDS_ENABLED", "false")]);
    let body = invoke(&sms_off, &text("wamid.s3", "STOP", received)).await;
    assert!(bindings(&body).contains(&"waOptOuts".to_owned()));
}

#[tokio::test]
async fn a_redelivered_event_gives_identical_outputs() {
    let app = app(&[]);
    let mut checked = 0;
    for (file, event) in sample_events() {
        if !file.contains("AdvancedMessage") {
            continue;
        }
        let first = invoke(&app, &event).await;
        let again = invoke(&app, &event).await;
        assert_eq!(first["Outputs"], again["Outputs"], "{file}");
        checked += 1;
    }
    assert!(checked >= 12, "{checked}");
    let stop = text("wamid.stop", "STOP", "2026-11-27T10:00:00Z");
    assert_eq!(invoke(&app, &stop).await, invoke(&app, &stop).await);
}

#[tokio::test]
async fn delivery_statuses_in_any_order_with_redelivery_keep_one_row_each() {
    let app = app(&[]);
    let statuses = [
        status("e-sent", "Sent", "2026-11-27T10:00:01Z"),
        status("e-delivered", "delivered", "2026-11-27T10:00:03Z"),
        status("e-read", "read", "2026-11-27T10:01:00Z"),
        status("e-failed", "Failed", "2026-11-27T10:00:02Z"),
        status("e-warning", "warning", "2026-11-27T10:00:04Z"),
    ];
    let orders: [&[usize]; 3] = [
        &[0, 1, 2, 3, 4],
        &[2, 4, 3, 1, 0, 2, 3],
        &[3, 3, 1, 0, 4, 2, 1, 0],
    ];
    let mut results = Vec::new();
    for order in orders {
        let mut tables = MemoryTables::default();
        let mut failures = Vec::new();
        for &i in order {
            let reply = app
                .invoke("EventGridTrigger", &event_grid_invocation(&statuses[i]))
                .await;
            let body: Value = serde_json::from_slice(&reply.body).unwrap();
            tables.write_reply("EventGridTrigger", &body);
            failures.extend(output_items(&body, "waDeliveryFailures"));
        }
        let rows: Vec<Value> = tables
            .partition("WhatsAppDeliveryReports", "out-1")
            .into_iter()
            .cloned()
            .collect();
        let keys: Vec<&str> = rows.iter().map(|r| r["RowKey"].as_str().unwrap()).collect();
        // Every order holds every status at least once: five rows, one per status.
        assert_eq!(
            keys,
            [
                "2026-11-27T10:00:01.0000000Z_sent",
                "2026-11-27T10:00:02.0000000Z_failed",
                "2026-11-27T10:00:03.0000000Z_delivered",
                "2026-11-27T10:00:04.0000000Z_warning",
                "2026-11-27T10:01:00.0000000Z_read",
            ]
        );
        assert_eq!(rows.len(), 5, "{keys:?}");
        for failure in &failures {
            assert!(["failed", "warning"].contains(&failure["status"].as_str().unwrap()));
            assert_eq!(failure["channelCode"], "131047");
            assert_eq!(failure["channelMessage"], "Re-engagement message");
            assert_eq!(failure["messageId"], "out-1");
            assert_eq!(failure["to"], "+14255550123");
        }
        assert_eq!(
            failures.len(),
            order.iter().filter(|&&i| i == 3 || i == 4).count()
        );
        results.push(rows);
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[1], results[2]);

    // A status that names no message cannot be joined: dead-lettered.
    let mut orphan = status("e-x", "sent", "2026-11-27T10:00:01Z");
    orphan["data"].as_object_mut().unwrap().remove("messageId");
    let body = invoke(&app, &orphan).await;
    assert_eq!(bindings(&body), ["deadLetter"]);
}

#[tokio::test]
async fn whatsapp_logs_name_no_number_bsuid_or_text() {
    let app = app(&[]);
    for event in [
        text("wamid.stop", "STOP", "2026-11-27T10:00:00Z"),
        sample("generated__AdvancedMessageReceived__bsuid.json"),
    ] {
        let body = invoke(&app, &event).await;
        let logs = body["Logs"].to_string();
        assert!(logs.contains("whatsapp"), "{logs}");
        for secret in ["4255550123", BSUID, "STOP", "order ready"] {
            assert!(!logs.contains(secret), "{secret}: {logs}");
        }
    }
}

#[test]
fn the_example_settings_document_the_whatsapp_defaults() {
    use acs_event_handler::handlers::whatsapp::WhatsAppModule;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/local.settings.json.example");
    let example: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let values = example["Values"].as_object().unwrap();
    let pairs = values
        .iter()
        .filter(|(k, _)| k.starts_with("WHATSAPP_"))
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()));
    let from_example = WhatsAppModule::from_settings(&Settings::from_pairs(pairs)).unwrap();
    assert_eq!(from_example, WhatsAppModule::default());
    for name in [
        "WHATSAPP_KEYWORDS_ENABLED",
        "WHATSAPP_REPLY_OPT_OUT",
        "WHATSAPP_REPLY_OPT_IN",
        "WHATSAPP_REPLY_HELP",
        "WHATSAPP_OPT_OUT_KEYWORDS",
    ] {
        assert!(values.contains_key(name), "{name} is not documented");
    }
}
