//! SPEC §4 rows: names and qualifiers, memory, payload limits, invocation types,
//! handler errors and panics, duration and billing, metrics, journal, typed handlers.

use std::time::Duration;

use bytes::Bytes;
use localcloud::function::{Invocation, VersionId, MAX_ASYNC_PAYLOAD, MAX_SYNC_PAYLOAD};
use localcloud::{Cloud, Function, FunctionConfig, FunctionRuntime, HandlerError};
use serde_json::Value;

fn setup() -> (Cloud, FunctionRuntime) {
    let cloud = Cloud::builder().manual_clock().seed(1).journal(true).build();
    let rt = cloud.functions();
    (cloud, rt)
}

fn echo(rt: &FunctionRuntime, name: &str) -> Function {
    rt.create_function(name, FunctionConfig::default(), |_, p| Ok(p)).unwrap()
}

fn json(b: &Bytes) -> Value {
    serde_json::from_slice(b).unwrap()
}

#[test]
fn names_of_1_to_64_word_characters_are_accepted_and_others_rejected() {
    let (_c, rt) = setup();
    for ok in ["a", "resize-image_2", &"x".repeat(64)] {
        rt.create_function(ok, FunctionConfig::default(), |_, p| Ok(p)).unwrap();
    }
    for bad in ["", "has space", "slash/y", "dot.x", &"x".repeat(65)] {
        let err = rt.create_function(bad, FunctionConfig::default(), |_, p| Ok(p)).unwrap_err();
        assert_eq!(err.code(), "InvalidParameterValueException", "{bad:?}");
    }
    assert_eq!(rt.list_functions().len(), 3, "bad input changed nothing");
}

#[test]
fn a_taken_name_is_a_conflict() {
    let (_c, rt) = setup();
    echo(&rt, "f");
    let err = rt.create_function("f", FunctionConfig::default(), |_, p| Ok(p)).unwrap_err();
    assert_eq!(err.code(), "ResourceConflictException");
}

#[test]
fn every_target_form_reaches_the_function() {
    let (_c, rt) = setup();
    let f = echo(&rt, "f");
    rt.publish_version("f").unwrap();
    rt.create_alias("f", "prod", "1", Default::default()).unwrap();
    for target in [
        "f",
        "f:1",
        "f:prod",
        "f:$LATEST",
        "arn:aws:lambda:us-east-1:000000000000:function:f",
        "arn:aws:lambda:us-east-1:000000000000:function:f:prod",
        "000000000000:function:f:1",
    ] {
        let out = rt.invoke(target, Invocation::request_response("x")).unwrap();
        assert_eq!(out.payload().as_ref(), b"x", "{target}");
    }
    assert_eq!(rt.invoke("f", Invocation::request_response("")).unwrap().executed_version(), Some(VersionId::Latest));
    assert_eq!(
        rt.invoke("f:prod", Invocation::request_response("")).unwrap().executed_version(),
        Some(VersionId::Number(1))
    );
    assert_eq!(f.arn(), "arn:aws:lambda:us-east-1:000000000000:function:f");
}

#[test]
fn unknown_functions_versions_and_aliases_are_not_found_and_bad_targets_invalid() {
    let (_c, rt) = setup();
    echo(&rt, "f");
    for missing in ["g", "f:7", "f:staging"] {
        let err = rt.invoke(missing, Invocation::request_response("")).unwrap_err();
        assert_eq!(err.code(), "ResourceNotFoundException", "{missing}");
    }
    for bad in ["", "f:", "f:0", "f:a:b", "arn:aws:sqs:us-east-1:000000000000:q"] {
        let err = rt.invoke(bad, Invocation::request_response("")).unwrap_err();
        assert_eq!(err.code(), "InvalidParameterValueException", "{bad}");
    }
}

