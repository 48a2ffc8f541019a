//! The rest of SQS through the SDK: batches, attributes, tags, permissions, listing,
//! purge and deletion, each with the codes AWS gives.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, QueueAttributeName,
    SendMessageBatchRequestEntry,
};
use common::{cloud, queue, sqs};

fn entry(id: &str, body: &str) -> SendMessageBatchRequestEntry {
    SendMessageBatchRequestEntry::builder().id(id).message_body(body).build().unwrap()
}

#[tokio::test]
async fn batches_answer_each_entry_and_a_bad_handle_fails_alone() {
    let cloud = cloud();
    let sqs = sqs(&cloud);
    let url = queue(&sqs, "batch").await;
    let sent = sqs
        .send_message_batch()
        .queue_url(&url)
        .entries(entry("a", "one"))
        .entries(entry("b", "two"))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.successful().len(), 2);
    assert!(sent.failed().is_empty());

    let got = sqs.receive_message().queue_url(&url).max_number_of_messages(10).send().await.unwrap();
    let handles: Vec<_> = got.messages().iter().map(|m| m.receipt_handle().unwrap().to_owned()).collect();
    let vis = sqs
        .change_message_visibility_batch()
        .queue_url(&url)
        .entries(
            ChangeMessageVisibilityBatchRequestEntry::builder()
                .id("v")
                .receipt_handle(&handles[0])
                .visibility_timeout(0)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(vis.successful().len(), 1);

    let del = sqs
        .delete_message_batch()
        .queue_url(&url)
        .entries(DeleteMessageBatchRequestEntry::builder().id("ok").receipt_handle(&handles[1]).build().unwrap())
        .entries(DeleteMessageBatchRequestEntry::builder().id("bad").receipt_handle("garbage").build().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(del.successful().len(), 1);
    assert_eq!(del.failed()[0].id(), "bad");
    assert_eq!(del.failed()[0].code(), "ReceiptHandleIsInvalid");
    assert!(del.failed()[0].sender_fault());

    let err = sqs.send_message_batch().queue_url(&url).send().await.unwrap_err().into_service_error();
    assert!(err.is_empty_batch_request());
    let err = sqs
        .send_message_batch()
        .queue_url(&url)
        .entries(entry("x", "1"))
        .entries(entry("x", "2"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_batch_entry_ids_not_distinct());
}

#[tokio::test]
async fn set_queue_attributes_changes_only_the_named_ones() {
    let cloud = cloud();
    let sqs = sqs(&cloud);
    let url = sqs
        .create_queue()
        .queue_name("attrs")
        .attributes(QueueAttributeName::DelaySeconds, "5")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    sqs.set_queue_attributes()
        .queue_url(&url)
        .attributes(QueueAttributeName::VisibilityTimeout, "45")
        .send()
        .await
        .unwrap();
    let all = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    assert_eq!(all[&QueueAttributeName::DelaySeconds], "5");
    assert_eq!(all[&QueueAttributeName::VisibilityTimeout], "45");
    assert_eq!(all[&QueueAttributeName::QueueArn], "arn:aws:sqs:us-east-1:000000000000:attrs");

    let err = sqs
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(QueueAttributeName::VisibilityTimeout, "forever")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_attribute_value());
}

#[tokio::test]
async fn deleted_queue_answers_non_existent_queue_everywhere() {
    let cloud = cloud();
    let sqs = sqs(&cloud);
    let url = queue(&sqs, "gone").await;
    sqs.delete_queue().queue_url(&url).send().await.unwrap();
    let err = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_queue_does_not_exist());
    let err = sqs.send_message().queue_url(&url).message_body("x").send().await.unwrap_err().into_service_error();
    assert_eq!(err.code(), Some("AWS.SimpleQueueService.NonExistentQueue"));
}

#[tokio::test]
async fn tags_and_permissions_are_kept() {
    let cloud = cloud();
    let sqs = sqs(&cloud);
    let url = sqs.create_queue().queue_name("tagged").tags("team", "billing").send().await.unwrap().queue_url.unwrap();
    sqs.tag_queue().queue_url(&url).tags("env", "test").send().await.unwrap();
    sqs.untag_queue().queue_url(&url).tag_keys("team").send().await.unwrap();
    let tags = sqs.list_queue_tags().queue_url(&url).send().await.unwrap().tags.unwrap();
    assert_eq!(tags, HashMap::from([("env".to_owned(), "test".to_owned())]));

    sqs.add_permission()
        .queue_url(&url)
        .label("send")
        .aws_account_ids("111122223333")
        .actions("SendMessage")
        .send()
        .await
        .unwrap();
    assert_eq!(cloud.queue("tagged").unwrap().permissions().len(), 1);
    sqs.remove_permission().queue_url(&url).label("send").send().await.unwrap();
    assert!(cloud.queue("tagged").unwrap().permissions().is_empty());
}

#[tokio::test]
async fn list_queues_pages_by_name_and_purge_empties_once_a_minute() {
    let cloud = cloud();
    let sqs = sqs(&cloud);
    for n in ["q1", "q2", "q3", "other"] {
        queue(&sqs, n).await;
    }
    let first = sqs.list_queues().queue_name_prefix("q").max_results(2).send().await.unwrap();
    assert_eq!(first.queue_urls().len(), 2);
    let rest = sqs
        .list_queues()
        .queue_name_prefix("q")
        .max_results(2)
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.queue_urls().len(), 1);
    assert!(rest.next_token().is_none());

    let url = sqs.get_queue_url().queue_name("q1").send().await.unwrap().queue_url.unwrap();
    sqs.send_message().queue_url(&url).message_body("x").send().await.unwrap();
    sqs.purge_queue().queue_url(&url).send().await.unwrap();
    let err = sqs.purge_queue().queue_url(&url).send().await.unwrap_err().into_service_error();
    assert!(err.is_purge_queue_in_progress());
    cloud.advance(Duration::from_secs(60));
    sqs.purge_queue().queue_url(&url).send().await.unwrap();
}

#[tokio::test]
async fn message_move_task_can_be_cancelled_through_the_sdk() {
    let cloud = cloud();
    let sqs = sqs(&cloud);
    let dlq = cloud.create_queue("dlq", localcloud::QueueConfig::default()).unwrap();
    let src = cloud
        .create_queue("src", localcloud::QueueConfig::default().redrive(localcloud::RedrivePolicy::new(&dlq, 1)))
        .unwrap();
    for i in 0..20 {
        src.send(format!("m{i}")).unwrap();
    }
    for _ in 0..2 {
        while !src.receive(localcloud::ReceiveOptions::new().max_messages(10)).unwrap().is_empty() {}
        cloud.advance(Duration::from_secs(30));
    }
    let handle = sqs
        .start_message_move_task()
        .source_arn(dlq.arn())
        .max_number_of_messages_per_second(1)
        .send()
        .await
        .unwrap()
        .task_handle
        .unwrap();
    let cancelled = sqs.cancel_message_move_task().task_handle(&handle).send().await.unwrap();
    assert!(cancelled.approximate_number_of_messages_moved() <= 20);
    let err = sqs.cancel_message_move_task().task_handle("no-such-task").send().await.unwrap_err().into_service_error();
    assert!(err.is_resource_not_found_exception());
}
