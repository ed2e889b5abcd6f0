//! A Functions host emulator, as `functions-custom-handler.md` §8 describes the real one: it
//! starts the `handler` binary on a free port with the host's environment, polls `GET /` every
//! 25 ms until it answers, and POSTs invocations chunked with the host's headers.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running handler process.
pub struct Handler {
    pub child: Child,
    pub port: u16,
}

/// An HTTP response as the host sees it.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON; panics (failing the test) when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "reply is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Handler {
    /// Starts the handler with the host's environment plus `settings`, and waits until ready.
    ///
    /// The port comes from [`free_port`], which releases it before the handler binds it, so
    /// another process of the parallel test run (an Azurite, another handler) can take it in
    /// between; the real host retries on another port too. A handler that exits before it
    /// answers is started again on a fresh port, up to three times, and the panic message then
    /// carries what it printed.
    pub fn start(settings: &[(&str, &str)]) -> Handler {
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let child = Handler::command(&port.to_string(), settings)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn handler");
            let mut handler = Handler { child, port };
            match handler.try_wait_ready() {
                Ok(()) => return handler,
                Err(exited) => last = exited,
            }
        }
        panic!("handler exited before answering GET / three times; last time: {last}");
    }

    /// The command the host would run (not yet started).
    pub fn command(port: &str, settings: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_handler"));
        command
            .env_clear()
            .env("FUNCTIONS_CUSTOMHANDLER_PORT", port)
            .env("FUNCTIONS_HTTPWORKER_PORT", port)
            .env(
                "FUNCTIONS_CUSTOMHANDLER_WORKER_ID",
                "4c0b7c6e-0000-4000-8000-000000000001",
            )
            .env("FUNCTIONS_APP_ROOT_PATH", env!("CARGO_MANIFEST_DIR"))
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        for (k, v) in settings {
            command.env(k, v);
        }
        command
    }

    pub(crate) fn wait_ready(&mut self) {
        if let Err(exited) = self.try_wait_ready() {
            panic!("handler exited before answering GET /: {exited}");
        }
    }

    /// Polls `GET /` like the host; `Err` with the exit status and output when the process
    /// exits first. Panics after 30 s without either.
    fn try_wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut output = String::new();
                if let Some(mut err) = self.child.stderr.take() {
                    let _ = err.read_to_string(&mut output);
                }
                return Err(format!("{status}: {output}"));
            }
            if let Ok(mut conn) = Connection::open(self.port) {
                if conn.send("GET", "/", &[], None, false).is_ok() {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("handler did not answer GET / within 30 s");
    }

    pub fn connect(&self) -> Connection {
        Connection::open(self.port).expect("connect to handler")
    }

    /// One invocation on a fresh connection.
    pub fn invoke(&self, function: &str, body: &[u8]) -> HttpResponse {
        self.connect().invoke(function, body)
    }

    /// Sends SIGTERM and waits for the exit status, returning it with everything printed.
    pub fn terminate(mut self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let status = wait_timeout(&mut self.child, Duration::from_secs(20))
            .expect("handler exits after SIGTERM");
        let mut output = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            let _ = out.read_to_string(&mut output);
        }
        if let Some(mut err) = self.child.stderr.take() {
            let _ = err.read_to_string(&mut output);
        }
        (status, output)
    }
}

