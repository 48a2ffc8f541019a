//! SQS through the AWS SDK for Rust: create, send, receive, delete, and AWS's error codes.

use std::time::Duration;

use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::Client;
use localcloud::Cloud;

fn cloud() -> Cloud {
    Cloud::builder().manual_clock().seed(1).build()
}

fn sqs(cloud: &Cloud) -> Client {
    Client::new(&localcloud_aws::sdk_config(cloud))
}

#[tokio::test]
async fn sent_message_is_received_then_deleted() {
    // given a queue made through the SDK
    let cloud = cloud();
    let sqs = sqs(&cloud);
    let url = sqs.create_queue().queue_name("orders").send().await.unwrap().queue_url.unwrap();
    assert_eq!(url, "https://sqs.us-east-1.amazonaws.com/000000000000/orders");

    // when a message is sent and received
    let sent = sqs.send_message().queue_url(&url).message_body("order 1").send().await.unwrap();
    let got = sqs.receive_message().queue_url(&url).max_number_of_messages(10).send().await.unwrap();

    // then it arrives once, with the MD5 AWS would give, and deleting empties the queue
    let msgs = got.messages.unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].body(), Some("order 1"));
    assert_eq!(msgs[0].message_id(), sent.message_id());
    assert_eq!(sent.md5_of_message_body(), msgs[0].md5_of_body());
    let expected = localcloud::Md5Digest::of(b"order 1").to_string();
    assert_eq!(msgs[0].md5_of_body(), Some(expected.as_str()));
    sqs.delete_message().queue_url(&url).receipt_handle(msgs[0].receipt_handle().unwrap()).send().await.unwrap();
    assert_eq!(cloud.queue("orders").unwrap().stats().total(), 0);
}

#[tokio::test]
async fn unreceived_message_comes_back_after_the_visibility_timeout_on_the_manual_clock() {
    let cloud = cloud();
    let sqs = sqs(&cloud);
    let url = sqs
        .create_queue()
        .queue_name("jobs")
        .attributes(aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout, "30")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    sqs.send_message().queue_url(&url).message_body("job").send().await.unwrap();
    assert!(sqs.receive_message().queue_url(&url).send().await.unwrap().messages.is_some());
    assert!(sqs.receive_message().queue_url(&url).send().await.unwrap().messages.is_none());
    cloud.advance(Duration::from_secs(30));
    let again = sqs.receive_message().queue_url(&url).send().await.unwrap().messages.unwrap();
    assert_eq!(again[0].body(), Some("job"));
}

#[tokio::test]
async fn missing_queue_answers_with_the_aws_query_code_and_typed_error() {
    let cloud = cloud();
    let sqs = sqs(&cloud);
    let err = sqs.get_queue_url().queue_name("nope").send().await.unwrap_err().into_service_error();
    assert!(err.is_queue_does_not_exist());
    assert_eq!(err.code(), Some("AWS.SimpleQueueService.NonExistentQueue"));
}

#[tokio::test]
async fn long_poll_on_a_manual_clock_answers_at_once() {
    let cloud = cloud();
    let sqs = sqs(&cloud);
    let url = sqs.create_queue().queue_name("idle").send().await.unwrap().queue_url.unwrap();
    let got = sqs.receive_message().queue_url(&url).wait_time_seconds(20).send().await.unwrap();
    assert!(got.messages.is_none());
}

#[tokio::test]
async fn long_poll_on_the_system_clock_lets_other_tasks_run_and_wakes_on_a_send() {
    // given a cloud on the system clock and a receive waiting up to 20 s
    let cloud = Cloud::new();
    let sqs = sqs(&cloud);
    let url = sqs.create_queue().queue_name("live").send().await.unwrap().queue_url.unwrap();
    let receive = sqs.receive_message().queue_url(&url).wait_time_seconds(20).send();

    // when another task on the same single-threaded executor sends meanwhile
    let send = sqs.send_message().queue_url(&url).message_body("wake").send();
    let (got, sent) = tokio::join!(receive, send);

    // then the send ran and the waiting receive got its message
    sent.unwrap();
    assert_eq!(got.unwrap().messages()[0].body(), Some("wake"));
    cloud.shutdown();
}
