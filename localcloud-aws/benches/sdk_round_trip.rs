//! SQS send → receive → delete per message through the AWS SDK for Rust: answered by
//! the adapter from a Cloud, answered by a canned HTTP client that does no work (the
//! SDK's own floor: serialization, signing, the orchestrator), and the same round trip
//! on localcloud's native API. The ratios are printed last.

use std::hint::black_box;
use std::time::{Duration, Instant};

use aws_sdk_sqs::Client;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use criterion::Criterion;
use localcloud::{Cloud, Queue, QueueConfig};
use tokio::runtime::Runtime;

const URL: &str = "https://sqs.us-east-1.amazonaws.com/000000000000/bench";

/// Answers every SQS call with a fixed body: the SDK's cost with no service behind it.
#[derive(Debug, Clone)]
struct Canned;

impl HttpConnector for Canned {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let target = request.headers().get("x-amz-target").unwrap_or_default();
        let body = match target {
            "AmazonSQS.SendMessage" => {
                r#"{"MessageId":"00000000-0000-0000-0000-000000000000","MD5OfMessageBody":"098f6bcd4621d373cade4e832627b4f6"}"#
            }
            "AmazonSQS.ReceiveMessage" => {
                r#"{"Messages":[{"MessageId":"00000000-0000-0000-0000-000000000000","ReceiptHandle":"h","MD5OfBody":"098f6bcd4621d373cade4e832627b4f6","Body":"test"}]}"#
            }
            _ => "{}",
        };
        let mut resp = HttpResponse::new(StatusCode::try_from(200).unwrap(), SdkBody::from(body));
        resp.headers_mut().insert("content-type", "application/x-amz-json-1.0");
        HttpConnectorFuture::ready(Ok(resp))
    }
}

impl HttpClient for Canned {
    fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

fn adapter() -> (Cloud, Client) {
    let cloud = Cloud::builder().manual_clock().build();
    cloud.create_queue("bench", QueueConfig::default()).unwrap();
    let client = Client::new(&localcloud_aws::sdk_config(&cloud));
    (cloud, client)
}

fn canned() -> (Cloud, Client) {
    let cloud = Cloud::builder().manual_clock().build();
    let conf = localcloud_aws::sdk_config_builder(&cloud).http_client(Canned).build();
    (cloud, Client::new(&conf))
}

async fn sdk_round_trip(c: &Client) {
    c.send_message().queue_url(URL).message_body("test").send().await.unwrap();
    let got = c.receive_message().queue_url(URL).send().await.unwrap();
    let handle = got.messages()[0].receipt_handle().unwrap();
    c.delete_message().queue_url(URL).receipt_handle(handle).send().await.unwrap();
}

fn native_round_trip(q: &Queue) {
    q.send("test").unwrap();
    let m = q.try_receive().unwrap().unwrap();
    q.delete(m.receipt_handle()).unwrap();
}

fn time_sdk(rt: &Runtime, c: &Client, iters: u64) -> Duration {
    let start = Instant::now();
    rt.block_on(async {
        for _ in 0..iters {
            sdk_round_trip(black_box(c)).await;
        }
    });
    start.elapsed()
}

fn time_native(q: &Queue, iters: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        native_round_trip(black_box(q));
    }
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let mut g = c.benchmark_group("sdk_round_trip");
    let (_a, through_adapter) = adapter();
    g.bench_function("adapter", |b| b.iter_custom(|n| time_sdk(&rt, &through_adapter, n)));
    let (_c, through_canned) = canned();
    g.bench_function("sdk_floor_canned_client", |b| b.iter_custom(|n| time_sdk(&rt, &through_canned, n)));
    let cloud = Cloud::builder().manual_clock().build();
    let q = cloud.create_queue("bench", QueueConfig::default()).unwrap();
    g.bench_function("native", |b| b.iter_custom(|n| time_native(&q, n)));
    g.finish();
}

/// Best of five runs of `n`, per round trip.
fn best(n: u64, mut f: impl FnMut(u64) -> Duration) -> Duration {
    (0..5).map(|_| f(n) / n as u32).min().unwrap_or_default()
}

fn print_ratios() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let (_a, through_adapter) = adapter();
    let (_c, through_canned) = canned();
    let cloud = Cloud::builder().manual_clock().build();
    let q = cloud.create_queue("bench", QueueConfig::default()).unwrap();
    let n = 2_000;
    let adapter = best(n, |n| time_sdk(&rt, &through_adapter, n));
    let floor = best(n, |n| time_sdk(&rt, &through_canned, n));
    let native = best(n, |n| time_native(&q, n));
    println!("\nSQS send → receive → delete, per round trip (best of 5 × {n}):");
    println!("  SDK through the adapter       {adapter:>10.2?}");
    println!("  SDK with a canned client      {floor:>10.2?}  (the SDK's own floor)");
    println!("  native API                    {native:>10.2?}");
    println!("  adapter / SDK floor           {:>10.2}×", adapter.as_secs_f64() / floor.as_secs_f64());
    println!("  adapter / native              {:>10.1}×", adapter.as_secs_f64() / native.as_secs_f64());
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    if !std::env::args().any(|a| a == "--test" || a == "--list") {
        print_ratios();
    }
}