#[test]
fn timeout_and_memory_outside_their_ranges_are_rejected() {
    let (_c, rt) = setup();
    let bad = [
        FunctionConfig::default().timeout(Duration::ZERO),
        FunctionConfig::default().timeout(Duration::from_secs(901)),
        FunctionConfig::default().timeout(Duration::from_millis(1500)),
        FunctionConfig::default().memory_mb(127),
        FunctionConfig::default().memory_mb(10_241),
    ];
    for cfg in bad {
        let err = rt.create_function("f", cfg, |_, p| Ok(p)).unwrap_err();
        assert_eq!(err.code(), "InvalidParameterValueException");
    }
    let cfg = FunctionConfig::default().timeout(Duration::from_secs(900)).memory_mb(10_240);
    rt.create_function("f", cfg, |_, p| Ok(p)).unwrap();
    let d = FunctionConfig::default();
    assert_eq!((d.timeout_value(), d.memory_value()), (Duration::from_secs(3), 128));
}

#[test]
fn memory_is_reported_in_the_context_and_the_output() {
    let (_c, rt) = setup();
    let f = rt
        .create_function("m", FunctionConfig::default().memory_mb(512), |ctx, _| {
            Ok(ctx.memory_limit_mb().to_string().into())
        })
        .unwrap();
    let out = f.invoke("").unwrap();
    assert_eq!(out.payload().as_ref(), b"512");
    assert_eq!(out.memory_mb(), 512);
}

#[test]
fn sync_payloads_over_6_mb_are_rejected_each_way() {
    let (_c, rt) = setup();
    let f = echo(&rt, "f");
    assert!(f.invoke(vec![b'a'; MAX_SYNC_PAYLOAD]).is_ok());
    let err = f.invoke(vec![b'a'; MAX_SYNC_PAYLOAD + 1]).unwrap_err();
    assert_eq!(err.code(), "RequestTooLargeException");
    let big = rt
        .create_function("big", FunctionConfig::default(), |_, _| Ok(vec![0u8; MAX_SYNC_PAYLOAD + 1].into()))
        .unwrap();
    let out = big.invoke("").unwrap();
    assert_eq!(out.function_error(), Some("Unhandled"));
    assert_eq!(out.error_type().as_deref(), Some("Function.ResponseSizeTooLarge"));
}

#[test]
fn async_payloads_over_1_mb_are_rejected() {
    let (cloud, rt) = setup();
    echo(&rt, "f");
    assert_eq!(rt.invoke("f", Invocation::event(vec![b'a'; MAX_ASYNC_PAYLOAD])).unwrap().status_code(), 202);
    let err = rt.invoke("f", Invocation::event(vec![b'a'; MAX_ASYNC_PAYLOAD + 1])).unwrap_err();
    assert_eq!(err.code(), "RequestTooLargeException");
    cloud.run_until_idle();
    assert_eq!(cloud.metrics().value("AWS/Lambda", "f", "Invocations"), Some(1.0));
}

#[test]
fn request_response_is_200_event_is_202_and_dry_run_is_204_running_nothing() {
    let (cloud, rt) = setup();
    echo(&rt, "f");
    let sync = rt.invoke("f", Invocation::request_response("a")).unwrap();
    assert_eq!((sync.status_code(), sync.payload().as_ref()), (200, &b"a"[..]));
    let dry = rt.invoke("f", Invocation::dry_run()).unwrap();
    assert_eq!(dry.status_code(), 204);
    assert!(dry.payload().is_empty());
    let ev = rt.invoke("f", Invocation::event("b")).unwrap();
    assert_eq!(ev.status_code(), 202);
    assert_eq!(
        cloud.metrics().value("AWS/Lambda", "f", "Invocations"),
        Some(1.0),
        "dry run and queued event ran nothing yet"
    );
    cloud.run_until_idle();
    assert_eq!(cloud.metrics().value("AWS/Lambda", "f", "Invocations"), Some(2.0));
    assert_eq!(rt.invoke("g", Invocation::dry_run()).unwrap_err().code(), "ResourceNotFoundException");
}

#[test]
fn a_handler_error_is_a_200_with_unhandled_and_the_error_payload() {
    let (_c, rt) = setup();
    let f = rt
        .create_function("f", FunctionConfig::default(), |_, _| Err(HandlerError::new("PaymentError", "card declined")))
        .unwrap();
    let out = f.invoke("").unwrap();
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), Some("Unhandled"));
    assert_eq!(json(out.payload()), serde_json::json!({"errorMessage": "card declined", "errorType": "PaymentError"}));
    assert_eq!(out.executed_version(), Some(VersionId::Latest));
    let h = rt.create_function("h", FunctionConfig::default(), |_, _| Err(HandlerError::from("no").handled())).unwrap();
    assert_eq!(h.invoke("").unwrap().function_error(), Some("Handled"));
}

