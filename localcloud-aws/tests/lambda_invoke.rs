//! Lambda invokes through the AWS SDK for Rust: payloads, handler errors, dry runs, log
//! tails, weighted aliases, async invokes with an on-failure queue, throttles and
//! resource policies, all on a manual clock.

mod common;

use std::time::Duration;

use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::operation::invoke::InvokeError;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    AliasRoutingConfiguration, DestinationConfig, InvocationType, LogType, OnFailure, ThrottleReason,
};
use common::{cloud, lambda, sqs};
use localcloud::function::{FunctionRuntime, Invocation};
use localcloud::{Cloud, FunctionConfig, HandlerError};

fn shout(rt: &FunctionRuntime) {
    rt.create_function("shout", FunctionConfig::default(), |ctx, p| {
        ctx.log(format!("got {} bytes", p.len()));
        if p.is_empty() {
            return Err(HandlerError::new("EmptyInput", "nothing to shout"));
        }
        Ok(p.to_ascii_uppercase().into())
    })
    .unwrap();
}

#[tokio::test]
async fn request_response_invoke_returns_the_payload_version_and_log_tail() {
    // given a function made in Rust
    let cloud = cloud();
    shout(&cloud.functions());
    let client = lambda(&cloud);

    // when it is invoked through the SDK with a log tail
    let out = client
        .invoke()
        .function_name("shout")
        .payload(Blob::new("hello"))
        .log_type(LogType::Tail)
        .send()
        .await
        .unwrap();

    // then the SDK reads the status, payload, executed version and the decoded log
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.payload().unwrap().as_ref(), b"HELLO");
    assert_eq!(out.executed_version(), Some("$LATEST"));
    assert_eq!(out.function_error(), None);
    let log = aws_smithy_types::base64::decode(out.log_result().unwrap()).unwrap();
    assert!(String::from_utf8(log).unwrap().contains("got 5 bytes"));
}

#[tokio::test]
async fn handler_error_surfaces_as_function_error_with_its_payload() {
    let cloud = cloud();
    shout(&cloud.functions());
    let out = lambda(&cloud).invoke().function_name("shout").send().await.unwrap();
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), Some("Unhandled"));
    let body: serde_json::Value = serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    assert_eq!(body["errorType"], "EmptyInput");
    assert_eq!(body["errorMessage"], "nothing to shout");
}

#[tokio::test]
async fn dry_run_checks_the_call_without_running_the_handler() {
    let cloud = cloud();
    shout(&cloud.functions());
    let client = lambda(&cloud);
    let out = client.invoke().function_name("shout").invocation_type(InvocationType::DryRun).send().await.unwrap();
    assert_eq!(out.status_code(), 204);
    let stats = cloud.functions().function("shout").unwrap();
    assert_eq!(stats.environments(), 0, "no environment was started");

    let missing = client.invoke().function_name("nope").invocation_type(InvocationType::DryRun).send().await;
    assert_eq!(missing.unwrap_err().code(), Some("ResourceNotFoundException"));
}

fn two_versions(cloud: &Cloud) {
    let rt = cloud.functions();
    rt.create_function("greet", FunctionConfig::default(), |_, _| Ok("v1".into())).unwrap();
    rt.publish_version("greet").unwrap();
    rt.update_function_code("greet", |_, _| Ok("v2".into())).unwrap();
    rt.publish_version("greet").unwrap();
}

