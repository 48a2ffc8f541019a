//! SPEC §4 row: timeouts. On a manual clock a handler spends virtual time with
//! `ctx.work`, so a timeout is exact; on the system clock the invoker gets the timeout
//! at the deadline and the late result is discarded.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use localcloud::function::Invocation;
use localcloud::{Cloud, FunctionConfig};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn a_run_past_its_timeout_fails_with_a_timeout_error_and_its_result_is_discarded() {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let rt = cloud.functions();
    let f = rt
        .create_function("slow", FunctionConfig::default().timeout(secs(3)), |ctx, p| {
            let n: u64 = std::str::from_utf8(&p).unwrap().parse().unwrap();
            ctx.work(Duration::from_millis(n));
            Ok("finished".into())
        })
        .unwrap();
    let ok = f.invoke("3000").unwrap();
    assert_eq!(
        (ok.payload().as_ref(), ok.duration()),
        (&b"finished"[..], secs(3)),
        "exactly at the deadline is in time"
    );
    let late = f.invoke("3001").unwrap();
    assert!(late.timed_out());
    assert_eq!(late.function_error(), Some("Unhandled"));
    assert_eq!(late.error_type().as_deref(), Some("Sandbox.Timedout"));
    assert!(late.payload_str().contains("Task timed out after 3.00 seconds"));
    assert_eq!(late.duration(), secs(3), "billed up to the timeout");
    assert_eq!(f.environments(), 0, "a timed-out environment is discarded");
    assert_eq!(cloud.metrics().value("AWS/Lambda", "slow", "Timeouts"), Some(1.0));
    assert_eq!(cloud.metrics().value("AWS/Lambda", "slow", "Errors"), Some(1.0));
}

#[test]
fn remaining_time_counts_down_with_virtual_work_and_clock_moves() {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let rt = cloud.functions();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = Arc::clone(&seen);
    let c = cloud.clone();
    let f = rt
        .create_function("t", FunctionConfig::default().timeout(secs(10)), move |ctx, _| {
            s.lock().unwrap().push(ctx.remaining_time());
            ctx.work(secs(2));
            s.lock().unwrap().push(ctx.remaining_time());
            c.advance(secs(3)); // the clock itself moves while the handler runs
            s.lock().unwrap().push(ctx.remaining_time());
            ctx.work(secs(6));
            s.lock().unwrap().push(ctx.remaining_time());
            Ok(Bytes::new())
        })
        .unwrap();
    let out = f.invoke("").unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![secs(10), secs(8), secs(5), Duration::ZERO]);
    assert!(out.timed_out());
}

#[test]
fn on_the_system_clock_the_invoker_gets_the_timeout_at_the_deadline() {
    let cloud = Cloud::new();
    let rt = cloud.functions();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = Arc::new(Mutex::new(release_rx));
    let (left_tx, left_rx) = mpsc::channel::<Duration>();
    let left_tx = Mutex::new(left_tx);
    let f = rt
        .create_function("stuck", FunctionConfig::default().timeout(secs(1)), move |ctx, _| {
            left_tx.lock().unwrap().send(ctx.remaining_time()).unwrap();
            // Blocks until the test lets it go, long after the deadline.
            let _ = release_rx.lock().unwrap().recv();
            Ok("late".into())
        })
        .unwrap();
    let t0 = cloud.now();
    let out = f.invoke("").unwrap();
    let waited = cloud.now() - t0;
    assert!(out.timed_out(), "{:?}", out.payload_str());
    assert!(waited >= secs(1) && waited < Duration::from_millis(1900), "waited {waited:?}");
    let left = left_rx.recv().unwrap();
    assert!(left <= secs(1) && left > Duration::from_millis(500), "{left:?}");
    release_tx.send(()).unwrap(); // the late result goes nowhere
    let out = f.invoke_with(Invocation::request_response("")).unwrap();
    assert!(out.timed_out() || out.payload().as_ref() == b"late");
    release_tx.send(()).unwrap();
}

#[test]
fn on_the_system_clock_a_quick_run_returns_its_result() {
    let cloud = Cloud::new();
    let f = cloud.functions().create_function("quick", FunctionConfig::default(), |_, p| Ok(p)).unwrap();
    let out = f.invoke("hi").unwrap();
    assert_eq!(out.payload().as_ref(), b"hi");
    assert!(!out.timed_out());
    let p = cloud.functions().create_function("p", FunctionConfig::default(), |_, _| panic!("down")).unwrap();
    assert_eq!(p.invoke("").unwrap().error_type().as_deref(), Some("Panic"));
}

#[test]
fn on_the_system_clock_an_async_invoke_runs_on_the_scheduler() {
    let cloud = Cloud::new();
    let rt = cloud.functions();
    let (tx, rx) = mpsc::channel::<Bytes>();
    let tx = Mutex::new(tx);
    rt.create_function("bg", FunctionConfig::default(), move |_, p| {
        tx.lock().unwrap().send(p.clone()).unwrap();
        Ok(p)
    })
    .unwrap();
    assert_eq!(rt.invoke("bg", Invocation::event("later")).unwrap().status_code(), 202);
    // A worker (or this thread, driving) runs it; the channel wait is bounded.
    cloud.run_until_idle();
    let got = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(got.as_ref(), b"later");
}
