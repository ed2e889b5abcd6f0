//! The HTTP side of the custom-handler protocol: warp routes and the server loop.
//!
//! The host POSTs each invocation to `/{FunctionName}` (chunked, keep-alive, many at once) and
//! polls `GET /` until the handler answers. Every reply we write is JSON, including errors and
//! the last-resort 500 for a bug; only requests hyper cannot parse at all (a negative or doubled
//! `Content-Length`, TLS bytes, an oversized head) get hyper's own empty 400/431 before any of
//! our code runs (see `docs/host-protocol.md` §3).
//!
//! The edges ([`ServerOptions`]): a request head must arrive within the header timeout, which
//! hyper also applies to an idle keep-alive connection waiting for its next request; a body
//! must arrive within the body timeout; after SIGTERM the server stops accepting, lets the
//! invocations in flight finish, and gives up after the shutdown deadline, naming what was
//! unfinished.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use futures_util::{FutureExt, Stream, StreamExt};
use warp::http::{header, Method, Response, StatusCode};
use warp::hyper::body::Bytes as HyperBytes;
use warp::Filter;

use crate::app::{App, Reply};
use crate::host::protocol::{ProtocolError, MAX_BODY_BYTES};
use crate::logtext::quote;
use crate::settings::names::{
    HANDLER_BODY_TIMEOUT_MS, HANDLER_HEADER_TIMEOUT_MS, HANDLER_SHUTDOWN_DEADLINE_MS,
};
use crate::settings::{Settings, SettingsError};

/// Default port when `FUNCTIONS_CUSTOMHANDLER_PORT` is unset (as in the docs' samples).
pub const DEFAULT_PORT: u16 = 3000;

/// The header the host puts the invocation id in.
const INVOCATION_ID_HEADER: &str = "x-azure-functions-invocationid";

type HttpResponse = Response<HyperBytes>;

/// The server's timeouts. Each may be lowered with an app setting (milliseconds), never raised
/// past its default, which is the ceiling the operations review asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerOptions {
    /// A request head must be complete this long after the connection starts waiting for it:
    /// after accepting, and after each response on a keep-alive connection, so this is also the
    /// idle keep-alive timeout (hyper's `header_read_timeout` timer starts whenever the
    /// connection begins to read a head).
    pub header_timeout: Duration,
    /// A request body must be complete this long after its head.
    pub body_timeout: Duration,
    /// After the shutdown signal, how long invocations in flight may take.
    pub shutdown_deadline: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(60),
            shutdown_deadline: Duration::from_secs(20),
        }
    }
}

impl ServerOptions {
    /// The options from the app settings; a value of 0 or above the default is refused.
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        let defaults = ServerOptions::default();
        let read = |name: &'static str, default: Duration| {
            let ceiling = default.as_millis() as usize;
            match settings.number(name, ceiling)? {
                ms if (1..=ceiling).contains(&ms) => Ok(Duration::from_millis(ms as u64)),
                _ => Err(SettingsError {
                    name,
                    problem: format!("expected 1 to {ceiling} (milliseconds)"),
                }),
            }
        };
        Ok(ServerOptions {
            header_timeout: read(HANDLER_HEADER_TIMEOUT_MS, defaults.header_timeout)?,
            body_timeout: read(HANDLER_BODY_TIMEOUT_MS, defaults.body_timeout)?,
            shutdown_deadline: read(HANDLER_SHUTDOWN_DEADLINE_MS, defaults.shutdown_deadline)?,
        })
    }
}

/// The invocations being served, by function name and host invocation id: what the shutdown
/// deadline names when it gives up. Cheap: one short lock on entry and one on exit, and the
/// text is built only when the list is asked for.
#[derive(Debug, Default, Clone)]
pub struct InFlight {
    entries: Arc<Mutex<Entries>>,
}

#[derive(Debug, Default)]
struct Entries {
    next: u64,
    live: Vec<(u64, &'static str, Option<String>)>,
}

/// Removes its entry when the invocation ends (answered, failed, or dropped with its
/// connection).
struct InFlightGuard {
    key: u64,
    entries: Arc<Mutex<Entries>>,
}

impl InFlight {
    fn begin(&self, function: &'static str, invocation_id: Option<String>) -> InFlightGuard {
        let mut key = 0;
        if let Ok(mut entries) = self.entries.lock() {
            key = entries.next;
            entries.next += 1;
            entries.live.push((key, function, invocation_id));
        }
        InFlightGuard {
            key,
            entries: Arc::clone(&self.entries),
        }
    }

