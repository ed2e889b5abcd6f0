use super::*;

fn client() -> StorageClient {
    StorageClient::new(StorageConnection::parse("UseDevelopmentStorage=true").unwrap()).unwrap()
}

#[test]
fn blob_and_queue_string_to_sign() {
    let c = client();
    let url = c.url(
        Service::Queue,
        &["sms-outbox", "messages"],
        &[("peekonly", "true"), ("NumOfMessages", "3")],
    );
    let headers = vec![
        ("x-ms-version", API_VERSION.to_owned()),
        ("x-ms-date", "Fri, 27 Nov 2026 07:00:00 GMT".to_owned()),
        ("content-type", "application/xml".to_owned()),
    ];
    assert_eq!(
        c.blob_queue_string_to_sign(&Method::GET, &url, &headers, 0),
        "GET\n\n\n\n\napplication/xml\n\n\n\n\n\n\nx-ms-date:Fri, 27 Nov 2026 07:00:00 GMT\nx-ms-version:2021-12-02\n/devstoreaccount1/devstoreaccount1/sms-outbox/messages\nnumofmessages:3\npeekonly:true"
    );
}

#[test]
fn table_string_to_sign_keeps_only_comp() {
    let c = client();
    let url = c.url(Service::Table, &["$batch"], &[("timeout", "5")]);
    let headers = vec![
        ("x-ms-date", "D".to_owned()),
        ("content-type", "multipart/mixed".to_owned()),
    ];
    assert_eq!(
        c.table_string_to_sign(&Method::POST, &url, &headers),
        "POST\n\nmultipart/mixed\nD\n/devstoreaccount1/devstoreaccount1/$batch"
    );
}

#[test]
fn keys_in_urls_are_quoted_and_escaped() {
    assert_eq!(key_literal("+1 555'x"), "%2B1%20555%27%27x");
}

#[test]
fn batch_responses_name_the_failed_operation() {
    let ok = "--batchresponse_1\r\nContent-Type: multipart/mixed; boundary=changesetresponse_2\r\n\r\n--changesetresponse_2\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n--changesetresponse_2--\r\n";
    assert_eq!(first_failed_part(ok), None);
    let failed = "--changesetresponse_2\r\nHTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\n\r\n{\"odata.error\":{\"code\":\"EntityAlreadyExists\",\"message\":{\"lang\":\"en-US\",\"value\":\"1:The specified entity already exists.\\nRequestId:x\"}}}\r\n";
    let (status, part) = first_failed_part(failed).unwrap();
    assert_eq!(status, 409);
    let (code, message) = odata_error(part);
    assert_eq!(code, "EntityAlreadyExists");
    assert_eq!(message, "1:The specified entity already exists.");
    let error = ClientError::Service {
        service: Service::Table,
        status,
        code,
        message,
    };
    assert_eq!(error_index(&error), Some(1));
}
