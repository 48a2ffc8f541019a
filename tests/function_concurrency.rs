//! SPEC §4 rows: concurrency (account limit, reserved concurrency, throttle reasons)
//! and execution environments (cold starts, reuse, more for concurrent runs, idle
//! reclaim). Concurrency on a manual clock comes from nested invokes: a handler that
//! invokes holds its own slot meanwhile.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use localcloud::function::InitContext;
use localcloud::{Cloud, Function, FunctionConfig, FunctionRuntime, HandlerError};

fn cloud_with_limit(limit: u32) -> (Cloud, FunctionRuntime) {
    let cloud = Cloud::builder().manual_clock().seed(1).function_concurrency_limit(limit).build();
    let rt = cloud.functions();
    (cloud, rt)
}

/// A function that, given a payload "n", invokes itself n more times nested, and
/// returns "ok" or the code and reason of the throttle that stopped the chain.
fn recursive(rt: &FunctionRuntime, name: &str) -> Function {
    let me: Arc<OnceLock<Function>> = Arc::new(OnceLock::new());
    let me2 = Arc::clone(&me);
    let f = rt
        .create_function(name, FunctionConfig::default(), move |_, p| {
            let n: u32 = std::str::from_utf8(&p).unwrap().parse().unwrap();
            if n == 0 {
                return Ok("ok".into());
            }
            match me2.get().unwrap().invoke((n - 1).to_string()) {
                Ok(out) => Ok(out.payload().clone()),
                Err(e) => Ok(format!("{} {}", e.code(), e.reason().unwrap()).into()),
            }
        })
        .unwrap();
    me.set(f.clone()).unwrap();
    f
}

fn chain(rt: &FunctionRuntime, names: &[&str]) -> Vec<Function> {
    // f0 invokes f1 invokes f2 …; the last answers "ok".
    let slots: Vec<Arc<OnceLock<Function>>> = names.iter().map(|_| Arc::new(OnceLock::new())).collect();
    let mut fns = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let next = slots.get(i + 1).cloned();
        let f = rt
            .create_function(name, FunctionConfig::default(), move |_, _| match &next {
                None => Ok("ok".into()),
                Some(n) => match n.get().unwrap().invoke("") {
                    Ok(out) => Ok(out.payload().clone()),
                    Err(e) => Ok(format!("{} {}", e.code(), e.reason().unwrap()).into()),
                },
            })
            .unwrap();
        slots[i].set(f.clone()).unwrap();
        fns.push(f);
    }
    fns
}

#[test]
fn the_account_limit_defaults_to_1000_and_is_configurable() {
    let cloud = Cloud::builder().manual_clock().build();
    assert_eq!(cloud.functions().account_concurrency_limit(), 1000);
    let (_c, rt) = cloud_with_limit(3);
    assert_eq!(rt.account_concurrency_limit(), 3);
}

#[test]
fn a_sync_invoke_beyond_the_account_limit_fails_at_once_with_the_account_reason() {
    let (cloud, rt) = cloud_with_limit(3);
    let fns = chain(&rt, &["a", "b", "c", "d"]);
    let out = fns[0].invoke("").unwrap();
    assert_eq!(out.payload().as_ref(), b"TooManyRequestsException ConcurrentInvocationLimitExceeded");
    assert_eq!(cloud.metrics().value("AWS/Lambda", "d", "Throttles"), Some(1.0));
    assert_eq!(cloud.metrics().value("AWS/Lambda", "d", "Invocations"), Some(0.0));
    assert_eq!(fns[1].invoke("").unwrap().payload().as_ref(), b"ok", "three fit");
    for f in &fns {
        assert_eq!(f.concurrent_executions(), 0, "every slot came back");
    }
}

#[test]
fn reserved_concurrency_zero_throttles_every_invoke_with_the_reserved_reason() {
    let (cloud, rt) = cloud_with_limit(1000);
    let f = recursive(&rt, "f");
    rt.put_function_concurrency("f", 0).unwrap();
    let err = f.invoke("0").unwrap_err();
    assert_eq!(err.code(), "TooManyRequestsException");
    assert_eq!(err.reason().unwrap().as_str(), "ReservedFunctionConcurrentInvocationLimitExceeded");
    assert_eq!(cloud.metrics().value("AWS/Lambda", "f", "Throttles"), Some(1.0));
    rt.delete_function_concurrency("f").unwrap();
    assert_eq!(f.invoke("0").unwrap().payload().as_ref(), b"ok");
}

