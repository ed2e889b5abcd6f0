//! Azure Storage connection strings, as the Functions host reads `AzureWebJobsStorage`:
//! `UseDevelopmentStorage=true` (Azurite's well-known account on 127.0.0.1), or
//! `DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…;EndpointSuffix=…` with optional
//! `BlobEndpoint`/`QueueEndpoint`/`TableEndpoint` overrides (how Azurite on other ports, or a
//! custom domain, is named).
//!
//! The account key is a secret: it is held in azure_core's [`Secret`] (redacting `Debug`), and no
//! error or `Debug` rendering repeats it or the connection string it came from.

use std::fmt;
use std::net::IpAddr;

use azure_core::credentials::Secret;
use azure_core::http::Url;

/// Azurite's (and the old storage emulator's) well-known account, published in the Azurite README
/// and Microsoft's "Use the Azurite emulator" page. Not a secret: every emulator accepts it.
pub const DEVELOPMENT_ACCOUNT: &str = "devstoreaccount1";
const DEVELOPMENT_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/// The connection string that names the local emulator, and `replay --to-storage`'s default.
pub const DEVELOPMENT_STORAGE: &str = "UseDevelopmentStorage=true";

/// The three storage services an output binding can write to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Blob,
    Queue,
    Table,
}

impl Service {
    /// The name used in connection strings (`BlobEndpoint`) and host names (`.blob.`).
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Blob => "blob",
            Service::Queue => "queue",
            Service::Table => "table",
        }
    }

    /// Azurite's default port for the service.
    pub fn development_port(self) -> u16 {
        match self {
            Service::Blob => 10000,
            Service::Queue => 10001,
            Service::Table => 10002,
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is wrong with a storage connection string. No variant holds the key or the string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionError {
    #[error("the storage connection string is empty")]
    Empty,
    #[error("part {0} of the storage connection string is not `Name=value`")]
    NotNameValue(usize),
    #[error("the storage connection string names `{0}` twice")]
    Duplicate(String),
    #[error("UseDevelopmentStorage must be `true` (found another value)")]
    DevelopmentStorageNotTrue,
    #[error("the storage connection string has no AccountName")]
    NoAccountName,
    #[error("the storage connection string has no AccountKey (SAS and identity-based connections are not supported here)")]
    NoAccountKey,
    #[error("the AccountKey is not base64")]
    KeyNotBase64,
    #[error("DefaultEndpointsProtocol must be http or https, found {0:?}")]
    BadProtocol(String),
    #[error("{service}Endpoint is not an absolute http(s) URL: {reason}")]
    BadEndpoint { service: Service, reason: String },
    #[error("{service}Endpoint uses http:// for a host that is not loopback; only Azurite on this machine may be reached without TLS")]
    InsecureEndpoint { service: Service },
}

/// A parsed storage connection: the account, its key, and one endpoint per service.
#[derive(Clone)]
pub struct StorageConnection {
    account: String,
    key: Secret,
    blob: Url,
    queue: Url,
    table: Url,
}

impl fmt::Debug for StorageConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StorageConnection")
            .field("account", &self.account)
            .field("key", &"<redacted>")
            .field("blob", &self.blob.as_str())
            .field("queue", &self.queue.as_str())
            .field("table", &self.table.as_str())
            .finish()
    }
}

impl StorageConnection {
    /// Azurite on its default ports with the well-known account (`UseDevelopmentStorage=true`).
    fn development() -> Result<Self, ConnectionError> {
        let ports = [Service::Blob, Service::Queue, Service::Table].map(Service::development_port);
        StorageConnection::emulator("127.0.0.1", ports, DEVELOPMENT_ACCOUNT, DEVELOPMENT_KEY)
    }

