//! Delivery errors: client-side errors (a queue that is gone, a callback's
//! `DeliveryError::client`) are never retried; server-side errors (a throttled queue,
//! a failing or panicking callback) follow the delivery policy.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use localcloud::{
    Cloud, DeliveryError, OutgoingMessage, Publish, Queue, QueueConfig, ReceiveOptions, Subscription, TopicConfig,
};
use serde_json::Value;

fn setup() -> (Cloud, localcloud::Topic) {
    let cloud = Cloud::builder().manual_clock().seed(7).build();
    let t = cloud.create_topic("invoices", TopicConfig::default()).unwrap();
    (cloud, t)
}

fn metric(cloud: &Cloud, topic: &str, name: &str) -> f64 {
    cloud.metrics().value("AWS/SNS", topic, name).unwrap()
}

/// Receives everything, deleting as it goes: (group, body) in receive order.
fn drain(q: &Queue) -> Vec<(String, String)> {
    let mut out = Vec::new();
    loop {
        let batch = q.receive(ReceiveOptions::new().max_messages(10)).unwrap();
        if batch.is_empty() {
            return out;
        }
        for m in batch {
            out.push((m.group_id().unwrap_or_default().to_owned(), m.body_str().to_owned()));
            q.delete(m.receipt_handle()).unwrap();
        }
    }
}

#[test]
fn a_delivery_to_a_deleted_queue_is_not_retried_and_goes_to_the_subscription_dlq() {
    // given a subscription with a DLQ, and one without, whose queues were deleted
    let (cloud, t) = setup();
    let q = cloud.create_queue("orders", QueueConfig::default()).unwrap();
    let plain = cloud.create_queue("plain", QueueConfig::default()).unwrap();
    let dlq = cloud.create_queue("orders-dlq", QueueConfig::default()).unwrap();
    t.subscribe(Subscription::queue(&q).dead_letter_queue(&dlq)).unwrap();
    t.subscribe(Subscription::queue(&plain)).unwrap();
    cloud.delete_queue("orders").unwrap();
    cloud.delete_queue("plain").unwrap();
    // when a message is published
    t.publish(Publish::new("x")).unwrap();
    // then nothing is retried: the DLQ has the envelope at once, the other copy is dropped
    assert_eq!(cloud.next_task_due(), None);
    let dead: Value = serde_json::from_str(dlq.try_receive().unwrap().unwrap().body_str()).unwrap();
    assert_eq!(dead["Message"], "x");
    assert_eq!(metric(&cloud, "invoices", "NumberOfNotificationsFailed"), 2.0);
    assert_eq!(metric(&cloud, "invoices", "NumberOfNotificationsRedrivenToDlq"), 1.0);
    assert_eq!(metric(&cloud, "invoices", "NumberOfNotificationsDelivered"), 0.0);
}

#[test]
fn a_queue_recreated_under_the_same_name_gets_no_delivery_that_failed_while_it_was_gone() {
    // given a subscription whose queue was deleted
    let (cloud, t) = setup();
    let q = cloud.create_queue("orders", QueueConfig::default()).unwrap();
    t.subscribe(Subscription::queue(&q).raw_delivery(true)).unwrap();
    cloud.delete_queue("orders").unwrap();
    // when a message is published while it is gone, and the queue is created again
    t.publish(Publish::new("lost")).unwrap();
    cloud.advance(Duration::from_secs(61));
    let again = cloud.create_queue("orders", QueueConfig::default()).unwrap();
    cloud.advance(Duration::from_secs(86_400));
    // then the new queue never receives the lost message, but does receive new ones
    assert!(again.try_receive().unwrap().is_none());
    t.publish(Publish::new("fresh")).unwrap();
    assert_eq!(again.try_receive().unwrap().unwrap().body_str(), "fresh");
    assert_eq!(metric(&cloud, "invoices", "NumberOfNotificationsFailed"), 1.0);
    assert_eq!(metric(&cloud, "invoices", "NumberOfNotificationsDelivered"), 1.0);
}

#[test]
fn a_queue_subscribed_by_arn_before_it_exists_fails_then_receives_once_created() {
    // given a subscription to a queue ARN no queue has yet
    let (cloud, t) = setup();
    let dlq = cloud.create_queue("dlq", QueueConfig::default()).unwrap();
    let arn = format!("arn:aws:sqs:{}:{}:later", cloud.region(), cloud.account_id());
    t.subscribe(Subscription::queue_arn(&arn).raw_delivery(true).dead_letter_queue(&dlq)).unwrap();
    // when a message is published, then the queue is created and another is published
    t.publish(Publish::new("early")).unwrap();
    let later = cloud.create_queue("later", QueueConfig::default()).unwrap();
    t.publish(Publish::new("on time")).unwrap();
    // then the first went to the DLQ without retries, the second to the queue
    assert_eq!(dlq.try_receive().unwrap().unwrap().body_str(), "early");
    assert_eq!(later.try_receive().unwrap().unwrap().body_str(), "on time");
    assert_eq!(cloud.next_task_due(), None);
    // and an ARN of another account never resolves to this cloud's queue of that name
    let foreign = "arn:aws:sqs:us-east-1:999999999999:later";
    t.subscribe(Subscription::queue_arn(foreign).raw_delivery(true)).unwrap();
    t.publish(Publish::new("third")).unwrap();
    assert_eq!(later.try_receive().unwrap().unwrap().body_str(), "third");
    assert!(later.try_receive().unwrap().is_none(), "one copy only: the foreign ARN failed");
    assert_eq!(metric(&cloud, "invoices", "NumberOfNotificationsFailed"), 2.0);
}