impl Drop for Handler {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn wait_timeout(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// Waits until a handler started by hand answers `GET /` (panics after 30 s).
pub fn wait_until_ready(handler: &mut Handler) {
    handler.wait_ready();
}

/// A keep-alive HTTP/1.1 connection.
pub struct Connection {
    reader: BufReader<TcpStream>,
    port: u16,
}

impl Connection {
    pub fn open(port: u16) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            reader: BufReader::new(stream),
            port,
        })
    }

    /// A host invocation: POST /{function}, chunked, with the host's headers.
    pub fn invoke(&mut self, function: &str, body: &[u8]) -> HttpResponse {
        let headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("X-Azure-Functions-HostVersion", "4.1036.1.23224"),
            (
                "X-Azure-Functions-InvocationId",
                "5b8f3c2e-1f2d-4a5e-9c1b-2f7f0b6f1a01",
            ),
            ("User-Agent", "Azure-Functions-Host/4.1036.1.23224"),
            (
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
            ),
        ];
        self.send("POST", &format!("/{function}"), &headers, Some(body), true)
            .unwrap_or_else(|e| panic!("invocation of {function} failed at the socket: {e}"))
    }

    /// Sends one request; `chunked` sends the body in several chunks without Content-Length.
    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        chunked: bool,
    ) -> std::io::Result<HttpResponse> {
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n",
            self.port
        )
        .into_bytes();
        for (name, value) in headers {
            request.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        match (body, chunked) {
            (Some(body), true) => {
                request.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                // Uneven chunks, as a .NET HttpClient streaming a serializer would produce.
                for chunk in body.chunks(4093) {
                    request.extend_from_slice(format!("{:X}\r\n", chunk.len()).as_bytes());
                    request.extend_from_slice(chunk);
                    request.extend_from_slice(b"\r\n");
                }
                request.extend_from_slice(b"0\r\n\r\n");
            }
            (Some(body), false) => {
                request.extend_from_slice(
                    format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes(),
                );
                request.extend_from_slice(body);
            }
            (None, _) => request.extend_from_slice(b"\r\n"),
        }
        self.reader.get_mut().write_all(&request)?;
        self.read_response()
    }

    /// The raw socket, for tests that write requests by hand.
    pub fn stream(&mut self) -> &mut TcpStream {
        self.reader.get_mut()
    }

    /// Reads one response (after a request written by hand with [`Connection::stream`]).
    pub fn read_reply(&mut self) -> std::io::Result<HttpResponse> {
        self.read_response()
    }

    fn read_response(&mut self) -> std::io::Result<HttpResponse> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            if let Some((name, value)) = trimmed.split_once(':') {
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
        }
        let find = |name: &str| {
            headers
                .iter()
                .find(|(n, _): &&(String, String)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let mut body = Vec::new();
        if let Some(length) = find("content-length") {
            let length: usize = length
                .parse()
                .map_err(|_| std::io::Error::other("bad content-length"))?;
            body.resize(length, 0);
            self.reader.read_exact(&mut body)?;
        } else if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
            loop {
                line.clear();
                self.reader.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim(), 16)
                    .map_err(|_| std::io::Error::other("bad chunk size"))?;
                let mut chunk = vec![0; size + 2];
                self.reader.read_exact(&mut chunk)?;
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        }
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

/// The body the host POSTs for one Event Grid event (§1.4 / §8 step 4): the event as an object
/// under the trigger binding name, its `data` again in Metadata, and `sys`.
pub fn event_grid_invocation(event: &Value) -> Vec<u8> {
    invocation_with_trigger(event.clone(), event.get("data").cloned())
}

/// Same, with the trigger value given as-is (a string, an array string, …).
pub fn invocation_with_trigger(trigger: Value, data: Option<Value>) -> Vec<u8> {
    let mut metadata = serde_json::Map::new();
    if let Some(data) = data {
        metadata.insert("data".into(), data);
    }
    metadata.insert(
        "sys".into(),
        serde_json::json!({"MethodName": "EventGridTrigger", "UtcNow": "2026-11-27T07:00:00.1234567Z", "RandGuid": "0f8fad5b-d9cb-469f-a165-70867728950e"}),
    );
    serde_json::to_vec(
        &serde_json::json!({"Data": {"eventGridEvent": trigger}, "Metadata": metadata}),
    )
    .unwrap()
}

/// The body the host POSTs for one event as the host's code shows it (`functions-outputs.md` §7,
/// `docs/outputs-and-limits.md` §4): the trigger value is the event's *indented* JSON text,
/// JSON-encoded twice; `Metadata` holds the binding data, which for a JSON-text trigger includes
/// the event's top-level members (`id`, …), each string JSON-encoded once more. Returns the body
/// and the event text the handler will see (what a raw-event blob must hold byte for byte).
pub fn host_invocation(event: &Value) -> (Vec<u8>, String) {
    let text = serde_json::to_string_pretty(event).unwrap();
    let once = serde_json::to_string(&text).unwrap();
    let mut metadata = serde_json::Map::new();
    if let Some(object) = event.as_object() {
        for (name, value) in object {
            let value = match value {
                Value::String(s) => Value::String(serde_json::to_string(s).unwrap()),
                Value::Array(_) => continue,
                other => other.clone(),
            };
            metadata.insert(name.clone(), value);
        }
    }
    metadata.insert(
        "sys".into(),
        serde_json::json!({"MethodName": "EventGridTrigger", "UtcNow": "2026-11-27T07:00:00.1234567Z", "RandGuid": "0f8fad5b-d9cb-469f-a165-70867728950e"}),
    );
    let body = serde_json::to_vec(
        &serde_json::json!({"Data": {"eventGridEvent": once}, "Metadata": metadata}),
    )
    .unwrap();
    (body, text)
}

/// Every event of every sample file, as (file name, event JSON).
pub fn sample_events() -> Vec<(String, Value)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut events = Vec::new();
    for file in files {
        let value: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        match value {
            Value::Array(items) => events.extend(items.into_iter().map(|e| (name.clone(), e))),
            other => events.push((name, other)),
        }
    }
    events
}

