//! An Azurite fixture: the official Azure Storage emulator, started by the tests themselves, so
//! that `cargo test` alone does all the set-up on a fresh machine.
//!
//! - **Install.** Azurite is pinned by `tests/azurite/package.json` and `package-lock.json`
//!   (3.35.0, the last release that supports Node.js 18 and 20). When
//!   `tests/azurite/node_modules/.bin/azurite` is missing, the first test that needs it runs
//!   `npm ci --prefix tests/azurite`; the other test threads wait for it. No Node.js or npm is a
//!   test failure saying what to install, never a skip.
//! - **One emulator, one account per test.** Starting Azurite costs about a second of CPU
//!   (measured: 1.1–1.8 s to answer on all three ports on this 2-core machine while it compiles),
//!   so the test binary starts one emulator on free loopback ports, in memory
//!   (`--inMemoryPersistence`; Azurite refuses `--location` with it, so its working directory is
//!   a temp dir instead), with [`ACCOUNTS`] accounts from `AZURITE_ACCOUNTS`. Each
//!   [`Azurite::start`] takes the next unused account: tests run in parallel with the same
//!   table and queue names (our public contract) and never see each other's data.
//! - **Stopping.** Azurite runs under a small `sh` guard that kills it when the guard's standard
//!   input closes, which happens when the test process exits for whatever reason (including a
//!   panic or a kill), so no emulator outlives the tests.
//! - Telemetry is off (`--disableTelemetry`): the emulator must not reach outside this machine.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use acs_event_handler::storage::bindings::{FunctionBindings, HostOptions};
use acs_event_handler::storage::{
    BindingData, StorageClient, StorageConnection, StorageWriter, WriteFailure, WriteReport,
};
use serde_json::{Map, Value};

use crate::harness::free_port;

/// Accounts the shared emulator knows; one per [`Azurite::start`].
pub const ACCOUNTS: usize = 200;

const INSTALL_HINT: &str = "Node.js 18+ and npm are needed to run Azurite for the storage tests: apt-get install nodejs npm";

/// One storage account of its own in the shared emulator, with a runtime to drive the async
/// client from a synchronous test.
pub struct Azurite {
    connection: StorageConnection,
    client: StorageClient,
    runtime: tokio::runtime::Runtime,
}

/// What a test compares before and after a redelivery.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    /// Each table's rows (without `Timestamp` and ETag), sorted by key.
    pub tables: BTreeMap<String, Vec<Map<String, Value>>>,
    /// Each blob's content, by `container/name`.
    pub blobs: BTreeMap<String, Vec<u8>>,
}

struct Emulator {
    ports: [u16; 3],
    /// Kept open for the life of the test process: closing it stops Azurite.
    _guard: Mutex<(Child, ChildStdin)>,
    started_in: Duration,
}

static EMULATOR: OnceLock<Result<Emulator, String>> = OnceLock::new();
static NEXT_ACCOUNT: AtomicUsize = AtomicUsize::new(0);

fn account(index: usize) -> (String, String) {
    let name = format!("acct{index:04}");
    let key = acs_event_handler::sms_sender::acs_client::content_sha256(name.as_bytes());
    (name, key)
}

impl Azurite {
    /// A fresh, empty account in the shared emulator (started, and installed, on first use).
    /// Panics with what to do when Node.js or npm is missing or Azurite does not start.
    pub fn start() -> Azurite {
        let emulator = EMULATOR
            .get_or_init(Emulator::start)
            .as_ref()
            .unwrap_or_else(|e| panic!("{e}"));
        let index = NEXT_ACCOUNT.fetch_add(1, Ordering::SeqCst);
        assert!(
            index < ACCOUNTS,
            "more than {ACCOUNTS} storage tests: raise azurite::ACCOUNTS"
        );
        let (name, key) = account(index);
        let connection = StorageConnection::emulator("127.0.0.1", emulator.ports, &name, &key)
            .expect("emulator connection");
        let client = StorageClient::new(connection.clone()).expect("storage client");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        Azurite {
            connection,
            client,
            runtime,
        }
    }