#[test]
fn a_callback_client_error_is_not_retried_while_a_server_error_is() {
    // given a callback that answers a client error, one a server error, each with a DLQ
    let (cloud, t) = setup();
    let client_dlq = cloud.create_queue("client-dlq", QueueConfig::default()).unwrap();
    let server_dlq = cloud.create_queue("server-dlq", QueueConfig::default()).unwrap();
    let tries = Arc::new(Mutex::new((0, 0)));
    let (a, b) = (tries.clone(), tries.clone());
    t.subscribe(
        Subscription::callback(move |_| {
            a.lock().unwrap().0 += 1;
            Err(DeliveryError::client("410 gone"))
        })
        .dead_letter_queue(&client_dlq),
    )
    .unwrap();
    t.subscribe(
        Subscription::callback(move |_| {
            b.lock().unwrap().1 += 1;
            Err(DeliveryError::server("503"))
        })
        .dead_letter_queue(&server_dlq),
    )
    .unwrap();
    // when a message is published and the cloud runs what is due now
    t.publish(Publish::new("x")).unwrap();
    cloud.run_until_idle();
    // then the client error went to its DLQ after one try; the server error waits to retry
    assert_eq!(*tries.lock().unwrap(), (1, 1));
    assert!(client_dlq.try_receive().unwrap().is_some());
    assert!(server_dlq.try_receive().unwrap().is_none());
    assert_eq!(metric(&cloud, "invoices", "NumberOfNotificationsFailed"), 1.0);
    // and after the default policy (3 retries 20 s apart) the server error is dead-lettered too
    cloud.advance(Duration::from_secs(60));
    assert_eq!(*tries.lock().unwrap(), (1, 4));
    assert!(server_dlq.try_receive().unwrap().is_some());
    assert_eq!(metric(&cloud, "invoices", "NumberOfNotificationsFailed"), 2.0);
}

#[test]
fn a_throttled_queue_is_a_server_error_retried_on_the_queue_schedule_in_group_order() {
    // given a FIFO topic, a throttled FIFO queue whose send quota for this second is
    // spent, and another FIFO queue
    let cloud = Cloud::builder().manual_clock().seed(3).throttling(true).build();
    let t = cloud.create_topic("orders.fifo", TopicConfig::fifo().content_based_deduplication(true)).unwrap();
    let busy = cloud.create_queue("busy.fifo", QueueConfig::fifo()).unwrap();
    let other = cloud.create_queue("other.fifo", QueueConfig::fifo()).unwrap();
    t.subscribe(Subscription::queue(&busy).raw_delivery(true)).unwrap();
    t.subscribe(Subscription::queue(&other).raw_delivery(true)).unwrap();
    let t0 = cloud.now();
    let mut spent = 0;
    while busy.send_message(OutgoingMessage::new("filler").group_id("fill").deduplication_id(spent.to_string())).is_ok()
    {
        spent += 1;
    }
    assert!(spent > 0 && cloud.now() == t0);
    // when a group's messages are published in that second
    for i in 0..5 {
        t.publish(Publish::new(format!("m{i}")).group_id("g")).unwrap();
    }
    cloud.run_until_idle();
    // then the other queue has them all, the busy one none yet (the immediate retries
    // were throttled too), and the next try is 1 s later
    let want: Vec<String> = (0..5).map(|i| format!("m{i}")).collect();
    let got: Vec<String> = drain(&other).into_iter().map(|(_, b)| b).collect();
    assert_eq!(got, want);
    assert!(drain(&busy).iter().all(|(g, _)| g == "fill"));
    assert_eq!(cloud.next_task_due(), Some(t0 + Duration::from_secs(1)));
    // and in the next second the busy queue gets the whole group, in order
    cloud.advance(Duration::from_secs(1));
    let got: Vec<String> = drain(&busy).into_iter().map(|(_, b)| b).collect();
    assert_eq!(got, want);
    assert_eq!(metric(&cloud, "orders.fifo", "NumberOfNotificationsDelivered"), 10.0);
    assert_eq!(metric(&cloud, "orders.fifo", "NumberOfNotificationsFailed"), 0.0);
    assert_eq!(cloud.next_task_due(), None);
}
