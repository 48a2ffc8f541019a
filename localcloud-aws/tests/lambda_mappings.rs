//! Event source mappings through the AWS SDK for Rust: an SQS queue feeding a function
//! on a manual clock, read back, disabled, listed and deleted with AWS's codes.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::types::FunctionResponseType;
use common::{cloud, lambda, sqs};
use localcloud::{Cloud, FunctionConfig};

/// A function that records the bodies of the SQS events it gets.
fn recorder(cloud: &Cloud) -> Arc<Mutex<Vec<String>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    cloud
        .functions()
        .create_function("orders", FunctionConfig::default(), move |_, event| {
            let v: serde_json::Value = serde_json::from_slice(&event)?;
            for r in v["Records"].as_array().into_iter().flatten() {
                log.lock().unwrap().push(r["body"].as_str().unwrap_or_default().to_owned());
            }
            Ok("".into())
        })
        .unwrap();
    seen
}

#[tokio::test]
async fn sqs_mapping_created_through_the_sdk_feeds_the_function() {
    // given a queue and a function, and a mapping made through the SDK
    let cloud = cloud();
    let seen = recorder(&cloud);
    let sqs = sqs(&cloud);
    let url = common::queue(&sqs, "incoming").await;
    let arn = cloud.queue("incoming").unwrap().arn().to_owned();
    let client = lambda(&cloud);
    let created = client
        .create_event_source_mapping()
        .event_source_arn(&arn)
        .function_name("orders")
        .batch_size(5)
        .function_response_types(FunctionResponseType::ReportBatchItemFailures)
        .send()
        .await
        .unwrap();
    let uuid = created.uuid().unwrap().to_owned();
    assert_eq!(created.batch_size(), Some(5));
    assert_eq!(created.function_arn(), Some("arn:aws:lambda:us-east-1:000000000000:function:orders"));

    // when messages are sent through the SQS SDK and the clock moves
    for i in 0..7 {
        sqs.send_message().queue_url(&url).message_body(format!("order {i}")).send().await.unwrap();
    }
    cloud.advance(Duration::from_secs(2));

    // then the function got every message and the queue is empty
    let mut got = seen.lock().unwrap().clone();
    got.sort();
    assert_eq!(got, (0..7).map(|i| format!("order {i}")).collect::<Vec<_>>());
    assert_eq!(cloud.queue("incoming").unwrap().stats().total(), 0);

    // and the mapping reads back, lists, disables and deletes through the SDK
    let got = client.get_event_source_mapping().uuid(&uuid).send().await.unwrap();
    assert_eq!((got.state(), got.event_source_arn()), (Some("Enabled"), Some(arn.as_str())));
    assert_eq!(got.function_response_types(), [FunctionResponseType::ReportBatchItemFailures]);
    let listed = client.list_event_source_mappings().function_name("orders").send().await.unwrap();
    assert_eq!(listed.event_source_mappings().len(), 1);
    let updated = client.update_event_source_mapping().uuid(&uuid).enabled(false).batch_size(2).send().await.unwrap();
    assert_eq!((updated.state(), updated.batch_size()), (Some("Disabled"), Some(2)));
    sqs.send_message().queue_url(&url).message_body("held").send().await.unwrap();
    cloud.advance(Duration::from_secs(2));
    assert_eq!(seen.lock().unwrap().len(), 7, "a disabled mapping does not poll");

    let deleted = client.delete_event_source_mapping().uuid(&uuid).send().await.unwrap();
    assert_eq!(deleted.state(), Some("Deleting"));
    let gone = client.get_event_source_mapping().uuid(&uuid).send().await;
    assert_eq!(gone.unwrap_err().code(), Some("ResourceNotFoundException"));
}

#[tokio::test]
async fn mapping_requests_with_bad_settings_get_aws_codes() {
    let cloud = cloud();
    recorder(&cloud);
    let sqs = sqs(&cloud);
    common::queue(&sqs, "incoming").await;
    let arn = cloud.queue("incoming").unwrap().arn().to_owned();
    let client = lambda(&cloud);
    let create = || client.create_event_source_mapping().event_source_arn(&arn).function_name("orders");

    let too_big = create().batch_size(20_000).send().await;
    assert_eq!(too_big.unwrap_err().code(), Some("InvalidParameterValueException"));
    create().send().await.unwrap();
    assert_eq!(create().send().await.unwrap_err().code(), Some("ResourceConflictException"));
    let no_queue = client
        .create_event_source_mapping()
        .event_source_arn("arn:aws:sqs:us-east-1:000000000000:nope")
        .function_name("orders")
        .send()
        .await;
    assert_eq!(no_queue.unwrap_err().code(), Some("ResourceNotFoundException"));
    let no_function = client.create_event_source_mapping().event_source_arn(&arn).function_name("nope").send().await;
    assert_eq!(no_function.unwrap_err().code(), Some("ResourceNotFoundException"));
}