/// The items of one output binding in a reply body, as JSON values: an item may be a JSON
/// object or a JSON string holding the object's text (both forms reach the extension the same
/// way; see `outputs`). An absent binding has no items.
pub fn output_items(body: &Value, binding: &str) -> Vec<Value> {
    let Some(items) = body["Outputs"].get(binding) else {
        return Vec::new();
    };
    items
        .as_array()
        .unwrap_or_else(|| panic!("output `{binding}` is not an array: {items}"))
        .iter()
        .map(|item| match item {
            Value::String(text) => serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("output `{binding}` item is not JSON text ({e})")),
            other => other.clone(),
        })
        .collect()
}

/// A table input binding's value as the host hands it to a custom handler for a partition read
/// (`partitionKey` and `take`, no `rowKey`), per `docs/host-table-input.md`: the Tables extension
/// 1.x binds a `JArray` of the partition's entities in ascending RowKey order, at most `take`,
/// without `Timestamp` and `odata.etag`; the host serializes it, so `Data.<name>` is a JSON
/// string holding the compact array text (`"[]"` when nothing matches).
pub fn table_input<'a>(partition: impl IntoIterator<Item = &'a Value>, take: usize) -> Value {
    let mut rows: Vec<Value> = partition
        .into_iter()
        .map(|row| {
            let mut row = row.clone();
            if let Some(map) = row.as_object_mut() {
                map.retain(|k, _| {
                    !k.eq_ignore_ascii_case("timestamp") && !k.eq_ignore_ascii_case("odata.etag")
                });
            }
            row
        })
        .collect();
    rows.sort_by(|a, b| {
        a["RowKey"]
            .as_str()
            .unwrap_or_default()
            .cmp(b["RowKey"].as_str().unwrap_or_default())
    });
    rows.truncate(take);
    Value::String(Value::Array(rows).to_string())
}

