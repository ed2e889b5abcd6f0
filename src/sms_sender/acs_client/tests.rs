use super::*;
use crate::settings::names::ACS_CONNECTION_STRING;
use crate::settings::Settings;
use azure_core::credentials::Secret;
use azure_core::http::headers::{HeaderName, Headers};
use uuid::Uuid;

/// The test vector of `acs-sms-api.md`, computed with the official Python SDK's policy.
const KEY: &str = "YWNzLWV2ZW50LWhhbmRsZXItdGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZg==";
const BODY: &str = r#"{"from":"+18005550100","smsRecipients":[{"to":"+14255550123","repeatabilityRequestId":"5f2e6b4a-8d3c-4e1f-9a7b-2c6d8e0f1a3b","repeatabilityFirstSent":"Fri, 27 Nov 2026 05:59:58 GMT"}],"message":"You are unsubscribed. Reply START to resubscribe.","smsSendOptions":{"enableDeliveryReport":true,"tag":"optOutConfirmation"}}"#;

#[test]
fn signing_reproduces_the_test_vector() {
    let signed = sign(
        &Secret::new(KEY),
        "POST",
        "/sms?api-version=2021-03-07",
        "contoso-acs.communication.azure.com",
        "Fri, 27 Nov 2026 06:00:00 GMT",
        BODY.as_bytes(),
    )
    .unwrap();
    assert_eq!(
        signed.content_sha256,
        "t2cQw+l0vOta9/hCpZepwAiG6ltRSS/u5FDrPq6FuJw="
    );
    assert_eq!(
        signed.authorization,
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=CD9dnFMSwsNKc522+T8uCmLkEOFWjHjQQFw4Sz3/O7M="
    );
    assert_eq!(signed.date, "Fri, 27 Nov 2026 06:00:00 GMT");
}

#[test]
fn request_body_is_the_test_vector_body() {
    let first_sent = time::macros::datetime!(2026-11-27 05:59:58 UTC);
    let send = SmsSend {
        from: "+18005550100",
        to: "+14255550123",
        message: "You are unsubscribed. Reply START to resubscribe.",
        repeatability_request_id: Uuid::parse_str("5f2e6b4a-8d3c-4e1f-9a7b-2c6d8e0f1a3b").unwrap(),
        first_sent,
        tag: Some("optOutConfirmation"),
    };
    assert_eq!(
        String::from_utf8(request_body(&send).unwrap()).unwrap(),
        BODY
    );
    // RFC 1123 in GMT whatever the offset.
    let shifted = first_sent.to_offset(time::macros::offset!(+2));
    assert_eq!(http_date(shifted), "Fri, 27 Nov 2026 05:59:58 GMT");
}

#[test]
fn connection_strings_in_any_order_and_case() {
    for text in [
        format!("endpoint=https://contoso.communication.azure.com/;accesskey={KEY}"),
        format!("AccessKey={KEY};Endpoint=https://contoso.communication.azure.com/"),
        format!(" ENDPOINT = https://contoso.communication.azure.com ; accesskey={KEY} ;"),
    ] {
        let parsed = ConnectionString::parse(&text).unwrap();
        assert_eq!(
            parsed.sms_url().as_str(),
            "https://contoso.communication.azure.com/sms?api-version=2021-03-07"
        );
        assert_eq!(parsed.access_key.secret(), KEY);
    }
    let local =
        ConnectionString::parse(&format!("endpoint=http://127.0.0.1:8080/;accesskey={KEY}"))
            .unwrap();
    assert_eq!(host_header(&local.sms_url()), "127.0.0.1:8080");
    assert_eq!(
        host_header(&Url::parse("https://contoso.communication.azure.com:443/sms").unwrap()),
        "contoso.communication.azure.com"
    );
}

