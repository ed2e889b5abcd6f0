//! The HTTP side of the custom-handler protocol: warp routes and the server loop.
//!
//! The host POSTs each invocation to `/{FunctionName}` (chunked, keep-alive, many at once) and
//! polls `GET /` until the handler answers. Every reply is JSON, including errors.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use warp::http::{header, Method, Response, StatusCode};
use warp::hyper::body::Bytes as HyperBytes;
use warp::Filter;

use crate::app::{App, Reply};
use crate::functions::{ProtocolError, MAX_BODY_BYTES};

/// Default port when `FUNCTIONS_CUSTOMHANDLER_PORT` is unset (as in the docs' samples).
pub const DEFAULT_PORT: u16 = 3000;

type HttpResponse = Response<HyperBytes>;

/// All routes, without a socket: tests drive them with `warp::test::request()`.
pub fn routes(app: Arc<App>) -> impl Filter<Extract = (HttpResponse,), Error = Infallible> + Clone {
    warp::method()
        .and(warp::path::full())
        .and(warp::header::optional::<u64>("content-length"))
        .and(warp::body::stream())
        .then(
            move |method: Method, path: warp::path::FullPath, length: Option<u64>, body| {
                let app = Arc::clone(&app);
                async move { handle(&app, &method, path.as_str(), length, body).await }
            },
        )
        .recover(|_rejection| async {
            Ok::<_, Infallible>(reply(Reply::error(&ProtocolError::NotAnInvocation(
                "unreadable request".to_owned(),
            ))))
        })
        .unify()
}

async fn handle<S, B>(
    app: &App,
    method: &Method,
    path: &str,
    length: Option<u64>,
    body: S,
) -> HttpResponse
where
    S: Stream<Item = Result<B, warp::Error>> + Unpin,
    B: Buf,
{
    if path == "/" && (method == Method::GET || method == Method::HEAD) {
        return json_response(StatusCode::OK, Bytes::from_static(br#"{"status":"ready"}"#));
    }
    let function = path.trim_start_matches('/');
    if method != Method::POST || function.is_empty() || function.contains('/') {
        return reply(Reply::error(&ProtocolError::UnknownFunction(
            function.chars().take(100).collect(),
        )));
    }
    if length.is_some_and(|l| l > MAX_BODY_BYTES as u64) {
        return reply(Reply::error(&ProtocolError::TooLarge {
            limit: MAX_BODY_BYTES,
        }));
    }
    let body = match read_body(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(error) => return reply(Reply::error(&error)),
    };
    reply(app.invoke(function, &body).await)
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
        if buffer.len() + chunk.remaining() > limit {
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

/// Why the server could not start.
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
}

/// The port from `FUNCTIONS_CUSTOMHANDLER_PORT`, or [`DEFAULT_PORT`] when unset.
pub fn port_from_env(value: Option<&str>) -> Result<(u16, bool), ServeError> {
    match value.map(str::trim) {
        None | Some("") => Ok((DEFAULT_PORT, true)),
        Some(text) => match text.parse::<u16>() {
            Ok(port) if port != 0 => Ok((port, false)),
            _ => Err(ServeError::BadPort(text.chars().take(40).collect())),
        },
    }
}

/// Binds `127.0.0.1:port` and serves until `shutdown` resolves; in-flight invocations finish.
pub async fn serve(
    app: Arc<App>,
    port: u16,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    tracing::info!(%addr, "listening for the Functions host");
    warp::serve(routes(app))
        .incoming(listener)
        .graceful(shutdown)
        .run()
        .await;
    tracing::info!("stopped");
    Ok(())
}