    /// How long the emulator took to answer on all three ports (once per test process).
    pub fn startup_time() -> Option<Duration> {
        EMULATOR
            .get()
            .and_then(|e| e.as_ref().ok())
            .map(|e| e.started_in)
    }

    pub fn connection(&self) -> &StorageConnection {
        &self.connection
    }

    /// The account's connection string (holds its key: for child processes, never for output).
    pub fn connection_string(&self) -> String {
        self.connection.to_connection_string()
    }

    pub fn client(&self) -> &StorageClient {
        &self.client
    }

    /// Runs a future of the storage client to completion.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// A writer for one of the repository's functions (its function.json and our host.json).
    pub fn writer(&self, function: &str) -> StorageWriter {
        StorageWriter::for_function(repo_root(), function, self.connection.clone())
            .unwrap_or_else(|e| panic!("writer for {function}: {e}"))
    }

    /// A writer for a function.json and host.json given as text.
    pub fn writer_with(&self, function_json: &str, host_json: &str) -> StorageWriter {
        StorageWriter::new(
            self.client.clone(),
            FunctionBindings::parse(function_json, Path::new("test/function.json"))
                .unwrap_or_else(|e| panic!("{e}")),
            HostOptions::parse(host_json, Path::new("test/host.json"))
                .unwrap_or_else(|e| panic!("{e}")),
        )
    }

    /// Writes one reply body with `writer`.
    pub fn write(
        &self,
        writer: &StorageWriter,
        reply: &[u8],
        data: &BindingData,
    ) -> Result<WriteReport, WriteFailure> {
        self.block_on(writer.write(reply, data))
    }

    /// Table names.
    pub fn tables(&self) -> Vec<String> {
        let mut names = self
            .block_on(self.client.list_tables())
            .expect("list tables");
        names.sort();
        names
    }

    /// A table's entities as the service returns them (with `odata.etag`, `Timestamp` and type
    /// annotations), sorted by PartitionKey and RowKey. A missing table has none.
    pub fn entities(&self, table: &str) -> Vec<Map<String, Value>> {
        let mut rows = match self.block_on(self.client.query_entities(table)) {
            Ok(rows) => rows,
            Err(e) if e.status() == Some(404) => Vec::new(),
            Err(e) => panic!("query {table}: {e}"),
        };
        rows.sort_by_key(key_of);
        rows
    }

    /// A table's rows without what changes on every write (`Timestamp`, the ETag).
    pub fn rows(&self, table: &str) -> Vec<Map<String, Value>> {
        self.entities(table)
            .into_iter()
            .map(|mut row| {
                row.retain(|name, _| {
                    !matches!(
                        name.as_str(),
                        "odata.etag" | "Timestamp" | "Timestamp@odata.type" | "odata.metadata"
                    )
                });
                row
            })
            .collect()
    }

    /// The row with these keys.
    pub fn row(
        &self,
        table: &str,
        partition_key: &str,
        row_key: &str,
    ) -> Option<Map<String, Value>> {
        self.rows(table).into_iter().find(|r| {
            r.get("PartitionKey").and_then(Value::as_str) == Some(partition_key)
                && r.get("RowKey").and_then(Value::as_str) == Some(row_key)
        })
    }

    /// Queue names.
    pub fn queues(&self) -> Vec<String> {
        let mut names = self
            .block_on(self.client.list_queues())
            .expect("list queues");
        names.sort();
        names
    }

    /// Up to 32 message texts as stored (base64 when the binding encoded them), left in place.
    pub fn peek_raw(&self, queue: &str) -> Vec<String> {
        match self.block_on(self.client.peek_messages(queue, 32)) {
            Ok(texts) => texts,
            Err(e) if e.status() == Some(404) => Vec::new(),
            Err(e) => panic!("peek {queue}: {e}"),
        }
    }