#[test]
fn reserved_concurrency_caps_a_function_at_its_reservation() {
    let (_c, rt) = cloud_with_limit(1000);
    let f = recursive(&rt, "f");
    rt.put_function_concurrency("f", 2).unwrap();
    assert_eq!(rt.function_concurrency("f").unwrap(), Some(2));
    assert_eq!(f.invoke("1").unwrap().payload().as_ref(), b"ok");
    assert_eq!(
        f.invoke("2").unwrap().payload().as_ref(),
        b"TooManyRequestsException ReservedFunctionConcurrentInvocationLimitExceeded"
    );
}

#[test]
fn reserved_concurrency_is_kept_for_its_function_when_the_account_is_busy() {
    let (_c, rt) = cloud_with_limit(102);
    let fns = chain(&rt, &["r", "u1", "u2", "u3"]);
    rt.put_function_concurrency("r", 2).unwrap();
    assert_eq!(rt.unreserved_concurrency_limit(), 100);
    // r holds one of its own slots; u1..u3 draw from the unreserved pool.
    assert_eq!(fns[0].invoke("").unwrap().payload().as_ref(), b"ok");
}

#[test]
fn at_least_100_stay_unreserved() {
    let (_c, rt) = cloud_with_limit(1000);
    rt.create_function("a", FunctionConfig::default(), |_, p| Ok(p)).unwrap();
    rt.create_function("b", FunctionConfig::default(), |_, p| Ok(p)).unwrap();
    rt.put_function_concurrency("a", 900).unwrap();
    let err = rt.put_function_concurrency("b", 1).unwrap_err();
    assert_eq!(err.code(), "InvalidParameterValueException");
    assert_eq!(rt.function_concurrency("b").unwrap(), None, "nothing changed");
    rt.put_function_concurrency("a", 899).unwrap();
    rt.put_function_concurrency("b", 1).unwrap();
    assert_eq!(rt.unreserved_concurrency_limit(), 100);
    assert_eq!(rt.put_function_concurrency("a", 901).unwrap_err().code(), "InvalidParameterValueException");
    assert_eq!(rt.function_concurrency("a").unwrap(), Some(899));
}