#[test]
fn a_panic_is_caught_as_a_function_error_and_its_environment_discarded() {
    let (_c, rt) = setup();
    let f = rt
        .create_function("p", FunctionConfig::default(), |_, p| {
            if p.as_ref() == b"boom" {
                panic!("exploded");
            }
            Ok(p)
        })
        .unwrap();
    assert!(f.invoke("warm").unwrap().init_duration().is_some());
    assert_eq!(f.environments(), 1);
    let out = f.invoke("boom").unwrap();
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), Some("Unhandled"));
    assert_eq!(json(out.payload()), serde_json::json!({"errorMessage": "exploded", "errorType": "Panic"}));
    assert_eq!(f.environments(), 0, "the environment that panicked is gone");
    let next = f.invoke("ok").unwrap();
    assert!(next.init_duration().is_some(), "the runtime stays up: a fresh environment");
    assert_eq!(next.payload().as_ref(), b"ok");
}

#[test]
fn duration_is_measured_on_the_clock_billed_per_millisecond_with_gb_seconds() {
    let (cloud, rt) = setup();
    let f = rt
        .create_function("w", FunctionConfig::default().memory_mb(1024), |ctx, _| {
            ctx.work(Duration::from_micros(1_500_300));
            Ok(Bytes::new())
        })
        .unwrap();
    let out = f.invoke("").unwrap();
    assert_eq!(out.duration(), Duration::from_micros(1_500_300));
    assert_eq!(out.billed_duration(), Duration::from_millis(1501));
    assert!((out.gb_seconds() - 1.501).abs() < 1e-9);
    let m = |n: &str| cloud.metrics().value("AWS/Lambda", "w", n).unwrap();
    assert!((m("Duration") - 1500.3).abs() < 1e-6);
    assert!((m("GBSeconds") - 1.501).abs() < 1e-9);
}

#[test]
fn the_context_tells_the_handler_about_its_invocation() {
    let (_c, rt) = setup();
    let cfg = FunctionConfig::default().timeout(Duration::from_secs(10)).env("TABLE", "orders");
    let f = rt
        .create_function("ctx", cfg, |ctx, _| {
            ctx.work(Duration::from_secs(4));
            Ok(serde_json::json!({
                "name": ctx.function_name(),
                "version": ctx.function_version().to_string(),
                "arn": ctx.invoked_function_arn(),
                "left_ms": ctx.remaining_time().as_millis() as u64,
                "table": ctx.env("TABLE"),
                "id": ctx.request_id().to_string(),
            })
            .to_string()
            .into())
        })
        .unwrap();
    rt.publish_version("ctx").unwrap();
    rt.create_alias("ctx", "live", "1", Default::default()).unwrap();
    let out = rt.invoke("ctx:live", Invocation::request_response("")).unwrap();
    let v = json(out.payload());
    assert_eq!(v["name"], "ctx");
    assert_eq!(v["version"], "1");
    assert_eq!(v["arn"], "arn:aws:lambda:us-east-1:000000000000:function:ctx:live");
    assert_eq!(v["left_ms"], 6000);
    assert_eq!(v["table"], "orders");
    assert_eq!(v["id"], out.request_id().to_string());
    let plain = json(f.invoke("").unwrap().payload());
    assert_eq!(plain["arn"], "arn:aws:lambda:us-east-1:000000000000:function:ctx");
}

#[test]
fn same_seed_gives_the_same_request_ids() {
    let ids = |seed| {
        let cloud = Cloud::builder().manual_clock().seed(seed).build();
        let f = echo(&cloud.functions(), "f");
        (0..3).map(|_| f.invoke("").unwrap().request_id().to_string()).collect::<Vec<_>>()
    };
    assert_eq!(ids(5), ids(5));
    assert_ne!(ids(5), ids(6));
}