    /// Takes every message out of the queue, in order, as stored.
    pub fn drain_raw(&self, queue: &str) -> Vec<String> {
        let mut texts = Vec::new();
        loop {
            let batch = match self.block_on(self.client.receive_messages(
                queue,
                32,
                Duration::from_secs(300),
            )) {
                Ok(batch) => batch,
                Err(e) if e.status() == Some(404) => return texts,
                Err(e) => panic!("receive from {queue}: {e}"),
            };
            if batch.is_empty() {
                return texts;
            }
            for message in batch {
                self.block_on(self.client.delete_message(queue, &message))
                    .unwrap_or_else(|e| panic!("delete from {queue}: {e}"));
                texts.push(message.text);
            }
        }
    }

    /// Takes every message out of the queue, base64-decoded as a queue trigger would decode it.
    pub fn drain(&self, queue: &str) -> Vec<String> {
        self.drain_raw(queue)
            .into_iter()
            .map(|text| decode_base64_text(&text))
            .collect()
    }

    /// [`Azurite::drain`], each message parsed as JSON.
    pub fn drain_json(&self, queue: &str) -> Vec<Value> {
        self.drain(queue)
            .into_iter()
            .map(|text| {
                serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("message in {queue} is not JSON ({e}): {text}"))
            })
            .collect()
    }

    /// A blob's content, `None` when it does not exist.
    pub fn blob(&self, container: &str, name: &str) -> Option<Vec<u8>> {
        self.block_on(self.client.get_blob(container, name))
            .unwrap_or_else(|e| panic!("get blob in {container}: {e}"))
    }

    /// Every blob of every container, by `container/name`.
    pub fn blobs(&self) -> BTreeMap<String, Vec<u8>> {
        let mut all = BTreeMap::new();
        let containers = self
            .block_on(self.client.list_containers())
            .expect("list containers");
        for container in containers {
            let names = self
                .block_on(self.client.list_blobs(&container))
                .expect("list blobs");
            for name in names {
                let content = self.blob(&container, &name).unwrap_or_default();
                all.insert(format!("{container}/{name}"), content);
            }
        }
        all
    }

    /// Every table's rows and every blob.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            tables: self
                .tables()
                .into_iter()
                .map(|t| {
                    let rows = self.rows(&t);
                    (t, rows)
                })
                .collect(),
            blobs: self.blobs(),
        }
    }
}

/// A stored base64 message text back to the UTF-8 text the handler sent.
pub fn decode_base64_text(text: &str) -> String {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap_or_else(|e| panic!("message is not base64 ({e}): {text}"));
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("message is not UTF-8: {e}"))
}

fn key_of(row: &Map<String, Value>) -> (String, String) {
    let key = |name| {
        row.get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    (key("PartitionKey"), key("RowKey"))
}

/// The repository root: the function app root of our function folders and host.json.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn azurite_dir() -> PathBuf {
    repo_root().join("tests").join("azurite")
}