/// The output bindings of a function folder's function.json: binding name → (type, table or
/// queue name).
pub fn output_bindings(function: &str) -> Vec<(String, String, String)> {
    let path = format!("{}/{function}/function.json", env!("CARGO_MANIFEST_DIR"));
    let json: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    json["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["direction"] == "out")
        .map(|b| {
            let target = b["tableName"]
                .as_str()
                .or_else(|| b["queueName"].as_str())
                .or_else(|| b["path"].as_str())
                .unwrap_or_default();
            (
                b["name"].as_str().unwrap().to_owned(),
                b["type"].as_str().unwrap().to_owned(),
                target.to_owned(),
            )
        })
        .collect()
}

/// Tables as the Tables extension leaves them, in memory, for tests that replay many
/// interleavings quickly (the Azurite-backed writer checks the real service's rules). Every
/// entity we write carries ETag `*`, which the extension turns into UpsertReplace: the last write
/// of a row wins. Writing anything under a name function.json does not declare fails the test
/// (the host would drop it silently).
#[derive(Default)]
pub struct MemoryTables {
    /// table → (PartitionKey, RowKey) → entity
    tables: std::collections::BTreeMap<String, std::collections::BTreeMap<(String, String), Value>>,
}

impl MemoryTables {
    /// Writes the table outputs of a reply of `function` (queue outputs are left to the caller).
    pub fn write_reply(&mut self, function: &str, body: &Value) {
        let bindings = output_bindings(function);
        for name in body["Outputs"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            let (_, kind, target) = bindings
                .iter()
                .find(|(n, _, _)| n == name)
                .unwrap_or_else(|| panic!("{function} has no output binding `{name}`"));
            if kind != "table" {
                continue;
            }
            for item in output_items(body, name) {
                assert_eq!(item["odata.etag"], "*", "every row is an upsert: {item}");
                let key = (
                    item["PartitionKey"].as_str().unwrap().to_owned(),
                    item["RowKey"].as_str().unwrap().to_owned(),
                );
                let mut row = item.clone();
                row.as_object_mut().unwrap().remove("odata.etag");
                self.tables
                    .entry(target.clone())
                    .or_default()
                    .insert(key, row);
            }
        }
    }

    /// The entities of one partition, in RowKey order.
    pub fn partition(&self, table: &str, partition_key: &str) -> Vec<&Value> {
        self.tables
            .get(table)
            .into_iter()
            .flat_map(|rows| rows.iter())
            .filter(|((pk, _), _)| pk == partition_key)
            .map(|(_, row)| row)
            .collect()
    }
}

/// The body the host POSTs for a queue message: the message text JSON-encoded as a string and
/// that string encoded again (functions-custom-handler §1.3), top-level string properties copied
/// into Metadata, and the `optOut` table input (the partition `{from}|{to}` read with `take: 1`).
pub fn queue_invocation(
    function: &str,
    trigger: &str,
    message: &Value,
    history: &[&Value],
) -> Vec<u8> {
    let text = message.to_string();
    let mut data = serde_json::Map::new();
    data.insert(
        trigger.into(),
        Value::String(serde_json::to_string(&text).unwrap()),
    );
    data.insert("optOut".into(), table_input(history.iter().copied(), 1));
    let mut metadata = serde_json::json!({
        "DequeueCount": "1",
        "ExpirationTime": "2026-12-04T06:00:00+00:00",
        "Id": "\"a0004923-f050-417a-9742-6d7c7b984134\"",
        "InsertionTime": "2026-11-27T06:00:00+00:00",
        "NextVisibleTime": "2026-11-27T06:10:00+00:00",
        "PopReceipt": "\"AgAAAAMAAAAAAAAA8d5gQex+2AE=\"",
        "sys": {"MethodName": function, "UtcNow": "2026-11-27T06:00:00.1234567Z", "RandGuid": "d9ba2785-ee1a-4260-a83b-f57cb54b969e"}
    });
    for (name, value) in message.as_object().unwrap() {
        if let Some(s) = value.as_str() {
            metadata[name] = Value::String(serde_json::to_string(s).unwrap());
        }
    }
    serde_json::to_vec(&serde_json::json!({"Data": data, "Metadata": metadata})).unwrap()
}

/// Every string value of an event that is personal data: phone numbers, e-mail addresses,
/// message texts, display names, thread topics and user ids (`8:acs:…`, Teams ids), including
/// the subject when it carries one of them.
pub fn personal_values(event: &Value) -> Vec<String> {
    /// `in_error`: under an `error`/`errors` object, whose `message` is the service's text.
    fn walk(key: &str, value: &Value, in_error: bool, found: &mut Vec<String>) {
        match value {
            Value::String(s) => {
                let key = key.to_ascii_lowercase();
                let digits = s.chars().filter(char::is_ascii_digit).count();
                // Chat message ids and versions are 13-digit times, not numbers of people.
                let phone_like = digits >= 10
                    && !key.ends_with("id")
                    && !key.ends_with("version")
                    && s.trim_start_matches('+')
                        .chars()
                        .all(|c| c.is_ascii_digit());
                let email_like = s.contains('@') && s.contains('.') && !s.contains("thread");
                let user_id = s.starts_with("8:acs:") || s.starts_with("8:orgid:");
                // A WhatsApp BSUID (`US.13491208655302741918`), alone or inside a subject.
                let bsuid = s.split('/').any(|part| {
                    part.split_once('.').is_some_and(|(cc, body)| {
                        cc.len() == 2
                            && cc.bytes().all(|b| b.is_ascii_uppercase())
                            && body.len() >= 5
                            && body.bytes().all(|b| b.is_ascii_alphanumeric())
                    })
                });
                let text_key = [
                    "message",
                    "messagebody",
                    "content",
                    "body",
                    "text",
                    "caption",
                    "originalmessage",
                    "topic",
                    // E-mail engagement: the clicked link, and the reader's mail client.
                    "engagementcontext",
                    "useragent",
                ]
                .contains(&key.as_str())
                    || key.ends_with("displayname");
                if phone_like
                    || email_like
                    || user_id
                    || bsuid
                    || (text_key && !in_error && s.len() > 3)
                {
                    found.push(s.clone());
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(key, v, in_error, found)),
            Value::Object(map) => {
                let in_error = in_error || key.to_ascii_lowercase().starts_with("error");
                map.iter().for_each(|(k, v)| walk(k, v, in_error, found))
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk("data", &event["data"], false, &mut found);
    found.sort();
    found.dedup();
    found
}

/// What the host and the storage extensions make of a reply's `Outputs` (as
/// `functions-outputs.md` §0 and `docs/outputs-and-limits.md` describe them), checked, and
/// returned as `{binding: [item, …]}` with each item as the JSON the extension receives (a
/// blob binding: `{binding: <the blob's JSON>}`). Panics (failing the test) on anything the
/// host would drop, rewrite or the service would refuse:
///
/// - a binding `function.json` does not declare (the host drops it silently);
/// - a row or message that is not a JSON string holding an object (an object would be read with
///   Newtonsoft's date parsing and re-indented; a bare string could be base64-decoded);
/// - a queue message over 64 KiB once base64-encoded, as the Queues extension sends it;
/// - a table string over 32 768 UTF-16 units, an entity over 1 MiB by the Table service's
///   formula, more than 252 properties, a property name that is not a C# identifier, a key
///   over 1 KiB or with a forbidden character;
/// - a blob value that is not one string of JSON text starting with `{` or `[`.
pub fn host_outputs(function: &str, body: &Value) -> Value {
    let config: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/{function}/function.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let declared: Vec<(String, String)> = config["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["direction"] == "out")
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_owned(),
                b["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let outputs = body["Outputs"]
        .as_object()
        .unwrap_or_else(|| panic!("`Outputs` is not an object: {body}"));
    let mut seen = serde_json::Map::new();
    for (name, value) in outputs {
        let kind = declared
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
            .unwrap_or_else(|| panic!("`{name}` is not declared in {function}/function.json"));
        if kind == "blob" {
            let text = value
                .as_str()
                .unwrap_or_else(|| panic!("blob `{name}` must be one string: {value}"));
            assert!(
                text.starts_with('{') || text.starts_with('['),
                "blob `{name}` must be JSON text"
            );
            let blob: Value = serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("blob `{name}` is not JSON ({e})"));
            seen.insert(name.clone(), blob);
            continue;
        }
        let items = value
            .as_array()
            .unwrap_or_else(|| panic!("output `{name}` is not an array: {value}"));
        let mut parsed = Vec::new();
        for item in items {
            let text = item.as_str().unwrap_or_else(|| {
                panic!("`{name}` item is not a JSON string (the host would rewrite it): {item}")
            });
            assert!(
                text.starts_with('{'),
                "`{name}` item is not an object's JSON text"
            );
            let object: serde_json::Map<String, Value> = serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("`{name}` item is not a JSON object ({e})"));
            match kind {
                "queue" => {
                    let base64 = text.len().div_ceil(3) * 4;
                    assert!(
                        base64 <= 65_536,
                        "`{name}` message is {} bytes, {base64} in base64: over 64 KiB",
                        text.len()
                    );
                }
                "table" => check_entity(name, &object),
                other => panic!("unexpected binding type {other}"),
            }
            parsed.push(Value::Object(object));
        }
        seen.insert(name.clone(), Value::Array(parsed));
    }
    Value::Object(seen)
}

/// `body` with its `Outputs` as [`host_outputs`] sees them (checked, each item decoded), so a
/// test reads rows and messages as the extension receives them.
pub fn as_stored(function: &str, mut body: Value) -> Value {
    let outputs = host_outputs(function, &body);
    body["Outputs"] = outputs;
    body
}

fn check_entity(binding: &str, entity: &serde_json::Map<String, Value>) {
    let units = |s: &str| s.encode_utf16().count();
    let mut size = 4;
    let mut custom = 0;
    for (name, value) in entity {
        match name.as_str() {
            "PartitionKey" | "RowKey" => {
                let key = value
                    .as_str()
                    .unwrap_or_else(|| panic!("`{binding}` {name} is not a string"));
                assert!(
                    !key.is_empty() && 2 * units(key) <= 1024,
                    "`{binding}` {name}"
                );
                assert!(
                    !key.chars()
                        .any(|c| matches!(c, '/' | '\\' | '#' | '?') || c.is_control()),
                    "`{binding}` {name} has a forbidden character"
                );
                size += 2 * units(key);
            }
            "odata.etag" => assert_eq!(value, "*", "`{binding}`: every row is an upsert"),
            _ => {
                custom += 1;
                let mut chars = name.chars();
                assert!(
                    chars
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && name.len() <= 255,
                    "`{binding}` property name {name:?}"
                );
                size += 8 + 2 * units(name);
                size += match value {
                    Value::String(text) => {
                        assert!(
                            units(text) <= 32_768,
                            "`{binding}` {name} is {} UTF-16 units",
                            units(text)
                        );
                        4 + 2 * units(text)
                    }
                    Value::Bool(_) => 1,
                    Value::Number(_) => 8,
                    Value::Null => 0,
                    other => panic!("`{binding}` {name} is nested JSON: {other}"),
                };
            }
        }
    }
    assert!(custom <= 252, "`{binding}`: {custom} properties");
    assert!(size <= 1024 * 1024, "`{binding}`: entity of {size} bytes");
}

/// What Event Grid writes into one Event Hubs event: a JSON array holding the event
/// (`docs/eventhubs-servicebus.md` §1.2), compact UTF-8.
pub fn event_hubs_body(event: &Value) -> String {
    Value::Array(vec![event.clone()]).to_string()
}

/// What Event Grid writes into one Service Bus message: the bare event object (§1.2).
pub fn service_bus_body(event: &Value) -> String {
    event.to_string()
}

/// How function.json makes the host hand an Event Hubs trigger value over (§2.2): `cardinality:
/// many` with no `dataType` (each body parsed by Newtonsoft, dates rewritten), with `dataType:
/// string` (ours) or `binary`, or `cardinality: one` (one body per invocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventHubForm {
    Objects,
    Strings,
    Base64,
    Single,
}

/// JSON text without the whitespace between tokens (Newtonsoft's `Formatting.None`).
fn minify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for ch in text.chars() {
        if in_string {
            out.push(ch);
            match (escaped, ch) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if !ch.is_whitespace() {
            in_string = ch == '"';
            out.push(ch);
        }
    }
    out
}

/// A body as the host's `object[]` binding re-serializes it: parsed with Newtonsoft's default
/// date handling (date-like strings become `DateTime`s and are written back in ISO form), then
/// written compactly. `None` when the body is not JSON: the host then fails the whole batch
/// before the handler is called ([obs] azure-webjobs-sdk#1830).
pub fn newtonsoft_round_trip(body: &str) -> Option<String> {
    use acs_event_handler::storage::newtonsoft::{DateParseHandling, JToken};
    let token = JToken::parse(body, DateParseHandling::DateTime).ok()?;
    Some(minify(&token.to_indented_json()))
}

fn sys(function: &str) -> Value {
    serde_json::json!({"MethodName": function, "UtcNow": "2026-11-27T07:00:00.1234567Z", "RandGuid": "0f8fad5b-d9cb-469f-a165-70867728950e"})
}

/// The body the host POSTs to `/EventHubTrigger` for a batch of Event Hubs event bodies from
/// partition 3 (§2.2, §2.3, §2.7): `Data.events` in `form`, and the batch's `Metadata` arrays,
/// each a JSON string of the array, with the `aeg-*` properties Event Grid sets (§1.4).
/// `Single` takes the first body only. Panics on `Objects` with a body that is not JSON (the
/// host would not call the handler).
pub fn event_hub_invocation(bodies: &[String], form: EventHubForm) -> Vec<u8> {
    use base64::Engine as _;
    let bodies: &[String] = if form == EventHubForm::Single {
        &bodies[..1]
    } else {
        bodies
    };
    let n = bodies.len();
    let events = match form {
        EventHubForm::Objects => {
            let items: Vec<String> = bodies
                .iter()
                .map(|b| newtonsoft_round_trip(b).expect("the object[] form needs JSON bodies"))
                .collect();
            Value::String(format!("[{}]", items.join(",")))
        }
        EventHubForm::Strings => Value::String(serde_json::to_string(bodies).unwrap()),
        EventHubForm::Base64 => {
            let items: Vec<String> = bodies
                .iter()
                .map(|b| base64::engine::general_purpose::STANDARD.encode(b))
                .collect();
            Value::String(serde_json::to_string(&items).unwrap())
        }
        EventHubForm::Single => Value::String(serde_json::to_string(&bodies[0]).unwrap()),
    };
    let context = serde_json::json!({"IsCheckpointingAfterInvocation": true, "FullyQualifiedNamespace": "ns.servicebus.windows.net", "EventHubName": "acs-events", "ConsumerGroup": "$Default", "PartitionId": "3"});
    let first_sequence = 4200_i64;
    let sequence: Vec<i64> = (0..n as i64).map(|i| first_sequence + i).collect();
    let offsets: Vec<String> = (0..n)
        .map(|i| (8_589_934_592 + i * 1024).to_string())
        .collect();
    let times: Vec<String> = (0..n)
        .map(|i| format!("2026-11-27T06:59:{:02}.{:03}", i % 60, i % 1000))
        .collect();
    let properties: Vec<Value> = (0..n)
        .map(|i| serde_json::json!({"aeg-subscription-name": "ACS-TO-EVENTHUB", "aeg-delivery-count": "0", "aeg-event-type": "Notification", "aeg-metadata-version": "1", "aeg-data-version": "1.0", "aeg-output-event-id": format!("{i:08}-0000-4000-8000-000000000000")}))
        .collect();
    let system: Vec<Value> = (0..n)
        .map(|i| serde_json::json!({"x-opt-sequence-number": sequence[i], "x-opt-offset": offsets[i], "x-opt-enqueued-time": times[i], "SequenceNumber": sequence[i], "Offset": offsets[i].parse::<i64>().unwrap(), "OffsetString": offsets[i], "PartitionKey": null, "EnqueuedTimeUtc": times[i]}))
        .collect();
    let metadata = if form == EventHubForm::Single {
        serde_json::json!({
            "PartitionContext": context, "TriggerPartitionContext": context,
            "Offset": serde_json::to_string(&offsets[0]).unwrap(),
            "OffsetString": serde_json::to_string(&offsets[0]).unwrap(),
            "SequenceNumber": sequence[0].to_string(),
            "EnqueuedTimeUtc": times[0].split('.').next().unwrap(),
            "Properties": properties[0], "SystemProperties": system[0],
            "sys": sys("EventHubTrigger"),
        })
    } else {
        let text = |v: &dyn erased::ToJson| Value::String(v.to_json());
        serde_json::json!({
            "PartitionContext": context, "TriggerPartitionContext": context,
            "PartitionKeyArray": text(&vec![Value::Null; n]),
            "OffsetArray": text(&offsets), "OffsetStringArray": text(&offsets),
            "SequenceNumberArray": text(&sequence), "EnqueuedTimeUtcArray": text(&times),
            "PropertiesArray": text(&properties), "SystemPropertiesArray": text(&system),
            "sys": sys("EventHubTrigger"),
        })
    };
    serde_json::to_vec(&serde_json::json!({"Data": {"events": events}, "Metadata": metadata}))
        .unwrap()
}

/// Serializing values of different types through one closure.
mod erased {
    pub trait ToJson {
        fn to_json(&self) -> String;
    }
    impl<T: serde::Serialize> ToJson for T {
        fn to_json(&self) -> String {
            serde_json::to_string(self).unwrap()
        }
    }
}

/// The body the host POSTs to `/ServiceBusTrigger` for one message (§2.4, §2.5, §2.7 (c)): the
/// body as a string, JSON-encoded once more; the message's system properties (numbers as
/// strings, strings encoded once more, times without sub-seconds); the `aeg-*` application
/// properties; and, when the body is a JSON object, its top-level members copied in by
/// `Utility.ApplyBindingData` (objects as objects, arrays left out, everything else as its .NET
/// string, encoded once more), which overwrite a system property of the same name in any case.
pub fn service_bus_invocation(body: &str, delivery_count: u32) -> Vec<u8> {
    use acs_event_handler::storage::newtonsoft::{DateParseHandling, JToken};
    let properties = serde_json::json!({"aeg-subscription-name": "ACS-TO-SERVICEBUS", "aeg-delivery-count": (delivery_count - 1).to_string(), "aeg-event-type": "Notification", "aeg-metadata-version": "1", "aeg-data-version": "1.0", "aeg-output-event-id": "0b4ad3a2-0000-4000-8000-000000000000"});
    let quoted = |s: &str| Value::String(serde_json::to_string(s).unwrap());
    let mut metadata = serde_json::json!({
        "MessageReceiver": {}, "MessageSession": {}, "MessageActions": {}, "SessionActions": {}, "ReceiveActions": {},
        "Client": {"FullyQualifiedNamespace": "sb1.servicebus.windows.net", "IsClosed": false, "TransportType": 0, "Identifier": "sb1-client"},
        "DeliveryCount": delivery_count.to_string(),
        "LockToken": quoted("4e77a3b1-0000-4000-8000-000000000000"),
        "ExpiresAtUtc": "2026-12-11T07:00:00", "ExpiresAt": "2026-12-11T07:00:00+00:00",
        "EnqueuedTimeUtc": "2026-11-27T06:59:59", "EnqueuedTime": "2026-11-27T06:59:59+00:00",
        "MessageId": quoted("5f3c7a0e4b2d4c1a9e8f7a6b5c4d3e2f"),
        "ContentType": quoted("application/json"),
        "SequenceNumber": "17",
        "Subject": quoted("acs"),
        "ApplicationProperties": properties, "UserProperties": properties,
        "sys": sys("ServiceBusTrigger"),
    });
    let trimmed = body.trim();
    if trimmed.starts_with('{') && trimmed.ends_with('}') {
        if let Ok(JToken::Object(members)) = JToken::parse(trimmed, DateParseHandling::DateTime) {
            let map = metadata.as_object_mut().unwrap();
            for (name, token) in members {
                let value = match &token {
                    JToken::Array(_) => continue,
                    JToken::Object(_) => serde_json::from_str(&token.to_indented_json()).unwrap(),
                    other => quoted(&other.to_host_string()),
                };
                // The binding data is case-insensitive: the body's member replaces the key.
                map.retain(|k, _| !k.eq_ignore_ascii_case(&name));
                map.insert(name, value);
            }
        }
    }
    let message = Value::String(serde_json::to_string(body).unwrap());
    serde_json::to_vec(&serde_json::json!({"Data": {"message": message}, "Metadata": metadata}))
        .unwrap()
}
