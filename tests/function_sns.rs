//! Topic → function subscriptions: the SNS event shape, an async invoke per message,
//! and the resource policy the topic needs.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use localcloud::function::Permission;
use localcloud::{AttributeValue, Cloud, FunctionConfig, Publish, Subscription, TopicConfig};
use serde_json::Value;

#[test]
fn a_subscribed_function_gets_each_message_as_an_sns_event() {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let rt = cloud.functions();
    let t = cloud.create_topic("orders", TopicConfig::default()).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = Arc::clone(&seen);
    let f = rt
        .create_function("on-order", FunctionConfig::default(), move |_, p: Bytes| {
            s.lock().unwrap().push(p);
            Ok(Bytes::new())
        })
        .unwrap();
    rt.add_permission("on-order", Permission::new("sns").principal("sns.amazonaws.com").source_arn(t.arn())).unwrap();
    let sub = t.subscribe(Subscription::function(&f)).unwrap();
    let receipt = t
        .publish(Publish::new("order 7").subject("new order").attribute("kind", AttributeValue::string("retail")))
        .unwrap();
    cloud.run_until_idle();
    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let e: Value = serde_json::from_slice(&got[0]).unwrap();
    let r = &e["Records"][0];
    assert_eq!(r["EventSource"], "aws:sns");
    assert_eq!(r["EventVersion"], "1.0");
    assert_eq!(r["EventSubscriptionArn"], sub.as_str());
    let sns = &r["Sns"];
    assert_eq!(sns["Type"], "Notification");
    assert_eq!(sns["MessageId"], receipt.message_id().to_string());
    assert_eq!(sns["TopicArn"], t.arn());
    assert_eq!(sns["Subject"], "new order");
    assert_eq!(sns["Message"], "order 7");
    assert_eq!(sns["SignatureVersion"], "1");
    assert!(sns["Signature"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(sns["SigningCertUrl"].as_str().is_some());
    assert!(sns["UnsubscribeUrl"].as_str().is_some());
    assert_eq!(sns["MessageAttributes"]["kind"], serde_json::json!({"Type": "String", "Value": "retail"}));
}

#[test]
fn without_a_permission_for_the_topic_the_function_does_not_run() {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let rt = cloud.functions();
    let t = cloud.create_topic("orders", TopicConfig::default()).unwrap();
    let f = rt.create_function("f", FunctionConfig::default(), |_, p| Ok(p)).unwrap();
    t.subscribe(Subscription::function(&f)).unwrap();
    t.publish(Publish::new("x")).unwrap();
    cloud.advance(std::time::Duration::from_secs(3600));
    assert_eq!(cloud.metrics().value("AWS/Lambda", "f", "Invocations"), Some(0.0));
    assert_eq!(cloud.metrics().value("AWS/SNS", "orders", "NumberOfNotificationsFailed"), Some(1.0));
}