#[test]
fn metrics_count_invocations_errors_and_cold_starts_under_aws_lambda() {
    let (cloud, rt) = setup();
    let f = rt
        .create_function("f", FunctionConfig::default(), |_, p| if p.is_empty() { Err("empty".into()) } else { Ok(p) })
        .unwrap();
    f.invoke("a").unwrap();
    f.invoke("").unwrap();
    f.invoke("b").unwrap();
    let m = |n: &str| cloud.metrics().value("AWS/Lambda", "f", n).unwrap();
    assert_eq!((m("Invocations"), m("Errors"), m("ColdStarts"), m("Throttles")), (3.0, 1.0, 1.0, 0.0));
    assert_eq!(m("ConcurrentExecutions"), 1.0);
}

#[test]
fn every_invoke_is_journaled_under_lambda() {
    let (cloud, rt) = setup();
    let f = echo(&rt, "f");
    let out = f.invoke("x").unwrap();
    rt.invoke("f", Invocation::dry_run()).unwrap();
    let entries = cloud.journal().for_service("lambda");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].resource(), "f");
    assert_eq!(entries[0].action(), "invoke");
    assert_eq!(entries[0].subject(), out.request_id().to_string());
    assert_eq!(entries[0].detail(), "RequestResponse $LATEST 200");
    assert_eq!(entries[1].detail(), "DryRun 204");
}

#[test]
fn a_typed_handler_reads_and_writes_json() {
    #[derive(serde::Deserialize)]
    struct SqsEvent {
        #[serde(rename = "Records")]
        records: Vec<SqsMessage>,
    }
    #[derive(serde::Deserialize)]
    struct SqsMessage {
        body: String,
    }
    #[derive(serde::Serialize)]
    struct Out {
        bodies: Vec<String>,
    }
    let (_c, rt) = setup();
    let f = rt
        .create_function_json("typed", FunctionConfig::default(), |_, e: SqsEvent| {
            Ok(Out { bodies: e.records.into_iter().map(|r| r.body).collect() })
        })
        .unwrap();
    let out = f.invoke(r#"{"Records":[{"body":"a","eventSource":"aws:sqs"},{"body":"b"}]}"#).unwrap();
    assert_eq!(json(out.payload()), serde_json::json!({"bodies": ["a", "b"]}));
    let bad = f.invoke("[1]").unwrap();
    assert_eq!(bad.error_type().as_deref(), Some("Runtime.UnmarshalError"));
}

#[test]
fn the_log_tail_has_the_run_lines_and_a_report() {
    let (_c, rt) = setup();
    let f = rt
        .create_function("l", FunctionConfig::default().init_duration(Duration::from_millis(100)), |ctx, _| {
            ctx.log("hello from the handler");
            ctx.work(Duration::from_millis(5));
            Ok(Bytes::new())
        })
        .unwrap();
    assert!(f.invoke("").unwrap().log_tail().is_none(), "only when asked");
    let out = f.invoke_with(Invocation::request_response("").with_log_tail()).unwrap();
    let tail = out.log_tail().unwrap();
    assert!(tail.contains("hello from the handler"));
    assert!(tail.contains("Duration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB"), "{tail}");
}

#[test]
fn a_deleted_function_is_not_found_through_old_handles() {
    let (_c, rt) = setup();
    let f = echo(&rt, "f");
    rt.delete_function("f").unwrap();
    assert_eq!(f.invoke("").unwrap_err().code(), "ResourceNotFoundException");
    assert_eq!(rt.delete_function("f").unwrap_err().code(), "ResourceNotFoundException");
    echo(&rt, "f");
}

#[test]
fn an_init_duration_past_the_init_phase_limit_is_rejected() {
    let (_cloud, rt) = setup();
    let cfg = FunctionConfig::default().init_duration(localcloud::function::MAX_INIT_DURATION + Duration::from_secs(1));
    let err = rt.create_function("slow-init", cfg, |_, p| Ok(p)).unwrap_err();
    assert_eq!(err.code(), "InvalidParameterValueException");
    assert!(rt.function("slow-init").is_err(), "nothing was created");
}