#[test]
fn the_first_invoke_on_an_environment_is_a_cold_start_and_later_ones_reuse_it() {
    let (cloud, rt) = cloud_with_limit(1000);
    let inits = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&inits);
    let cfg = FunctionConfig::default()
        .init(move |ctx: &InitContext| {
            assert_eq!(ctx.function_name(), "f");
            seen.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
        .init_duration(Duration::from_millis(300));
    let f =
        rt.create_function("f", cfg, |ctx, _| Ok(if ctx.is_cold_start() { "cold" } else { "warm" }.into())).unwrap();
    let first = f.invoke("").unwrap();
    assert_eq!(first.init_duration(), Some(Duration::from_millis(300)));
    assert_eq!(first.payload().as_ref(), b"cold");
    assert_eq!(first.duration(), Duration::ZERO, "init time is not run time");
    for _ in 0..5 {
        let out = f.invoke("").unwrap();
        assert_eq!((out.init_duration(), out.payload().as_ref()), (None, &b"warm"[..]));
    }
    assert_eq!(inits.load(Ordering::SeqCst), 1);
    assert_eq!(f.environments(), 1);
    assert_eq!(cloud.metrics().value("AWS/Lambda", "f", "ColdStarts"), Some(1.0));
    assert_eq!(cloud.metrics().value("AWS/Lambda", "f", "InitDuration"), Some(300.0));
}

#[test]
fn concurrent_invokes_need_more_environments() {
    let (cloud, rt) = cloud_with_limit(1000);
    let f = recursive(&rt, "f");
    assert_eq!(f.invoke("2").unwrap().payload().as_ref(), b"ok");
    assert_eq!(f.environments(), 3, "three runs at once, three environments");
    assert_eq!(cloud.metrics().value("AWS/Lambda", "f", "ColdStarts"), Some(3.0));
    assert_eq!(cloud.metrics().value("AWS/Lambda", "f", "ConcurrentExecutions"), Some(3.0));
    f.invoke("2").unwrap();
    assert_eq!(cloud.metrics().value("AWS/Lambda", "f", "ColdStarts"), Some(3.0), "all three reused");
}

#[test]
fn idle_environments_are_reclaimed_after_their_lifetime() {
    let (cloud, rt) = cloud_with_limit(1000);
    let cfg = FunctionConfig::default().environment_idle_lifetime(Duration::from_secs(300));
    let f = rt.create_function("f", cfg, |_, p| Ok(p)).unwrap();
    assert!(f.invoke("").unwrap().init_duration().is_some());
    cloud.advance(Duration::from_secs(299));
    assert!(f.invoke("").unwrap().init_duration().is_none(), "still warm");
    cloud.advance(Duration::from_secs(300));
    assert_eq!(f.environments(), 0);
    assert!(f.invoke("").unwrap().init_duration().is_some(), "reclaimed: a cold start");
}

#[test]
fn an_init_error_fails_the_invoke_and_discards_the_environment() {
    let (_c, rt) = cloud_with_limit(1000);
    let tries = Arc::new(AtomicUsize::new(0));
    let t = Arc::clone(&tries);
    let cfg = FunctionConfig::default().init(move |_| {
        if t.fetch_add(1, Ordering::SeqCst) == 0 {
            Err(HandlerError::new("ConfigError", "no table"))
        } else {
            Ok(())
        }
    });
    let f = rt.create_function("f", cfg, |_, p| Ok(p)).unwrap();
    let out = f.invoke("x").unwrap();
    assert_eq!(out.function_error(), Some("Unhandled"));
    assert_eq!(out.error_type().as_deref(), Some("ConfigError"));
    assert_eq!(f.environments(), 0);
    assert_eq!(f.invoke("x").unwrap().payload().as_ref(), b"x");
}

#[test]
fn updating_latest_starts_fresh_environments() {
    let (_c, rt) = cloud_with_limit(1000);
    let f = rt.create_function("f", FunctionConfig::default(), |_, p| Ok(p)).unwrap();
    f.invoke("").unwrap();
    rt.update_function_code("f", |_, p| Ok(p)).unwrap();
    assert!(f.invoke("").unwrap().init_duration().is_some());
}

/// Many threads invoking at once on the system clock: the reservation is never
/// exceeded, every invoke ends once (a run or a throttle), and the slots all come back.
#[test]
fn many_threads_invoking_at_once_never_exceed_the_reservation() {
    let cloud = Cloud::new();
    let rt = cloud.functions();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (r, p) = (Arc::clone(&running), Arc::clone(&peak));
    let f = rt
        .create_function("busy", FunctionConfig::default(), move |_, payload: Bytes| {
            let now = r.fetch_add(1, Ordering::SeqCst) + 1;
            p.fetch_max(now, Ordering::SeqCst);
            let mut x = 0u64;
            for i in 0..20_000u64 {
                x = std::hint::black_box(x.wrapping_add(i));
            }
            r.fetch_sub(1, Ordering::SeqCst);
            Ok(payload)
        })
        .unwrap();
    rt.put_function_concurrency("busy", 4).unwrap();
    let outcomes = Arc::new(Mutex::new((0usize, 0usize)));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let f = f.clone();
            let outcomes = Arc::clone(&outcomes);
            std::thread::spawn(move || {
                for _ in 0..40 {
                    match f.invoke("x") {
                        Ok(out) => {
                            assert_eq!(out.payload().as_ref(), b"x");
                            outcomes.lock().unwrap().0 += 1;
                        }
                        Err(e) => {
                            assert_eq!(e.code(), "TooManyRequestsException");
                            outcomes.lock().unwrap().1 += 1;
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let (ran, throttled) = *outcomes.lock().unwrap();
    assert_eq!(ran + throttled, 16 * 40);
    assert!(ran > 0);
    assert!(peak.load(Ordering::SeqCst) <= 4);
    assert_eq!(f.concurrent_executions(), 0);
    let m = |n: &str| cloud.metrics().value("AWS/Lambda", "busy", n).unwrap();
    assert_eq!(m("Invocations") as usize, ran);
    assert_eq!(m("Throttles") as usize, throttled);
    assert!(m("ConcurrentExecutions") <= 4.0);
    assert!(f.environments() <= 4);
}
