//! Function subscriptions as their own protocol (`lambda`): listing, the `lambda` entry
//! of a structured message, client-side refusals not retried, and the journal.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use localcloud::function::{Function, Permission};
use localcloud::topic::{DeliveryPolicy, Protocol};
use localcloud::{Cloud, FunctionConfig, Publish, QueueConfig, ReceiveOptions, Subscription, Topic, TopicConfig};
use serde_json::Value;

fn cloud() -> Cloud {
    Cloud::builder().manual_clock().seed(1).journal(true).build()
}

/// A function recording the `Message` of each SNS event it runs with.
fn recorder(cloud: &Cloud, name: &str) -> (Function, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let f = cloud
        .functions()
        .create_function(name, FunctionConfig::default(), move |_, p: Bytes| {
            let e: Value = serde_json::from_slice(&p).unwrap_or_default();
            let m = e["Records"][0]["Sns"]["Message"].as_str().unwrap_or_default().to_owned();
            log.lock().unwrap().push(m);
            Ok(Bytes::new())
        })
        .unwrap();
    (f, seen)
}

fn allow(cloud: &Cloud, f: &str, t: &Topic) {
    cloud
        .functions()
        .add_permission(f, Permission::new("sns").principal("sns.amazonaws.com").source_arn(t.arn()))
        .unwrap();
}

fn failed(cloud: &Cloud, topic: &str) -> Option<f64> {
    cloud.metrics().value("AWS/SNS", topic, "NumberOfNotificationsFailed")
}

#[test]
fn a_function_subscription_lists_as_protocol_lambda_with_the_function_arn() {
    let cloud = cloud();
    let t = cloud.create_topic("orders", TopicConfig::default()).unwrap();
    let (f, _) = recorder(&cloud, "on-order");
    let arn = t.subscribe(Subscription::function(&f)).unwrap();
    let subs = t.subscriptions();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].arn(), &arn);
    assert_eq!(subs[0].protocol(), Protocol::Lambda);
    assert_eq!(subs[0].endpoint(), f.arn());
    // subscribing the same function again with the same settings is idempotent
    assert_eq!(t.subscribe(Subscription::function(&f)).unwrap(), arn);
}

#[test]
fn a_structured_message_gives_the_function_its_lambda_entry() {
    let cloud = cloud();
    let t = cloud.create_topic("orders", TopicConfig::default()).unwrap();
    let (f, seen) = recorder(&cloud, "on-order");
    allow(&cloud, "on-order", &t);
    t.subscribe(Subscription::function(&f)).unwrap();
    let body = r#"{"default":"for everyone","lambda":"for functions","sqs":"for queues"}"#;
    t.publish(Publish::new(body).message_structure_json()).unwrap();
    t.publish(Publish::new(r#"{"default":"only default"}"#).message_structure_json()).unwrap();
    cloud.run_until_idle();
    assert_eq!(*seen.lock().unwrap(), ["for functions", "only default"]);
}

#[test]
fn an_invoke_refused_for_lack_of_permission_is_not_retried_and_goes_to_the_dlq() {
    // given a function subscription whose function does not allow the topic
    let cloud = cloud();
    let t = cloud.create_topic("orders", TopicConfig::default()).unwrap();
    let dlq = cloud.create_queue("orders-dlq", QueueConfig::default()).unwrap();
    let (f, seen) = recorder(&cloud, "on-order");
    t.subscribe(Subscription::function(&f).dead_letter_queue(&dlq)).unwrap();
    // when a message is published (and nothing more happens on the clock)
    t.publish(Publish::new("order 1")).unwrap();
    cloud.run_until_idle();
    // then it failed at once: counted, dead-lettered, never retried
    assert_eq!(failed(&cloud, "orders"), Some(1.0));
    let dead = dlq.receive(ReceiveOptions::new().max_messages(10)).unwrap();
    assert_eq!(dead.len(), 1);
    let envelope: Value = serde_json::from_str(dead[0].body_str()).unwrap();
    assert_eq!(envelope["Message"], "order 1");
    cloud.advance(Duration::from_secs(24 * 3600));
    let tries = cloud.journal().entries_where(|e| e.service() == "sns" && e.action() == "delivery-failed");
    assert_eq!(tries.len(), 1, "one try, no retries");
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(cloud.metrics().value("AWS/Lambda", "on-order", "Invocations"), Some(0.0));
}

#[test]
fn a_deleted_function_fails_deliveries_until_one_of_that_name_exists_again() {
    let cloud = cloud();
    let t = cloud.create_topic("orders", TopicConfig::default()).unwrap();
    let (f, _) = recorder(&cloud, "on-order");
    t.subscribe(Subscription::function(&f)).unwrap();
    cloud.functions().delete_function("on-order").unwrap();
    // a delivery to the missing function is a client error: dropped at once, counted
    t.publish(Publish::new("lost")).unwrap();
    cloud.run_until_idle();
    assert_eq!(failed(&cloud, "orders"), Some(1.0));
    // a function created again under that ARN receives the next deliveries
    let (_, seen) = recorder(&cloud, "on-order");
    allow(&cloud, "on-order", &t);
    t.publish(Publish::new("found")).unwrap();
    cloud.run_until_idle();
    assert_eq!(*seen.lock().unwrap(), ["found"]);
    assert_eq!(cloud.metrics().value("AWS/SNS", "orders", "NumberOfNotificationsDelivered"), Some(1.0));
}

#[test]
fn a_delivery_to_a_function_is_journaled_with_the_function_as_peer() {
    let cloud = cloud();
    let t = cloud.create_topic("orders", TopicConfig::default()).unwrap();
    let (f, _) = recorder(&cloud, "on-order");
    allow(&cloud, "on-order", &t);
    t.subscribe(Subscription::function(&f)).unwrap();
    let receipt = t.publish(Publish::new("order 1")).unwrap();
    cloud.run_until_idle();
    let delivered = cloud.journal().entries_where(|e| e.service() == "sns" && e.action() == "deliver");
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].peer(), Some("lambda:on-order"));
    assert_eq!(delivered[0].subject(), receipt.message_id().to_string());
}

#[test]
fn a_function_subscription_refuses_raw_delivery_a_delivery_policy_and_fifo_topics() {
    let cloud = cloud();
    let t = cloud.create_topic("orders", TopicConfig::default()).unwrap();
    let fifo = cloud.create_topic("orders.fifo", TopicConfig::fifo()).unwrap();
    let (f, _) = recorder(&cloud, "on-order");
    let raw = t.subscribe(Subscription::function(&f).raw_delivery(true)).unwrap_err();
    assert_eq!(raw.code(), "InvalidParameter");
    let policy = t.subscribe(Subscription::function(&f).delivery_policy(DeliveryPolicy::default())).unwrap_err();
    assert_eq!(policy.code(), "InvalidParameter");
    assert_eq!(fifo.subscribe(Subscription::function(&f)).unwrap_err().code(), "InvalidParameter");
    assert!(t.subscriptions().is_empty() && fifo.subscriptions().is_empty());
}