impl Emulator {
    fn start() -> Result<Emulator, String> {
        let bin = ensure_installed()?;
        let mut last = String::new();
        // A free port can be taken between our check and Azurite's bind: try a few sets.
        for _ in 0..3 {
            match Emulator::spawn(&bin) {
                Ok(emulator) => return Ok(emulator),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn spawn(bin: &Path) -> Result<Emulator, String> {
        let ports = [free_port(), free_port(), free_port()];
        let work = std::env::temp_dir().join(format!(
            "acs-event-handler-azurite-{}-{}",
            std::process::id(),
            ports[0]
        ));
        std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {work:?}: {e}"))?;
        let log_path = work.join("azurite.log");
        let log = std::fs::File::create(&log_path)
            .map_err(|e| format!("cannot create {log_path:?}: {e}"))?;
        let log_err = log
            .try_clone()
            .map_err(|e| format!("cannot open {log_path:?}: {e}"))?;
        let accounts: Vec<String> = (0..ACCOUNTS)
            .map(|i| {
                let (name, key) = account(i);
                format!("{name}:{key}")
            })
            .collect();
        let [blob, queue, table] = ports.map(|p| p.to_string());
        let started = Instant::now();
        // The guard: Azurite in the background, killed when our end of its stdin closes.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#""$@" & pid=$!; trap 'kill $pid 2>/dev/null' EXIT; read _ignored; kill $pid 2>/dev/null; wait $pid; rm -f "$PWD/azurite.log"; rmdir "$PWD""#)
            .arg("azurite-guard")
            .arg(bin)
            .args(["--silent", "--disableTelemetry", "--inMemoryPersistence"])
            .args(["--blobHost", "127.0.0.1", "--blobPort", &blob])
            .args(["--queueHost", "127.0.0.1", "--queuePort", &queue])
            .args(["--tableHost", "127.0.0.1", "--tablePort", &table])
            .env("AZURITE_ACCOUNTS", accounts.join(";"))
            .current_dir(&work)
            .stdin(Stdio::piped())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .spawn()
            .map_err(|e| format!("cannot start Azurite ({}): {e}. {INSTALL_HINT}", bin.display()))?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| "no stdin for the Azurite guard".to_owned())?;
        let deadline = started + Duration::from_secs(60);
        loop {
            let ready = ports.iter().all(|port| {
                TcpStream::connect_timeout(
                    &([127, 0, 0, 1], *port).into(),
                    Duration::from_millis(200),
                )
                .is_ok()
            });
            if ready {
                return Ok(Emulator {
                    ports,
                    _guard: Mutex::new((child, stdin)),
                    started_in: started.elapsed(),
                });
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "Azurite exited ({status}) before it answered: {}",
                    tail(&log_path)
                ));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err(format!(
                    "Azurite did not answer on ports {ports:?} within 60 s: {}",
                    tail(&log_path)
                ));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

/// `tests/azurite/node_modules/.bin/azurite`, installed with `npm ci` when missing. Runs inside
/// the `OnceLock` initialisation, so concurrent test threads wait for one install.
fn ensure_installed() -> Result<PathBuf, String> {
    let dir = azurite_dir();
    let bin = dir.join("node_modules").join(".bin").join("azurite");
    if bin.exists() {
        return Ok(bin);
    }
    let version = Command::new("node")
        .arg("--version")
        .output()
        .map_err(|e| format!("cannot run `node` ({e}). {INSTALL_HINT}"))?;
    let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 18 {
        return Err(format!("Node.js {version} is too old. {INSTALL_HINT}"));
    }
    let output = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefix"])
        .arg(&dir)
        .output()
        .map_err(|e| format!("cannot run `npm` ({e}). {INSTALL_HINT}"))?;
    if !output.status.success() || !bin.exists() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last: Vec<&str> = stderr.lines().rev().take(15).collect();
        return Err(format!(
            "`npm ci --prefix tests/azurite` failed ({}):\n{}",
            output.status,
            last.into_iter().rev().collect::<Vec<_>>().join("\n")
        ));
    }
    Ok(bin)
}

fn tail(path: &Path) -> String {
    let mut text = String::new();
    if let Ok(mut file) = std::fs::File::open(path) {
        let _ = file.read_to_string(&mut text);
    }
    let lines: Vec<&str> = text.lines().rev().take(20).collect();
    lines.into_iter().rev().collect::<Vec<_>>().join("\n")
}

#[test]
fn azurite_fixture_gives_each_test_its_own_account() {
    let a = Azurite::start();
    let b = Azurite::start();
    assert_ne!(a.connection().account(), b.connection().account());
    a.block_on(a.client().create_queue("sms-outbox")).unwrap();
    a.block_on(a.client().put_message("sms-outbox", "aGVsbG8="))
        .unwrap();
    assert_eq!(a.peek_raw("sms-outbox"), ["aGVsbG8="]);
    assert!(b.peek_raw("sms-outbox").is_empty(), "accounts are isolated");
    assert_eq!(a.drain("sms-outbox"), ["hello"]);
    assert!(a.drain("sms-outbox").is_empty(), "drained");
    let startup = Azurite::startup_time().expect("started");
    eprintln!("Azurite answered on all three ports after {startup:?}");
}