    /// Parses a connection string: `Name=value` parts separated by `;`, names case-insensitive,
    /// empty parts and names we do not use (`SharedAccessSignature` aside) ignored.
    pub fn parse(text: &str) -> Result<Self, ConnectionError> {
        let mut parts: Vec<(String, &str)> = Vec::new();
        for (index, part) in text.split(';').enumerate() {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (name, value) = part
                .split_once('=')
                .ok_or(ConnectionError::NotNameValue(index + 1))?;
            let name = name.trim().to_ascii_lowercase();
            if parts.iter().any(|(n, _)| *n == name) {
                return Err(ConnectionError::Duplicate(canonical_name(&name)));
            }
            parts.push((name, value.trim()));
        }
        if parts.is_empty() {
            return Err(ConnectionError::Empty);
        }
        let get = |name: &str| {
            parts
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| *v)
                .filter(|v| !v.is_empty())
        };
        if let Some(value) = get("usedevelopmentstorage") {
            if !value.eq_ignore_ascii_case("true") {
                return Err(ConnectionError::DevelopmentStorageNotTrue);
            }
            return StorageConnection::development();
        }
        let account = get("accountname").ok_or(ConnectionError::NoAccountName)?;
        let key = get("accountkey").ok_or(ConnectionError::NoAccountKey)?;
        match azure_core::base64::decode(key) {
            Ok(bytes) if !bytes.is_empty() => {}
            _ => return Err(ConnectionError::KeyNotBase64),
        }
        let protocol = get("defaultendpointsprotocol")
            .unwrap_or("https")
            .to_ascii_lowercase();
        if protocol != "https" && protocol != "http" {
            return Err(ConnectionError::BadProtocol(protocol));
        }
        let suffix = get("endpointsuffix").unwrap_or("core.windows.net");
        let endpoint = |service: Service| -> Result<Url, ConnectionError> {
            let explicit = get(&format!("{}endpoint", service.as_str()));
            let text = match explicit {
                Some(url) => url.to_owned(),
                None => format!("{protocol}://{account}.{}.{suffix}", service.as_str()),
            };
            checked_endpoint(service, &text)
        };
        Ok(StorageConnection {
            account: account.to_owned(),
            key: Secret::new(key.to_owned()),
            blob: endpoint(Service::Blob)?,
            queue: endpoint(Service::Queue)?,
            table: endpoint(Service::Table)?,
        })
    }

    /// A connection string for Azurite-style endpoints (path-style, `http://host:port/account`):
    /// what a test gives to a child process. It holds the key: never print it.
    pub fn to_connection_string(&self) -> String {
        format!(
            "DefaultEndpointsProtocol={};AccountName={};AccountKey={};BlobEndpoint={};QueueEndpoint={};TableEndpoint={}",
            self.blob.scheme(),
            self.account,
            self.key.secret(),
            self.blob.as_str().trim_end_matches('/'),
            self.queue.as_str().trim_end_matches('/'),
            self.table.as_str().trim_end_matches('/'),
        )
    }

    /// A connection to Azurite at `host` with one port per service, for `account` and `key`
    /// (base64). Used by test fixtures that start Azurite on free ports.
    pub fn emulator(
        host: &str,
        ports: [u16; 3],
        account: &str,
        key: &str,
    ) -> Result<Self, ConnectionError> {
        let [blob, queue, table] = ports;
        StorageConnection::parse(&format!(
            "DefaultEndpointsProtocol=http;AccountName={account};AccountKey={key};BlobEndpoint=http://{host}:{blob}/{account};QueueEndpoint=http://{host}:{queue}/{account};TableEndpoint=http://{host}:{table}/{account}"
        ))
    }

    /// The storage account name (signed into every request).
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The base URL of `service` (no trailing slash semantics are assumed).
    pub fn endpoint(&self, service: Service) -> &Url {
        match service {
            Service::Blob => &self.blob,
            Service::Queue => &self.queue,
            Service::Table => &self.table,
        }
    }

    /// Whether every endpoint is on this machine (then no proxy is used).
    pub fn is_loopback(&self) -> bool {
        [&self.blob, &self.queue, &self.table]
            .iter()
            .all(|url| url.host_str().is_some_and(is_loopback_host))
    }

    pub(crate) fn key(&self) -> &Secret {
        &self.key
    }
}

fn checked_endpoint(service: Service, text: &str) -> Result<Url, ConnectionError> {
    let url = Url::parse(text).map_err(|e| ConnectionError::BadEndpoint {
        service,
        reason: e.to_string(),
    })?;
    let Some(host) = url.host_str() else {
        return Err(ConnectionError::BadEndpoint {
            service,
            reason: "no host".to_owned(),
        });
    };
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(host) => {}
        "http" => return Err(ConnectionError::InsecureEndpoint { service }),
        other => {
            return Err(ConnectionError::BadEndpoint {
                service,
                reason: format!("scheme {other} is not http or https"),
            })
        }
    }
    if url.query().is_some() {
        // A SAS token in an endpoint would be a credential we do not sign with.
        return Err(ConnectionError::BadEndpoint {
            service,
            reason: "an endpoint may not have a query".to_owned(),
        });
    }
    Ok(url)
}

fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn canonical_name(lower: &str) -> String {
    const NAMES: [&str; 8] = [
        "UseDevelopmentStorage",
        "DefaultEndpointsProtocol",
        "AccountName",
        "AccountKey",
        "EndpointSuffix",
        "BlobEndpoint",
        "QueueEndpoint",
        "TableEndpoint",
    ];
    NAMES
        .iter()
        .find(|n| n.eq_ignore_ascii_case(lower))
        .map(|n| (*n).to_owned())
        .unwrap_or_else(|| lower.chars().take(40).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "c2VjcmV0LWtleS1mb3ItdGVzdHM=";

    #[test]
    fn development_storage_is_azurite_on_its_default_ports() {
        let c = StorageConnection::parse("UseDevelopmentStorage=true").unwrap();
        assert_eq!(c.account(), "devstoreaccount1");
        assert_eq!(
            c.endpoint(Service::Blob).as_str(),
            "http://127.0.0.1:10000/devstoreaccount1"
        );
        assert_eq!(
            c.endpoint(Service::Queue).as_str(),
            "http://127.0.0.1:10001/devstoreaccount1"
        );
        assert_eq!(
            c.endpoint(Service::Table).as_str(),
            "http://127.0.0.1:10002/devstoreaccount1"
        );
        assert!(c.is_loopback());
        assert_eq!(
            StorageConnection::parse("usedevelopmentstorage=TRUE;")
                .unwrap()
                .account(),
            "devstoreaccount1"
        );
        assert_eq!(
            StorageConnection::parse("UseDevelopmentStorage=false").unwrap_err(),
            ConnectionError::DevelopmentStorageNotTrue
        );
    }

    #[test]
    fn account_strings_build_endpoints_from_the_suffix_or_take_explicit_ones() {
        let c = StorageConnection::parse(&format!(
            "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={KEY};EndpointSuffix=core.chinacloudapi.cn"
        ))
        .unwrap();
        assert_eq!(
            c.endpoint(Service::Table).as_str(),
            "https://acme.table.core.chinacloudapi.cn/"
        );
        assert!(!c.is_loopback());
        let c = StorageConnection::parse(&format!(
            "AccountName=acme;AccountKey={KEY};QueueEndpoint=http://127.0.0.1:4711/acme"
        ))
        .unwrap();
        assert_eq!(
            c.endpoint(Service::Queue).as_str(),
            "http://127.0.0.1:4711/acme"
        );
        assert_eq!(
            c.endpoint(Service::Blob).as_str(),
            "https://acme.blob.core.windows.net/"
        );
        // Round trip through the emulator form.
        let again = StorageConnection::parse(&c.to_connection_string()).unwrap();
        assert_eq!(again.endpoint(Service::Queue), c.endpoint(Service::Queue));
    }

    #[test]
    fn bad_strings_are_refused_without_repeating_the_key() {
        let cases = [
            (
                format!("AccountName=a;AccountKey={KEY};AccountKey={KEY}"),
                "twice",
            ),
            ("AccountName=a".to_owned(), "no AccountKey"),
            (format!("AccountKey={KEY}"), "no AccountName"),
            ("AccountName=a;AccountKey=not base64!".to_owned(), "base64"),
            (
                format!("AccountName=a;AccountKey={KEY};BlobEndpoint=http://example.com/a"),
                "loopback",
            ),
            (
                format!("AccountName=a;AccountKey={KEY};DefaultEndpointsProtocol=ftp"),
                "http or https",
            ),
            (
                format!("AccountName=a;AccountKey={KEY};garbage"),
                "Name=value",
            ),
            (
                format!("AccountName=a;AccountKey={KEY};TableEndpoint=https://x/?sig=1"),
                "query",
            ),
        ];
        for (text, expected) in cases {
            let error = StorageConnection::parse(&text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
            assert!(!error.contains(KEY), "{error}");
        }
        let c = StorageConnection::parse(&format!("AccountName=a;AccountKey={KEY}")).unwrap();
        assert!(!format!("{c:?}").contains(KEY));
    }
}