async fn versions_hit(cloud: &Cloud, n: usize) -> (usize, usize) {
    let client = lambda(cloud);
    let (mut v1, mut v2) = (0, 0);
    for _ in 0..n {
        let out = client.invoke().function_name("greet").qualifier("live").send().await.unwrap();
        match (out.executed_version().unwrap(), out.payload().unwrap().as_ref()) {
            ("1", b"v1") => v1 += 1,
            ("2", b"v2") => v2 += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    (v1, v2)
}

#[tokio::test]
async fn alias_with_weighted_routing_splits_invokes_by_the_seeded_draw() {
    // given an alias made through the SDK: version 1, 30 % to version 2
    let cloud = cloud();
    two_versions(&cloud);
    let routing = AliasRoutingConfiguration::builder().additional_version_weights("2", 0.3).build();
    let alias = lambda(&cloud)
        .create_alias()
        .function_name("greet")
        .name("live")
        .function_version("1")
        .routing_config(routing)
        .send()
        .await
        .unwrap();
    assert_eq!(alias.alias_arn(), Some("arn:aws:lambda:us-east-1:000000000000:function:greet:live"));
    assert_eq!(alias.routing_config().unwrap().additional_version_weights().unwrap()["2"], 0.3);

    // when it is invoked 400 times
    let (v1, v2) = versions_hit(&cloud, 400).await;

    // then about 30 % ran version 2, and the same seed gives the same split
    assert_eq!(v1 + v2, 400);
    assert!((80..=160).contains(&v2), "version 2 ran {v2} times");
    let again = common::cloud();
    two_versions(&again);
    again
        .functions()
        .create_alias("greet", "live", "1", localcloud::function::AliasRouting::weights([("2", 0.3)]))
        .unwrap();
    assert_eq!(versions_hit(&again, 400).await, (v1, v2));
}

#[tokio::test]
async fn failed_async_invoke_lands_in_the_on_failure_queue() {
    // given a failing function whose on-failure destination is a queue, set through the SDK
    let cloud = cloud();
    shout(&cloud.functions());
    let sqs = sqs(&cloud);
    let url = common::queue(&sqs, "shout-failures").await;
    let queue_arn = cloud.queue("shout-failures").unwrap().arn().to_owned();
    let client = lambda(&cloud);
    client
        .put_function_event_invoke_config()
        .function_name("shout")
        .maximum_retry_attempts(1)
        .destination_config(
            DestinationConfig::builder().on_failure(OnFailure::builder().destination(&queue_arn).build()).build(),
        )
        .send()
        .await
        .unwrap();

    // when an event invoke fails and its retry fails too
    let out = client.invoke().function_name("shout").invocation_type(InvocationType::Event).send().await.unwrap();
    assert_eq!(out.status_code(), 202);
    cloud.advance(Duration::from_secs(120));

    // then AWS's on-failure record is read back with the SQS SDK
    let got = sqs.receive_message().queue_url(&url).send().await.unwrap().messages.unwrap();
    let record: serde_json::Value = serde_json::from_str(got[0].body().unwrap()).unwrap();
    assert_eq!(record["requestContext"]["condition"], "RetriesExhausted");
    assert_eq!(record["requestContext"]["approximateInvokeCount"], 2);
    assert_eq!(record["responseContext"]["functionError"], "Unhandled");
}

#[tokio::test]
async fn zero_reserved_concurrency_throttles_with_too_many_requests() {
    let cloud = cloud();
    shout(&cloud.functions());
    let client = lambda(&cloud);
    let put = client.put_function_concurrency().function_name("shout").reserved_concurrent_executions(0).send();
    assert_eq!(put.await.unwrap().reserved_concurrent_executions(), Some(0));

    let err = client.invoke().function_name("shout").payload(Blob::new("x")).send().await.unwrap_err();
    assert_eq!(err.code(), Some("TooManyRequestsException"));
    match err.into_service_error() {
        InvokeError::TooManyRequestsException(e) => {
            assert_eq!(e.reason(), Some(&ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded))
        }
        other => panic!("expected a throttle, got {other:?}"),
    }

    let got = client.get_function_concurrency().function_name("shout").send().await.unwrap();
    assert_eq!(got.reserved_concurrent_executions(), Some(0));
    client.delete_function_concurrency().function_name("shout").send().await.unwrap();
    let got = client.get_function_concurrency().function_name("shout").send().await.unwrap();
    assert_eq!(got.reserved_concurrent_executions(), None);
    assert_eq!(client.invoke().function_name("shout").payload(Blob::new("x")).send().await.unwrap().status_code(), 200);
}

#[tokio::test]
async fn permissions_added_through_the_sdk_govern_who_may_invoke() {
    // given a statement allowing SNS from one topic, added through the SDK
    let cloud = cloud();
    let rt = cloud.functions();
    shout(&rt);
    let client = lambda(&cloud);
    let topic = "arn:aws:sns:us-east-1:000000000000:alerts";
    let added = client
        .add_permission()
        .function_name("shout")
        .statement_id("sns-alerts")
        .action("lambda:InvokeFunction")
        .principal("sns.amazonaws.com")
        .source_arn(topic)
        .send()
        .await
        .unwrap();
    let statement: serde_json::Value = serde_json::from_str(added.statement().unwrap()).unwrap();
    assert_eq!(statement["Principal"]["Service"], "sns.amazonaws.com");

    // then that caller may invoke and another may not
    let from = |arn: &str| Invocation::request_response("hi").principal("sns.amazonaws.com").source_arn(arn);
    assert_eq!(rt.invoke("shout", from(topic)).unwrap().status_code(), 200);
    let denied = rt.invoke("shout", from("arn:aws:sns:us-east-1:000000000000:other")).unwrap_err();
    assert_eq!(denied.code(), "AccessDeniedException");

    // and the policy reads back, refuses a duplicate, and goes away when removed
    let policy = client.get_policy().function_name("shout").send().await.unwrap();
    assert!(policy.policy().unwrap().contains("sns-alerts"));
    let dup = client
        .add_permission()
        .function_name("shout")
        .statement_id("sns-alerts")
        .action("lambda:InvokeFunction")
        .principal("*")
        .send()
        .await;
    assert_eq!(dup.unwrap_err().code(), Some("ResourceConflictException"));
    client.remove_permission().function_name("shout").statement_id("sns-alerts").send().await.unwrap();
    let gone = client.remove_permission().function_name("shout").statement_id("sns-alerts").send().await;
    assert_eq!(gone.unwrap_err().code(), Some("ResourceNotFoundException"));
    let none = client.get_policy().function_name("shout").send().await;
    assert_eq!(none.unwrap_err().code(), Some("ResourceNotFoundException"));
}
