//! The floor for performance comparisons: a bare warp server on the same port variable that
//! reads the request body and answers a fixed, empty invocation result. Whatever the real handler
//! costs beyond this is the cost of our own work.
//!
//! `cargo run --release --example floor` (port from `FUNCTIONS_CUSTOMHANDLER_PORT`, default 3000).

use std::net::SocketAddr;

use warp::Filter;

const BODY: &str = r#"{"Outputs":{},"Logs":[],"ReturnValue":null}"#;

#[tokio::main]
async fn main() {
    let port: u16 = std::env::var("FUNCTIONS_CUSTOMHANDLER_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let ready = warp::get()
        .and(warp::path::end())
        .map(|| warp::reply::with_header("{}", "content-type", "application/json"));
    let invoke = warp::post()
        .and(warp::path::param::<String>())
        .and(warp::body::bytes())
        .map(|_function: String, _body: bytes::Bytes| {
            warp::reply::with_header(BODY, "content-type", "application/json")
        });
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    let shutdown = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("signal");
        tokio::select! { _ = term.recv() => {}, _ = tokio::signal::ctrl_c() => {} }
    };
    warp::serve(ready.or(invoke))
        .incoming(listener)
        .graceful(shutdown)
        .run()
        .await;
}
