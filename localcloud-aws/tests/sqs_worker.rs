//! A worker written with `aws_sdk_sqs::Client`: it processes, fails and redrives
//! messages, on a manual clock.

mod common;

use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName;
use aws_sdk_sqs::Client;
use common::{cloud, queue, sqs};

/// One pass of the worker: receive up to ten, delete the ones it processed, leave the
/// ones it failed for SQS to deliver again. Returns the bodies it processed.
async fn work_once(sqs: &Client, url: &str, broken: &[&str]) -> Vec<String> {
    let got = sqs.receive_message().queue_url(url).max_number_of_messages(10).send().await.unwrap();
    let mut done = Vec::new();
    for m in got.messages.unwrap_or_default() {
        let body = m.body().unwrap_or_default().to_owned();
        if broken.contains(&body.as_str()) {
            continue; // processing failed: no delete, the message comes back
        }
        sqs.delete_message().queue_url(url).receipt_handle(m.receipt_handle().unwrap()).send().await.unwrap();
        done.push(body);
    }
    done
}

#[tokio::test]
async fn worker_processes_good_messages_and_poison_moves_to_the_dlq_then_redrives_back() {
    // given a queue whose redrive policy, set through the SDK, allows two receives
    let cloud = cloud();
    let sqs = sqs(&cloud);
    let dlq_url = queue(&sqs, "orders-dlq").await;
    let dlq_arn = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&QueueAttributeName::QueueArn]
        .clone();
    let url = queue(&sqs, "orders").await;
    sqs.set_queue_attributes()
        .queue_url(&url)
        .attributes(
            QueueAttributeName::RedrivePolicy,
            format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":2}}"#),
        )
        .attributes(QueueAttributeName::VisibilityTimeout, "30")
        .send()
        .await
        .unwrap();
    for body in ["a", "poison", "b"] {
        sqs.send_message().queue_url(&url).message_body(body).send().await.unwrap();
    }

    // when the worker runs, failing on "poison", with 30 s between passes
    let mut processed = work_once(&sqs, &url, &["poison"]).await;
    for _ in 0..2 {
        cloud.advance(Duration::from_secs(30));
        processed.extend(work_once(&sqs, &url, &["poison"]).await);
    }

    // then the good messages were processed once and the poison sits in the DLQ
    processed.sort();
    assert_eq!(processed, ["a", "b"]);
    let sources = sqs.list_dead_letter_source_queues().queue_url(&dlq_url).send().await.unwrap();
    assert_eq!(sources.queue_urls(), std::slice::from_ref(&url));
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    assert_eq!(attrs[&QueueAttributeName::ApproximateNumberOfMessages], "1");

    // when the bug is fixed and the DLQ is redriven to its source
    let task = sqs.start_message_move_task().source_arn(&dlq_arn).send().await.unwrap();
    assert!(task.task_handle().is_some());
    cloud.advance(Duration::from_secs(1));
    let tasks = sqs.list_message_move_tasks().source_arn(&dlq_arn).send().await.unwrap();
    assert_eq!(tasks.results()[0].status(), Some("COMPLETED"));

    // then the worker processes it
    assert_eq!(work_once(&sqs, &url, &[]).await, ["poison"]);
}

#[tokio::test]
async fn receive_returns_only_the_asked_attributes_with_the_md5_of_that_subset() {
    use aws_sdk_sqs::types::{MessageAttributeValue, MessageSystemAttributeName};
    let cloud = cloud();
    let sqs = sqs(&cloud);
    let url = queue(&sqs, "attrs").await;
    let attr = |v: &str| MessageAttributeValue::builder().data_type("String").string_value(v).build().unwrap();
    let sent = sqs
        .send_message()
        .queue_url(&url)
        .message_body("x")
        .message_attributes("trace.id", attr("t-1"))
        .message_attributes("trace.span", attr("s-1"))
        .message_attributes("tenant", attr("acme"))
        .send()
        .await
        .unwrap();
    assert!(sent.md5_of_message_attributes().is_some());

    let got = sqs
        .receive_message()
        .queue_url(&url)
        .message_attribute_names("trace.*")
        .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
        .send()
        .await
        .unwrap();
    let m = &got.messages()[0];
    let attrs = m.message_attributes().unwrap();
    assert_eq!(attrs.len(), 2);
    assert_eq!(attrs["trace.id"].string_value(), Some("t-1"));
    let mut subset = localcloud::MessageAttributes::new();
    subset.insert("trace.id", localcloud::AttributeValue::string("t-1"));
    subset.insert("trace.span", localcloud::AttributeValue::string("s-1"));
    assert_eq!(m.md5_of_message_attributes(), Some(subset.md5().unwrap().to_string().as_str()));
    let sys = m.attributes().unwrap();
    assert_eq!(sys.len(), 1);
    assert_eq!(sys[&MessageSystemAttributeName::ApproximateReceiveCount], "1");
}
