//! Load benchmark of the workbench's `POST /api/overrides`: a server
//! started in-process on a generated model, 1,000 requests over HTTP on one
//! kept-alive connection, each moving a source's reliability (as a slider
//! does) and reading the whole `credence.report` JSON back; p50, p99 and
//! the mean of the round trips, and the server's own compute time (its
//! `Server-Timing` header).
//!
//!     cargo bench --bench serve                 # 1,000 items
//!     cargo bench --bench serve -- 100 10000    # other sizes
//!
//! Models come from examples/generate.rs (the default *simple* shape).

#[path = "../examples/generate.rs"]
#[allow(dead_code)]
mod generate;

use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

const REQUESTS: usize = 1000;
const WARM_UP: usize = 50;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let k = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[k]
}

fn run(items: usize) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let model = dir.path().join(format!("generated_{items}.toml"));
    std::fs::write(
        &model,
        generate::generate(generate::Shape {
            items,
            ..generate::Shape::default()
        }),
    )
    .expect("the model is written");
    let server = credence::serve::start(&credence::serve::Options {
        model: model.clone(),
        port: 0,
        default_seeds: std::path::PathBuf::from("seeds"),
    })
    .expect("the server starts");
    let url = format!("{}api/overrides", server.url());
    let origin = format!("http://{}", server.addr());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut round_trips = Vec::with_capacity(REQUESTS);
    let mut computes = Vec::with_capacity(REQUESTS);
    let mut bytes = 0;
    runtime.block_on(async {
        for k in 0..WARM_UP + REQUESTS {
            // Back and forth over [0.05, 0.95], as a dragged slider.
            let step = (k % 19) as f64;
            let value = 0.05 + 0.05 * if (k / 19) % 2 == 0 { step } else { 18.0 - step };
            let body = format!("{{\"set\":{{\"sources.s1.reliability\":{value:.2}}}}}");
            let request = hyper::Request::post(&url)
                .header("origin", &origin)
                .header("x-credence-token", server.token())
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(body)))
                .expect("a request");
            let started = Instant::now();
            let response = client.request(request).await.expect("a response");
            assert_eq!(response.status(), 200);
            let compute = response
                .headers()
                .get("server-timing")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split("dur=").nth(1))
                .and_then(|ms| ms.parse::<f64>().ok())
                .expect("a Server-Timing header");
            let body = response
                .into_body()
                .collect()
                .await
                .expect("the body")
                .to_bytes();
            let took = started.elapsed();
            if k >= WARM_UP {
                round_trips.push(took);
                computes.push(Duration::from_secs_f64(compute / 1000.0));
                bytes = body.len();
            }
        }
    });
    server.stop().expect("the server stops");
    round_trips.sort();
    computes.sort();
    let mean = round_trips.iter().sum::<Duration>() / REQUESTS as u32;
    println!(
        "serve/POST /api/overrides/{items} items: p50 {:.2?}  p99 {:.2?}  mean {:.2?}  \
         (server compute p50 {:.2?}, p99 {:.2?}; {} KB of report JSON each; {REQUESTS} requests)",
        percentile(&round_trips, 0.5),
        percentile(&round_trips, 0.99),
        mean,
        percentile(&computes, 0.5),
        percentile(&computes, 0.99),
        bytes / 1024,
    );
}

fn main() {
    // `cargo bench` passes `--bench`; other arguments are sizes.
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    for items in if sizes.is_empty() { vec![1000] } else { sizes } {
        run(items);
    }
}