    /// The invocations in flight, oldest first: `"<function> (invocation <id>)"`.
    pub fn list(&self) -> Vec<String> {
        let Ok(entries) = self.entries.lock() else {
            return Vec::new();
        };
        entries
            .live
            .iter()
            .map(|(_, function, id)| {
                let id = id.as_deref().map_or("unknown".into(), |id| quote(id, 100));
                format!("{function} (invocation {id})")
            })
            .collect()
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        if let Ok(mut entries) = self.entries.lock() {
            if let Some(at) = entries.live.iter().position(|(key, ..)| *key == self.key) {
                entries.live.remove(at);
            }
        }
    }
}

/// All routes, without a socket: tests drive them with `warp::test::request()`.
pub fn routes(app: Arc<App>) -> impl Filter<Extract = (HttpResponse,), Error = Infallible> + Clone {
    routes_with(app, InFlight::default(), ServerOptions::default())
}

/// [`routes`], recording invocations in `in_flight` and reading bodies within `options`.
pub fn routes_with(
    app: Arc<App>,
    in_flight: InFlight,
    options: ServerOptions,
) -> impl Filter<Extract = (HttpResponse,), Error = Infallible> + Clone {
    warp::method()
        .and(warp::path::full())
        .and(warp::header::optional::<u64>("content-length"))
        .and(warp::header::optional::<String>(INVOCATION_ID_HEADER))
        .and(warp::body::stream())
        .then(
            move |method: Method,
                  path: warp::path::FullPath,
                  length: Option<u64>,
                  invocation_id: Option<String>,
                  body| {
                let app = Arc::clone(&app);
                let in_flight = in_flight.clone();
                async move {
                    let request = Request {
                        method: &method,
                        path: path.as_str(),
                        length,
                        invocation_id,
                    };
                    // The last line of defence: a bug anywhere in an invocation answers a JSON
                    // 500 (which the host retries) instead of closing the connection.
                    AssertUnwindSafe(handle(&app, &in_flight, &options, request, body))
                        .catch_unwind()
                        .await
                        .unwrap_or_else(|_| {
                            tracing::error!(
                                path = %quote(path.as_str(), 100),
                                "an invocation panicked; answering 500"
                            );
                            reply(Reply::error(&ProtocolError::Internal))
                        })
                }
            },
        )
        .recover(|_rejection| async {
            Ok::<_, Infallible>(reply(Reply::error(&ProtocolError::NotAnInvocation(
                "unreadable request".to_owned(),
            ))))
        })
        .unify()
}

struct Request<'a> {
    method: &'a Method,
    path: &'a str,
    length: Option<u64>,
    invocation_id: Option<String>,
}

