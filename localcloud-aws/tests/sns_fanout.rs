//! SNS → SQS fan-out configured entirely through the SDKs, with filter policies,
//! raw delivery, attributes changed in place, batches, tags and AWS's error codes.

mod common;

use aws_sdk_sns::error::ProvideErrorMetadata;
use aws_sdk_sns::types::{MessageAttributeValue, PublishBatchRequestEntry};
use aws_sdk_sqs::types::QueueAttributeName;
use common::{cloud, queue, sns, sqs};

async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> String {
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&QueueAttributeName::QueueArn]
        .clone()
}

async fn bodies(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<String> {
    let got = sqs.receive_message().queue_url(url).max_number_of_messages(10).send().await.unwrap();
    got.messages().iter().map(|m| m.body().unwrap_or_default().to_owned()).collect()
}

fn kind(v: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder().data_type("String").string_value(v).build().unwrap()
}

#[tokio::test]
async fn fan_out_delivers_each_message_to_the_queues_whose_filter_matches() {
    // given a topic and two queues subscribed through the SDK with filter policies
    let cloud = cloud();
    let (sns, sqs) = (sns(&cloud), sqs(&cloud));
    let topic = sns.create_topic().name("orders").send().await.unwrap().topic_arn.unwrap();
    let shipping = queue(&sqs, "shipping").await;
    let billing = queue(&sqs, "billing").await;
    let ship_sub = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(queue_arn(&sqs, &shipping).await)
        .attributes("FilterPolicy", r#"{"kind": ["physical"]}"#)
        .attributes("RawMessageDelivery", "true")
        .return_subscription_arn(true)
        .send()
        .await
        .unwrap()
        .subscription_arn
        .unwrap();
    sns.subscribe().topic_arn(&topic).protocol("sqs").endpoint(queue_arn(&sqs, &billing).await).send().await.unwrap();

    // when two orders are published
    sns.publish().topic_arn(&topic).message("book").message_attributes("kind", kind("physical")).send().await.unwrap();
    sns.publish().topic_arn(&topic).message("ebook").message_attributes("kind", kind("digital")).send().await.unwrap();

    // then shipping gets the physical one raw, billing gets both in the SNS envelope
    assert_eq!(bodies(&sqs, &shipping).await, ["book"]);
    let billed = bodies(&sqs, &billing).await;
    assert_eq!(billed.len(), 2);
    assert!(
        billed[0].contains(r#""Type" : "Notification""#) || billed[0].contains(r#""Type":"Notification""#),
        "{}",
        billed[0]
    );

    // when the filter changes in place, later publishes follow it
    sns.set_subscription_attributes()
        .subscription_arn(&ship_sub)
        .attribute_name("FilterPolicy")
        .attribute_value(r#"{"kind": ["digital"]}"#)
        .send()
        .await
        .unwrap();
    sns.publish().topic_arn(&topic).message("game").message_attributes("kind", kind("digital")).send().await.unwrap();
    assert_eq!(bodies(&sqs, &shipping).await, ["game"]);
    let attrs = sns.get_subscription_attributes().subscription_arn(&ship_sub).send().await.unwrap().attributes.unwrap();
    assert_eq!(attrs["RawMessageDelivery"], "true");
    assert_eq!(attrs["Protocol"], "sqs");
    assert!(attrs["FilterPolicy"].contains("digital"));

    let subs = sns.list_subscriptions_by_topic().topic_arn(&topic).send().await.unwrap();
    assert_eq!(subs.subscriptions().len(), 2);
    sns.unsubscribe().subscription_arn(&ship_sub).send().await.unwrap();
    assert_eq!(sns.list_subscriptions().send().await.unwrap().subscriptions().len(), 1);
}

#[tokio::test]
async fn topic_attributes_tags_and_batches_through_the_sdk() {
    let cloud = cloud();
    let (sns, sqs) = (sns(&cloud), sqs(&cloud));
    let topic = sns
        .create_topic()
        .name("alerts")
        .attributes("DisplayName", "Alerts")
        .tags(aws_sdk_sns::types::Tag::builder().key("team").value("ops").build().unwrap())
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    sns.set_topic_attributes()
        .topic_arn(&topic)
        .attribute_name("SignatureVersion")
        .attribute_value("2")
        .send()
        .await
        .unwrap();
    let attrs = sns.get_topic_attributes().topic_arn(&topic).send().await.unwrap().attributes.unwrap();
    assert_eq!(attrs["DisplayName"], "Alerts");
    assert_eq!(attrs["SignatureVersion"], "2");
    assert_eq!(attrs["TopicArn"], topic);
    let tags = sns.list_tags_for_resource().resource_arn(&topic).send().await.unwrap();
    assert_eq!(tags.tags()[0].key(), "team");
    sns.untag_resource().resource_arn(&topic).tag_keys("team").send().await.unwrap();
    assert!(sns.list_tags_for_resource().resource_arn(&topic).send().await.unwrap().tags().is_empty());

    let inbox = queue(&sqs, "inbox").await;
    sns.subscribe().topic_arn(&topic).protocol("sqs").endpoint(queue_arn(&sqs, &inbox).await).send().await.unwrap();
    let entry = |id: &str| PublishBatchRequestEntry::builder().id(id).message(format!("m-{id}")).build().unwrap();
    let out = sns
        .publish_batch()
        .topic_arn(&topic)
        .publish_batch_request_entries(entry("a"))
        .publish_batch_request_entries(entry("b"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.successful().len(), 2);
    assert_eq!(bodies(&sqs, &inbox).await.len(), 2);

    let err = sns
        .publish()
        .topic_arn("arn:aws:sns:us-east-1:000000000000:nope")
        .message("x")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_not_found_exception());
    assert_eq!(err.code(), Some("NotFound"));
    let err = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint("arn:aws:sqs:us-east-1:000000000000:inbox")
        .attributes("FilterPolicy", "{not json")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_exception());
    assert_eq!(sns.list_topics().send().await.unwrap().topics().len(), 1);
    sns.delete_topic().topic_arn(&topic).send().await.unwrap();
    assert!(sns.list_topics().send().await.unwrap().topics().is_empty());
}
