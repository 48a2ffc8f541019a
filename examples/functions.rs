//! Functions: two versions behind a weighted alias, an asynchronous invoke that fails
//! twice and lands in its on-failure queue, and a throttle.
//!
//! A "price" function is published twice; the "live" alias sends 10% of traffic to
//! version 2 (a canary), drawn from the cloud's seed. A "charge" function fails on
//! every run: invoked asynchronously, it runs at once, again after one minute and
//! after two more, then its on-failure queue gets AWS's invocation record. Finally the
//! canary is frozen with a reserved concurrency of 0, and a synchronous invoke is
//! throttled. Everything runs on a manual clock, so the program finishes at once.
//!
//! Run with `cargo run --example functions`.

use std::time::Duration;

use bytes::Bytes;
use localcloud::function::{AliasRouting, Destination, EventInvokeConfig, Invocation};
use localcloud::{Cloud, FunctionConfig, HandlerError, QueueConfig};

fn main() -> Result<(), localcloud::Error> {
    let cloud = Cloud::builder().manual_clock().seed(7).journal(true).build();
    let rt = cloud.functions();

    // Two versions behind a weighted alias.
    rt.create_function("price", FunctionConfig::default(), |_, _: Bytes| Ok("9.99".into()))?;
    rt.publish_version("price")?;
    rt.update_function_code("price", |ctx, _| {
        ctx.work(Duration::from_millis(40)); // the new code is slower
        Ok("8.99".into())
    })?;
    rt.publish_version("price")?;
    rt.create_alias("price", "live", "1", AliasRouting::weights([("2", 0.1)]))?;
    let mut by_version = [0u32; 2];
    for _ in 0..1000 {
        let out = rt.invoke("price:live", Invocation::request_response("{}"))?;
        let v2 = out.payload().as_ref() == b"8.99";
        by_version[usize::from(v2)] += 1;
    }
    println!("price:live over 1000 calls: version 1 ran {}, version 2 ran {}", by_version[0], by_version[1]);

    // An asynchronous invoke that fails twice (every try) and lands in its on-failure queue.
    let failures = cloud.create_queue("charge-failures", QueueConfig::default())?;
    rt.create_function("charge", FunctionConfig::default(), |_, _| {
        Err(HandlerError::new("CardDeclined", "insufficient funds"))
    })?;
    rt.put_function_event_invoke_config(
        "charge",
        EventInvokeConfig::default().maximum_retry_attempts(2).on_failure(Destination::queue(&failures)),
    )?;
    let queued = rt.invoke("charge", Invocation::event(r#"{"order":42,"amount":10}"#))?;
    println!("charge queued: status {} request {}", queued.status_code(), queued.request_id());
    cloud.advance(Duration::from_secs(600)); // the first run and both retries happen on the way
    let record = failures.try_receive()?.expect("the on-failure record");
    let v: serde_json::Value = serde_json::from_slice(record.body()).expect("JSON");
    println!(
        "on-failure record: condition {}, invoked {} times, error {}",
        v["requestContext"]["condition"],
        v["requestContext"]["approximateInvokeCount"],
        v["responsePayload"]["errorType"]
    );
    for e in cloud.journal().for_resource("charge") {
        println!("  {e}");
    }

    // A throttle: reserved concurrency 0 stops every invoke.
    rt.put_function_concurrency("price", 0)?;
    let err = rt.invoke("price:live", Invocation::request_response("{}")).unwrap_err();
    println!("throttled: {} ({})", err.code(), err.reason().map(|r| r.as_str()).unwrap_or("-"));

    let m = |name: &str| cloud.metrics().value("AWS/Lambda", "price", name).unwrap_or(0.0);
    println!(
        "price metrics: Invocations {}, Throttles {}, ColdStarts {}, Duration {} ms",
        m("Invocations"),
        m("Throttles"),
        m("ColdStarts"),
        m("Duration")
    );
    Ok(())
}