async fn handle<S, B>(
    app: &App,
    in_flight: &InFlight,
    options: &ServerOptions,
    request: Request<'_>,
    body: S,
) -> HttpResponse
where
    S: Stream<Item = Result<B, warp::Error>> + Unpin,
    B: Buf,
{
    let Request {
        method,
        path,
        length,
        invocation_id,
    } = request;
    if path == "/" {
        if method == Method::GET || method == Method::HEAD {
            return json_response(StatusCode::OK, Bytes::from_static(br#"{"status":"ready"}"#));
        }
        return method_not_allowed(method, "GET, HEAD");
    }
    let requested = path.trim_start_matches('/');
    let Some(function) = App::function(requested) else {
        return reply(Reply::error(&ProtocolError::UnknownFunction(
            crate::logtext::clip(requested, 100).to_owned(),
        )));
    };
    if method != Method::POST {
        return method_not_allowed(method, "POST");
    }
    let _in_flight = in_flight.begin(function, invocation_id);
    if length.is_some_and(|l| l > MAX_BODY_BYTES as u64) {
        return reply(Reply::error(&ProtocolError::TooLarge {
            limit: MAX_BODY_BYTES,
        }));
    }
    let body =
        match tokio::time::timeout(options.body_timeout, read_body(body, MAX_BODY_BYTES)).await {
            Ok(Ok(body)) => body,
            Ok(Err(error)) => return reply(Reply::error(&error)),
            Err(_) => {
                return reply(Reply::error(&ProtocolError::BodyTimeout {
                    millis: u64::try_from(options.body_timeout.as_millis()).unwrap_or(u64::MAX),
                }))
            }
        };
    reply(app.invoke(function, &body).await)
}

fn method_not_allowed(method: &Method, allowed: &'static str) -> HttpResponse {
    let mut response = reply(Reply::error(&ProtocolError::MethodNotAllowed {
        method: crate::logtext::clip(method.as_str(), 20).to_owned(),
        allowed,
    }));
    response
        .headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static(allowed));
    response
}

/// Reads a (possibly chunked) body, refusing more than `limit` bytes.
async fn read_body<S, B>(mut body: S, limit: usize) -> Result<Bytes, ProtocolError>
where
    S: Stream<Item = Result<B, warp::Error>> + Unpin,
    B: Buf,
{
    let mut buffer = BytesMut::new();
    while let Some(chunk) = body.next().await {
        let mut chunk = chunk
            .map_err(|e| ProtocolError::NotAnInvocation(format!("could not read the body: {e}")))?;
        if buffer.len().saturating_add(chunk.remaining()) > limit {
            return Err(ProtocolError::TooLarge { limit });
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            let n = part.len();
            buffer.put_slice(part);
            chunk.advance(n);
        }
    }
    Ok(buffer.freeze())
}

fn reply(reply: Reply) -> HttpResponse {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(status, Bytes::from(reply.body))
}

fn json_response(status: StatusCode, body: Bytes) -> HttpResponse {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}

/// Why the server could not start, or did not stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("FUNCTIONS_CUSTOMHANDLER_PORT={0:?} is not a valid TCP port (1-65535)")]
    BadPort(String),
    #[error(
        "cannot listen on {addr}: {source} (is another handler already running on that port?)"
    )]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(
        "the shutdown deadline of {deadline:?} passed with {} invocation(s) unfinished{}{}; exiting",
        unfinished.len(),
        if unfinished.is_empty() { String::new() } else { format!(": {}", unfinished.join(", ")) },
        if *connections > 0 { format!(" and {connections} connection(s) still open") } else { String::new() }
    )]
    ShutdownDeadline {
        deadline: Duration,
        unfinished: Vec<String>,
        connections: usize,
    },
}

/// The port from `FUNCTIONS_CUSTOMHANDLER_PORT`, or [`DEFAULT_PORT`] when unset.
pub fn port_from_env(value: Option<&str>) -> Result<(u16, bool), ServeError> {
    match value.map(str::trim) {
        None | Some("") => Ok((DEFAULT_PORT, true)),
        Some(text) => match text.parse::<u16>() {
            Ok(port) if port != 0 => Ok((port, false)),
            _ => Err(ServeError::BadPort(quote(text, 40).into_owned())),
        },
    }
}

/// Binds `127.0.0.1:port` and serves until `shutdown` resolves; then stops accepting, lets the
/// invocations in flight finish within [`ServerOptions::shutdown_deadline`], and fails with
/// [`ServeError::ShutdownDeadline`] (naming them) when they do not.
pub async fn serve(
    app: Arc<App>,
    port: u16,
    options: ServerOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    tracing::info!(%addr, "listening for the Functions host");
    let in_flight = InFlight::default();
    let filter = routes_with(app, in_flight.clone(), options);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let connections = Arc::new(AtomicUsize::new(0));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(warp::service(filter.clone()));
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(options.header_timeout)
            .keep_alive(true)
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        let open = Arc::clone(&connections);
        open.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                // A header timeout, a client that went away, a request hyper cannot parse.
                tracing::debug!(error = %e, "connection ended with an error");
            }
            open.fetch_sub(1, Ordering::Relaxed);
        });
    }
    drop(listener);
    tracing::info!(
        deadline = ?options.shutdown_deadline,
        in_flight = in_flight.list().len(),
        "no longer accepting; waiting for invocations in flight"
    );
    match tokio::time::timeout(options.shutdown_deadline, graceful.shutdown()).await {
        Ok(()) => {
            tracing::info!("stopped");
            Ok(())
        }
        Err(_) => Err(ServeError::ShutdownDeadline {
            deadline: options.shutdown_deadline,
            unfinished: in_flight.list(),
            connections: connections.load(Ordering::Relaxed),
        }),
    }
}