#[test]
fn bad_connection_strings_say_why_without_the_key() {
    let cases = [
        ("", ConnectionStringError::NoEndpoint),
        (
            "endpoint=https://a.communication.azure.com/",
            ConnectionStringError::NoAccessKey,
        ),
        ("accesskey=c2VjcmV0", ConnectionStringError::NoEndpoint),
        (
            "endpoint=https://a/;accesskey=not base64!",
            ConnectionStringError::KeyNotBase64,
        ),
        (
            "endpoint=https://a/;accesskey=",
            ConnectionStringError::EmptyKey,
        ),
        (
            "endpoint=http://contoso.example/;accesskey=c2VjcmV0",
            ConnectionStringError::InsecureEndpoint,
        ),
        (
            "endpoint=https://a/;endpoint=https://b/;accesskey=c2VjcmV0",
            ConnectionStringError::Duplicate("endpoint"),
        ),
        (
            "endpoint=https://a/;c2VjcmV0",
            ConnectionStringError::NotNameValue(2),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(
            ConnectionString::parse(text).unwrap_err(),
            expected,
            "{text}"
        );
    }
    assert!(matches!(
        ConnectionString::parse("endpoint=contoso;accesskey=c2VjcmV0"),
        Err(ConnectionStringError::BadEndpoint(_))
    ));

    let missing = ConnectionString::from_settings(&Settings::default()).unwrap_err();
    assert_eq!(missing.name, ACS_CONNECTION_STRING);
    assert!(missing.to_string().contains("is not set"), "{missing}");
    let secret = "c2VjcmV0LWtleQ==";
    let bad = Settings::from_pairs([(
        ACS_CONNECTION_STRING,
        format!("endpoint=http://contoso.example/;accesskey={secret}"),
    )]);
    let err = ConnectionString::from_settings(&bad)
        .unwrap_err()
        .to_string();
    assert!(!err.contains(secret), "{err}");
    let parsed =
        ConnectionString::parse(&format!("endpoint=https://a/;accesskey={secret}")).unwrap();
    assert!(!format!("{parsed:?}").contains(secret));
}

#[test]
fn verdicts_per_status() {
    let ok = br#"{"value":[{"to":"+14255550123","messageId":"Outgoing_1","httpStatusCode":202,"repeatabilityResult":"accepted","successful":true}]}"#;
    assert_eq!(
        judge(202, None, ok, 1),
        Verdict::Done(SendOutcome::Accepted {
            message_id: Some("Outgoing_1".into()),
            repeatability_result: Some("accepted".into()),
            http_status: 202,
            attempts: 1
        })
    );
    let bad_recipient = br#"{"value":[{"to":"x","httpStatusCode":400,"successful":false,"errorMessage":"Invalid To phone number format."}]}"#;
    assert!(matches!(
        judge(202, None, bad_recipient, 2),
        Verdict::Done(SendOutcome::Rejected {
            http_status: 400,
            attempts: 2,
            ..
        })
    ));
    let throttled_recipient = br#"{"value":[{"to":"x","httpStatusCode":429,"successful":false}]}"#;
    assert!(matches!(
        judge(202, None, throttled_recipient, 1),
        Verdict::Retry { .. }
    ));
    let bad = br#"{"error":{"code":"BadRequest","message":"Invalid From."}}"#;
    assert_eq!(
        judge(400, None, bad, 1),
        Verdict::Done(SendOutcome::Rejected {
            http_status: 400,
            error: "BadRequest: Invalid From.".into(),
            attempts: 1
        })
    );
    assert_eq!(
        judge(401, None, b"", 1),
        Verdict::Fail(SendError::Unauthorized { status: 401 })
    );
    assert_eq!(
        judge(403, None, b"", 1),
        Verdict::Fail(SendError::Unauthorized { status: 403 })
    );
    for status in [408, 429, 500, 502, 503, 504] {
        assert!(
            matches!(judge(status, None, b"", 1), Verdict::Retry { .. }),
            "{status}"
        );
    }
    assert_eq!(
        judge(404, None, b"", 1),
        Verdict::Fail(SendError::Unexpected { status: 404 })
    );
    // A 2xx without a readable body was still accepted.
    assert!(matches!(
        judge(202, None, b"", 1),
        Verdict::Done(SendOutcome::Accepted {
            message_id: None,
            ..
        })
    ));
}

#[test]
fn retry_after_in_seconds_milliseconds_or_a_date() {
    let now = time::macros::datetime!(2026-11-27 06:00:00 UTC);
    let headers = |name: &'static str, value: &'static str| {
        let mut h = Headers::new();
        h.insert(HeaderName::from_static(name), value);
        h
    };
    assert_eq!(
        retry_after(&headers("retry-after", "3"), now),
        Some(Duration::from_secs(3))
    );
    assert_eq!(
        retry_after(&headers("retry-after-ms", "250"), now),
        Some(Duration::from_millis(250))
    );
    assert_eq!(
        retry_after(
            &headers("retry-after", "Fri, 27 Nov 2026 06:00:05 GMT"),
            now
        ),
        Some(Duration::from_secs(5))
    );
    assert_eq!(
        retry_after(
            &headers("retry-after", "Fri, 27 Nov 2026 05:00:00 GMT"),
            now
        ),
        Some(Duration::ZERO)
    );
    assert_eq!(retry_after(&headers("retry-after", "soon"), now), None);
    assert_eq!(retry_after(&Headers::new(), now), None);
}

#[test]
fn backoff_doubles_and_is_capped() {
    let policy = RetryPolicy::default();
    assert_eq!(policy.backoff(1), Duration::from_secs(1));
    assert_eq!(policy.backoff(3), Duration::from_secs(4));
    assert_eq!(policy.backoff(40), Duration::from_secs(30));
}

#[test]
fn opt_out_verdicts_read_the_recipient_item() {
    let item = |status: u16| {
        format!(
            r#"{{"value":[{{"to":"+14255550123","httpStatusCode":{status},"errorMessage":"Invalid recipient phone number format"}}]}}"#
        )
    };
    assert_eq!(
        judge_opt_out(200, None, item(200).as_bytes(), 1),
        Verdict::Done(OptOutOutcome::Applied { attempts: 1 })
    );
    assert!(matches!(
        judge_opt_out(200, None, item(400).as_bytes(), 2),
        Verdict::Done(OptOutOutcome::Rejected {
            http_status: 400,
            attempts: 2,
            ..
        })
    ));
    assert!(matches!(
        judge_opt_out(200, None, item(500).as_bytes(), 1),
        Verdict::Retry { .. }
    ));
    assert!(matches!(
        judge_opt_out(
            400,
            None,
            br#"{"error":{"code":"InvalidApiVersion","message":"x"}}"#,
            1
        ),
        Verdict::Done(OptOutOutcome::Rejected {
            http_status: 400,
            ..
        })
    ));
    assert_eq!(
        judge_opt_out(401, None, b"", 1),
        Verdict::Fail(SendError::Unauthorized { status: 401 })
    );
    assert!(matches!(
        judge_opt_out(429, None, b"", 1),
        Verdict::Retry { .. }
    ));
}

#[test]
fn opt_out_urls_keep_the_colon_literal() {
    let connection = ConnectionString::parse(&format!(
        "endpoint=https://contoso.communication.azure.com/;accesskey={KEY}"
    ))
    .unwrap();
    let url = connection.opt_out_url(OptOutAction::Add);
    assert_eq!(
        url.as_str(),
        "https://contoso.communication.azure.com/sms/optouts:add?api-version=2026-01-23"
    );
    assert_eq!(
        connection.opt_out_url(OptOutAction::Remove).path(),
        "/sms/optouts:remove"
    );
}