/// Resolves on SIGTERM (the host stopping us) or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight invocations");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(settings: &[(&str, &str)]) -> Arc<App> {
        Arc::new(App::new(&Settings::from_pairs(settings.iter().copied())).unwrap())
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_panic_outside_the_dispatcher_is_a_json_500_not_a_closed_connection() {
        let filter = routes(app(&[(
            crate::settings::names::HANDLER_DEBUG_PANIC,
            "invoke:EventGridTrigger",
        )]));
        let reply = runtime().block_on(
            warp::test::request()
                .method("POST")
                .path("/EventGridTrigger")
                .body("{}")
                .reply(&filter),
        );
        assert_eq!(reply.status(), 500);
        let body: serde_json::Value = serde_json::from_slice(reply.body()).unwrap();
        assert_eq!(body["Error"]["status"], 500, "{body}");
        assert!(
            body["Outputs"].is_object() && body["Logs"].is_array(),
            "{body}"
        );
    }

    #[test]
    fn wrong_methods_on_function_paths_are_405_with_allow() {
        let filter = routes(app(&[]));
        let rt = runtime();
        for (method, path, allow) in [
            ("GET", "/EventGridTrigger", "POST"),
            ("PUT", "/SmsSender", "POST"),
            ("DELETE", "/EventGridTrigger", "POST"),
            ("POST", "/", "GET, HEAD"),
        ] {
            let reply = rt.block_on(
                warp::test::request()
                    .method(method)
                    .path(path)
                    .body("{}")
                    .reply(&filter),
            );
            assert_eq!(reply.status(), 405, "{method} {path}");
            assert_eq!(reply.headers()["allow"], allow, "{method} {path}");
            let body: serde_json::Value = serde_json::from_slice(reply.body()).unwrap();
            assert_eq!(body["Error"]["status"], 405);
        }
        // An unknown function is 404 whatever the method.
        let reply = rt.block_on(
            warp::test::request()
                .method("GET")
                .path("/Nope")
                .reply(&filter),
        );
        assert_eq!(reply.status(), 404);
    }

    #[test]
    fn in_flight_invocations_are_listed_until_they_end() {
        let in_flight = InFlight::default();
        let first = in_flight.begin("EventGridTrigger", Some("id-1".into()));
        let second = in_flight.begin("SmsSender", Some("x\ny".into()));
        let third = in_flight.begin("SmsSender", None);
        drop(third);
        assert_eq!(
            in_flight.list(),
            [
                "EventGridTrigger (invocation id-1)",
                "SmsSender (invocation x\\ny)"
            ]
        );
        drop(first);
        assert_eq!(in_flight.list().len(), 1);
        drop(second);
        assert!(in_flight.list().is_empty());
    }

    #[test]
    fn timeouts_may_be_lowered_never_raised() {
        let options = ServerOptions::from_settings(&Settings::from_pairs([
            (HANDLER_HEADER_TIMEOUT_MS, "500"),
            (HANDLER_SHUTDOWN_DEADLINE_MS, "2000"),
        ]))
        .unwrap();
        assert_eq!(options.header_timeout, Duration::from_millis(500));
        assert_eq!(options.body_timeout, Duration::from_secs(60));
        assert_eq!(options.shutdown_deadline, Duration::from_secs(2));
        for (name, value) in [
            (HANDLER_HEADER_TIMEOUT_MS, "30001"),
            (HANDLER_BODY_TIMEOUT_MS, "0"),
            (HANDLER_SHUTDOWN_DEADLINE_MS, "60000"),
        ] {
            let err =
                ServerOptions::from_settings(&Settings::from_pairs([(name, value)])).unwrap_err();
            assert_eq!(err.name, name);
        }
    }
}
