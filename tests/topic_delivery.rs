//! Delivery: envelopes, raw delivery, message structure, callbacks, retry schedules
//! on the manual clock, subscription dead-letter queues and metrics.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use localcloud::topic::DeliveryPolicy;
use localcloud::{
    AttributeValue, Cloud, DeliveryError, Publish, Queue, QueueConfig, Subscription, Timestamp, Topic, TopicConfig,
};
use serde_json::Value;

fn setup() -> (Cloud, Topic) {
    let cloud = Cloud::builder().manual_clock().seed(7).build();
    let t = cloud.create_topic("invoices", TopicConfig::default()).unwrap();
    (cloud, t)
}

fn queue(cloud: &Cloud, name: &str) -> Queue {
    cloud.create_queue(name, QueueConfig::default()).unwrap()
}

fn metric(cloud: &Cloud, name: &str) -> f64 {
    cloud.metrics().value("AWS/SNS", "invoices", name).unwrap()
}

fn drain(q: &Queue) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(m) = q.try_receive().unwrap() {
        out.push(m.body_str().to_owned());
        q.delete(m.receipt_handle()).unwrap();
    }
    out
}

#[test]
fn envelope_has_every_field_in_the_aws_shape() {
    // given a non-raw queue subscription
    let (cloud, t) = setup();
    let q = queue(&cloud, "orders");
    let sub = t.subscribe(Subscription::queue(&q)).unwrap();
    // when a message with a subject and every attribute type is published
    let receipt = t
        .publish(
            Publish::new("invoice \"7\"\n")
                .subject("New invoice")
                .attribute("customer", AttributeValue::string("ada"))
                .attribute("total", AttributeValue::number("120.50"))
                .attribute("pdf", AttributeValue::binary(&b"\x00\x01\xff"[..]))
                .attribute("tags", AttributeValue::string_array(["urgent", "eu"])),
        )
        .unwrap();
    // then the queue body is the JSON envelope, field for field
    let m = q.try_receive().unwrap().unwrap();
    assert!(m.attributes().is_empty(), "non-raw deliveries carry attributes inside the envelope");
    let env: Value = serde_json::from_str(m.body_str()).unwrap();
    let obj = env.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "Message",
            "MessageAttributes",
            "MessageId",
            "Signature",
            "SignatureVersion",
            "SigningCertURL",
            "Subject",
            "Timestamp",
            "TopicArn",
            "Type",
            "UnsubscribeURL"
        ]
    );
    assert_eq!(env["Type"], "Notification");
    assert_eq!(env["MessageId"], receipt.message_id().to_string());
    assert_eq!(env["TopicArn"], "arn:aws:sns:us-east-1:000000000000:invoices");
    assert_eq!(env["Subject"], "New invoice");
    assert_eq!(env["Message"], "invoice \"7\"\n");
    assert_eq!(env["Timestamp"], "2024-01-01T00:00:00.000Z");
    assert_eq!(env["SignatureVersion"], "1");
    let sig = env["Signature"].as_str().unwrap();
    assert!(!sig.is_empty() && sig.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)));
    let cert = env["SigningCertURL"].as_str().unwrap();
    assert!(cert.starts_with("https://sns.us-east-1.amazonaws.com/") && cert.ends_with(".pem"));
    assert_eq!(
        env["UnsubscribeURL"],
        format!("https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={sub}")
    );
    let attrs = &env["MessageAttributes"];
    assert_eq!(attrs["customer"], serde_json::json!({"Type": "String", "Value": "ada"}));
    assert_eq!(attrs["total"], serde_json::json!({"Type": "Number", "Value": "120.50"}));
    assert_eq!(attrs["pdf"], serde_json::json!({"Type": "Binary", "Value": "AAH/"}));
    assert_eq!(attrs["tags"], serde_json::json!({"Type": "String.Array", "Value": "[\"urgent\",\"eu\"]"}));
}

#[test]
fn envelope_timestamp_is_the_publish_time_on_the_clock() {
    let (cloud, t) = setup();
    let q = queue(&cloud, "orders");
    t.subscribe(Subscription::queue(&q)).unwrap();
    cloud.advance(Duration::from_millis(1_234));
    t.publish(Publish::new("x")).unwrap();
    let env: Value = serde_json::from_str(q.try_receive().unwrap().unwrap().body_str()).unwrap();
    assert_eq!(env["Timestamp"], "2024-01-01T00:00:01.234Z");
    assert_eq!(env["Timestamp"], cloud.now().to_string());
}

#[test]
fn envelope_omits_subject_attributes_and_sequence_number_when_absent() {
    let (cloud, t) = setup();
    let q = queue(&cloud, "orders");
    t.subscribe(Subscription::queue(&q)).unwrap();
    t.publish(Publish::new("plain")).unwrap();
    let env: Value = serde_json::from_str(q.try_receive().unwrap().unwrap().body_str()).unwrap();
    for absent in ["Subject", "MessageAttributes", "SequenceNumber"] {
        assert!(env.get(absent).is_none(), "{absent}");
    }
    assert_eq!(env["Message"], "plain");
}

#[test]
fn fan_out_gives_every_subscriber_its_own_copy() {
    // given the invoice topic with an orders queue and an emails queue
    let (cloud, t) = setup();
    let orders = queue(&cloud, "orders");
    let emails = queue(&cloud, "emails");
    t.subscribe(Subscription::queue(&orders).raw_delivery(true)).unwrap();
    t.subscribe(Subscription::queue(&emails).raw_delivery(true)).unwrap();
    // when one invoice is published
    t.publish(Publish::new("invoice 7")).unwrap();
    // then each queue holds it once, and draining one leaves the other
    assert_eq!(drain(&orders), ["invoice 7"]);
    assert_eq!(drain(&emails), ["invoice 7"]);
    assert_eq!(metric(&cloud, "NumberOfMessagesPublished"), 1.0);
    assert_eq!(metric(&cloud, "NumberOfNotificationsDelivered"), 2.0);
}

#[test]
fn raw_delivery_shares_the_body_bytes_and_maps_attributes() {
    // given two raw queue subscriptions
    let (cloud, t) = setup();
    let a = queue(&cloud, "a");
    let b = queue(&cloud, "b");
    t.subscribe(Subscription::queue(&a).raw_delivery(true)).unwrap();
    t.subscribe(Subscription::queue(&b).raw_delivery(true)).unwrap();
    let body = Bytes::from(vec![b'x'; 4096]);
    let ptr = body.as_ptr();
    // when a message with attributes is published
    t.publish(
        Publish::new(body)
            .attribute("kind", AttributeValue::string("invoice"))
            .attribute("tags", AttributeValue::string_array(["a"])),
    )
    .unwrap();
    // then both queues hold the very same bytes, and the attributes as queue attributes
    for q in [&a, &b] {
        let m = q.try_receive().unwrap().unwrap();
        assert_eq!(m.body().as_ptr(), ptr, "the body is shared, not copied");
        assert_eq!(m.attributes().get("kind"), Some(&AttributeValue::string("invoice")));
        assert_eq!(m.attributes().get("tags").unwrap().data_type(), "String.Array");
        assert!(m.md5_of_attributes().is_some());
    }
}

#[test]
fn structured_messages_carry_no_attributes_so_eleven_do_not_block_raw_delivery() {
    // given a raw subscription with a DLQ
    let (cloud, t) = setup();
    let q = queue(&cloud, "orders");
    let dlq = queue(&cloud, "orders-dlq");
    t.subscribe(Subscription::queue(&q).raw_delivery(true).dead_letter_queue(&dlq)).unwrap();
    // when a structured message with eleven attributes is published
    let mut p = Publish::new(r#"{"default":"plain","sqs":"for queues"}"#).message_structure_json();
    for i in 0..11 {
        p = p.attribute(format!("a{i}"), AttributeValue::string("v"));
    }
    t.publish(p).unwrap();
    // then the queue gets the sqs text without attributes, and nothing goes to the DLQ
    let got = q.try_receive().unwrap().unwrap();
    assert_eq!(got.body_str(), "for queues");
    assert!(got.attributes().is_empty());
    assert!(dlq.try_receive().unwrap().is_none());
    assert_eq!(metric(&cloud, "NumberOfNotificationsFailed"), 0.0);
}

#[test]
fn raw_delivery_with_more_than_ten_attributes_goes_to_the_subscription_dlq() {
    // given a raw subscription with a DLQ and one without
    let (cloud, t) = setup();
    let q = queue(&cloud, "orders");
    let dlq = queue(&cloud, "orders-dlq");
    let plain = queue(&cloud, "plain");
    t.subscribe(Subscription::queue(&q).raw_delivery(true).dead_letter_queue(&dlq)).unwrap();
    t.subscribe(Subscription::queue(&plain).raw_delivery(true)).unwrap();
    // when a message with eleven attributes is published
    let mut p = Publish::new("many");
    for i in 0..11 {
        p = p.attribute(format!("a{i}"), AttributeValue::string("v"));
    }
    t.publish(p).unwrap();
    // then neither queue gets it, the DLQ does (without the attributes), the other is dropped
    assert!(q.try_receive().unwrap().is_none());
    assert!(plain.try_receive().unwrap().is_none());
    let dead = dlq.try_receive().unwrap().unwrap();
    assert_eq!(dead.body_str(), "many");
    assert!(dead.attributes().is_empty());
    assert_eq!(metric(&cloud, "NumberOfNotificationsFailed"), 2.0);
    assert_eq!(metric(&cloud, "NumberOfNotificationsRedrivenToDlq"), 1.0);
    // and nothing is retried: a client error is final
    assert_eq!(cloud.next_task_due(), None);
}

#[test]
fn message_structure_json_sends_per_protocol_text_and_no_attributes() {
    // given a raw and an enveloped queue subscription and a callback
    let (cloud, t) = setup();
    let raw = queue(&cloud, "raw");
    let env = queue(&cloud, "env");
    t.subscribe(Subscription::queue(&raw).raw_delivery(true)).unwrap();
    t.subscribe(Subscription::queue(&env)).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    t.subscribe(Subscription::callback(move |n| {
        s.lock().unwrap().push((n.message().to_owned(), n.attributes().len()));
        Ok(())
    }))
    .unwrap();
    // when a structured message with an attribute is published
    t.publish(
        Publish::new(r#"{"default":"hello","sqs":"hello, queue"}"#)
            .message_structure_json()
            .attribute("k", AttributeValue::string("v")),
    )
    .unwrap();
    cloud.run_until_idle();
    // then queues read "sqs", the callback "default", and no attributes travel
    let m = raw.try_receive().unwrap().unwrap();
    assert_eq!((m.body_str(), m.attributes().len()), ("hello, queue", 0));
    let e: Value = serde_json::from_str(env.try_receive().unwrap().unwrap().body_str()).unwrap();
    assert_eq!(e["Message"], "hello, queue");
    assert!(e.get("MessageAttributes").is_none());
    assert_eq!(*seen.lock().unwrap(), [("hello".to_owned(), 0)]);
}

/// (attempt number, clock time) of each try.
type AttemptLog = Arc<Mutex<Vec<(u32, Timestamp)>>>;

fn recording_callback(
    cloud: &Cloud,
    fail_first: u32,
) -> (AttemptLog, impl Fn(&localcloud::Notification) -> Result<(), DeliveryError>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (l, clock) = (log.clone(), cloud.clock());
    let f = move |n: &localcloud::Notification| {
        l.lock().unwrap().push((n.attempt(), clock.now()));
        if n.attempt() <= fail_first {
            Err(DeliveryError::from(format!("503 on try {}", n.attempt())))
        } else {
            Ok(())
        }
    };
    (log, f)
}

fn offsets(log: &Mutex<Vec<(u32, Timestamp)>>, t0: Timestamp) -> Vec<(u32, u64)> {
    log.lock().unwrap().iter().map(|(a, t)| (*a, (*t - t0).as_secs())).collect()
}

#[test]
fn callback_runs_on_the_scheduler_with_the_envelope() {
    let (cloud, t) = setup();
    let got = Arc::new(Mutex::new(None));
    let g = got.clone();
    let sub = t
        .subscribe(Subscription::callback(move |n| {
            *g.lock().unwrap() = Some((n.payload_str().to_owned(), n.subscription_arn().clone(), n.is_raw()));
            Ok(())
        }))
        .unwrap();
    let r = t.publish(Publish::new("hi").subject("s")).unwrap();
    assert!(got.lock().unwrap().is_none(), "nothing runs until the cloud is driven");
    cloud.run_until_idle();
    let (payload, arn, raw) = got.lock().unwrap().clone().unwrap();
    let env: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(
        (env["MessageId"].as_str().unwrap(), env["Subject"].as_str().unwrap()),
        (&*r.message_id().to_string(), "s")
    );
    assert_eq!((arn, raw), (sub, false));
}

#[test]
fn callback_default_policy_retries_three_times_twenty_seconds_apart_then_dlq() {
    // given a callback that always fails, with a DLQ
    let (cloud, t) = setup();
    let dlq = queue(&cloud, "dlq");
    let (log, f) = recording_callback(&cloud, u32::MAX);
    t.subscribe(Subscription::callback(f).dead_letter_queue(&dlq)).unwrap();
    let t0 = cloud.now();
    // when a message is published and an hour passes
    t.publish(Publish::new("x")).unwrap();
    cloud.advance(Duration::from_secs(3_600));
    // then there were 4 tries at 0, 20, 40, 60 s, and the DLQ holds the envelope
    assert_eq!(offsets(&log, t0), [(1, 0), (2, 20), (3, 40), (4, 60)]);
    let dead: Value = serde_json::from_str(dlq.try_receive().unwrap().unwrap().body_str()).unwrap();
    assert_eq!(dead["Message"], "x");
    assert_eq!(metric(&cloud, "NumberOfNotificationsFailed"), 1.0);
    assert_eq!(metric(&cloud, "NumberOfNotificationsDelivered"), 0.0);
}

#[test]
fn callback_that_recovers_is_delivered_once_and_not_dead_lettered() {
    let (cloud, t) = setup();
    let dlq = queue(&cloud, "dlq");
    let (log, f) = recording_callback(&cloud, 2);
    t.subscribe(Subscription::callback(f).dead_letter_queue(&dlq)).unwrap();
    let t0 = cloud.now();
    t.publish(Publish::new("x")).unwrap();
    cloud.advance(Duration::from_secs(600));
    assert_eq!(offsets(&log, t0), [(1, 0), (2, 20), (3, 40)]);
    assert!(dlq.try_receive().unwrap().is_none());
    assert_eq!(metric(&cloud, "NumberOfNotificationsDelivered"), 1.0);
}

#[test]
fn callback_custom_delivery_policy_sets_the_retry_times() {
    // given 1 immediate retry, 1 at the 2 s minimum, 2 backing off linearly to 10 s, 1 at 10 s
    let (cloud, t) = setup();
    let policy = DeliveryPolicy::default()
        .num_retries(5)
        .num_no_delay_retries(1)
        .num_min_delay_retries(1)
        .num_max_delay_retries(1)
        .min_delay(Duration::from_secs(2))
        .max_delay(Duration::from_secs(10));
    let (log, f) = recording_callback(&cloud, u32::MAX);
    t.subscribe(Subscription::callback(f).delivery_policy(policy)).unwrap();
    let t0 = cloud.now();
    t.publish(Publish::new("x")).unwrap();
    cloud.advance(Duration::from_secs(600));
    // then tries land at 0, 0, 2, then the backoff (6 s, jittered down by up to 10%, then 10 s), then 10 s later
    let got = offsets(&log, t0);
    assert_eq!(got.len(), 6);
    assert_eq!(&got[..3], [(1, 0), (2, 0), (3, 2)]);
    let gaps: Vec<u64> = got.windows(2).map(|w| w[1].1 - w[0].1).collect();
    assert!((5..=6).contains(&gaps[2]), "{gaps:?}");
    assert_eq!(&gaps[3..], [10, 10], "{gaps:?}");
}

#[test]
fn retry_times_are_the_same_for_the_same_seed() {
    // given a callback that always fails, with a jittered backoff policy
    let run = || {
        let (cloud, t) = setup();
        let policy = DeliveryPolicy::default()
            .num_retries(15)
            .num_no_delay_retries(0)
            .num_min_delay_retries(0)
            .num_max_delay_retries(0)
            .min_delay(Duration::from_secs(1))
            .max_delay(Duration::from_secs(60));
        t.subscribe(Subscription::callback(|_| Err("down".into())).delivery_policy(policy)).unwrap();
        t.publish(Publish::new("x")).unwrap();
        let mut dues = Vec::new();
        for _ in 0..16 {
            let due = cloud.next_task_due().unwrap();
            dues.push(due);
            cloud.advance(due - cloud.now());
        }
        dues
    };
    // then two runs retry at the same times
    assert_eq!(run(), run());
}

#[test]
fn backoff_delays_are_jittered_by_the_seed_within_a_tenth() {
    // given a policy whose 12 retries all back off linearly from 1 s to 100 s
    let policy = DeliveryPolicy::default()
        .num_retries(12)
        .num_no_delay_retries(0)
        .num_min_delay_retries(0)
        .num_max_delay_retries(0)
        .min_delay(Duration::from_secs(1))
        .max_delay(Duration::from_secs(100));
    let gaps = |seed: u64| {
        let cloud = Cloud::builder().manual_clock().seed(seed).build();
        let t = cloud.create_topic("invoices", TopicConfig::default()).unwrap();
        let (log, f) = recording_callback(&cloud, u32::MAX);
        t.subscribe(Subscription::callback(f).delivery_policy(policy.clone())).unwrap();
        t.publish(Publish::new("x")).unwrap();
        cloud.advance(Duration::from_secs(3_600));
        let times: Vec<Timestamp> = log.lock().unwrap().iter().map(|(_, t)| *t).collect();
        assert_eq!(times.len(), 13, "first try and 12 retries");
        times.windows(2).map(|w| w[1] - w[0]).collect::<Vec<Duration>>()
    };
    let (a, b) = (gaps(1), gaps(2));
    // then each gap lies within 10% under its nominal delay, and the seed decides where
    for (retry, (ga, gb)) in (1..).zip(a.iter().zip(&b)) {
        let nominal = policy.nominal_delay(retry).unwrap();
        let floor = nominal.mul_f64(0.9).max(Duration::from_secs(1)) - Duration::from_millis(1);
        for g in [ga, gb] {
            assert!(*g >= floor && *g <= nominal + Duration::from_millis(1), "retry {retry}: {g:?} vs {nominal:?}");
        }
    }
    assert_ne!(a, b, "different seeds give different jitter");
    assert_eq!(a, gaps(1), "the same seed gives the same times");
}

#[test]
fn callback_panic_counts_as_a_failed_try() {
    let (cloud, t) = setup();
    let tries = Arc::new(Mutex::new(0));
    let n = tries.clone();
    t.subscribe(Subscription::callback(move |_| {
        *n.lock().unwrap() += 1;
        panic!("endpoint crashed")
    }))
    .unwrap();
    t.publish(Publish::new("x")).unwrap();
    cloud.advance(Duration::from_secs(120));
    assert_eq!(*tries.lock().unwrap(), 4);
    assert_eq!(metric(&cloud, "NumberOfNotificationsFailed"), 1.0);
}

#[test]
fn a_queue_recreated_before_the_publish_gets_it_at_once_in_the_envelope() {
    let (cloud, t) = setup();
    let q = queue(&cloud, "orders");
    t.subscribe(Subscription::queue(&q)).unwrap();
    cloud.delete_queue("orders").unwrap();
    cloud.advance(Duration::from_secs(61));
    let again = queue(&cloud, "orders");
    t.publish(Publish::new("fresh")).unwrap();
    let got = again.try_receive().unwrap().expect("delivered on the publish, no retry needed");
    let envelope: Value = serde_json::from_str(got.body_str()).unwrap();
    assert_eq!(envelope["Message"], "fresh");
    assert_eq!(cloud.next_task_due(), None);
}

#[test]
fn unsubscribe_stops_deliveries_and_pending_retries() {
    let (cloud, t) = setup();
    let (log, f) = recording_callback(&cloud, u32::MAX);
    let sub = t.subscribe(Subscription::callback(f)).unwrap();
    t.publish(Publish::new("x")).unwrap();
    cloud.run_until_idle();
    t.unsubscribe(&sub).unwrap();
    cloud.advance(Duration::from_secs(600));
    assert_eq!(log.lock().unwrap().len(), 1);
    assert!(t.unsubscribe(&sub).is_ok(), "unsubscribing again succeeds");
    t.publish(Publish::new("y")).unwrap();
    assert_eq!(metric(&cloud, "NumberOfNotificationsDelivered"), 0.0);
}

#[test]
fn filtered_out_messages_are_counted_not_delivered() {
    let (cloud, t) = setup();
    let q = queue(&cloud, "q");
    let p = localcloud::FilterPolicy::parse(r#"{"kind":["email"]}"#).unwrap();
    t.subscribe(Subscription::queue(&q).filter(p)).unwrap();
    t.publish(Publish::new("a").attribute("kind", AttributeValue::string("sms"))).unwrap();
    t.publish(Publish::new("b").attribute("kind", AttributeValue::string("email"))).unwrap();
    assert_eq!(drain(&q).len(), 1);
    assert_eq!(metric(&cloud, "NumberOfNotificationsFilteredOut"), 1.0);
    assert_eq!(metric(&cloud, "NumberOfMessagesPublished"), 2.0);
}

#[test]
fn background_workers_run_callbacks_on_the_system_clock() {
    let cloud = Cloud::new();
    let t = cloud.create_topic("t", TopicConfig::default()).unwrap();
    let (tx, rx) = crossbeam_channel::bounded(1);
    t.subscribe(Subscription::callback(move |n| {
        let _ = tx.try_send(n.message().to_owned());
        Ok(())
    }))
    .unwrap();
    t.publish(Publish::new("ping")).unwrap();
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), "ping");
    cloud.shutdown();
}

#[test]
fn body_with_characters_a_queue_refuses_is_a_client_error_sent_to_the_dlq() {
    // given raw and enveloped subscriptions with a DLQ
    let (cloud, t) = setup();
    let raw = queue(&cloud, "raw");
    let env = queue(&cloud, "env");
    let dlq = queue(&cloud, "dlq");
    t.subscribe(Subscription::queue(&raw).raw_delivery(true).dead_letter_queue(&dlq)).unwrap();
    t.subscribe(Subscription::queue(&env)).unwrap();
    // when the message holds U+FFFE, which topics take and queues refuse
    t.publish(Publish::new("bad \u{FFFE} char")).unwrap();
    // then no queue gets it, nothing is retried, and the DLQ cannot take it either
    assert!(raw.try_receive().unwrap().is_none());
    assert!(env.try_receive().unwrap().is_none());
    assert!(dlq.try_receive().unwrap().is_none());
    assert_eq!(metric(&cloud, "NumberOfNotificationsFailed"), 2.0);
    assert_eq!(metric(&cloud, "NumberOfNotificationsFailedToRedriveToDlq"), 1.0);
    assert_eq!(cloud.next_task_due(), None);
    // while control characters in an envelope are escaped and arrive intact
    t.publish(Publish::new("tab\tand\u{1}")).unwrap();
    let e: Value = serde_json::from_str(env.try_receive().unwrap().unwrap().body_str()).unwrap();
    assert_eq!(e["Message"], "tab\tand\u{1}");
}

#[test]
fn a_delivery_wakes_a_long_polling_receiver() {
    let (cloud, t) = setup();
    let q = queue(&cloud, "orders");
    t.subscribe(Subscription::queue(&q).raw_delivery(true)).unwrap();
    let (tx, rx) = crossbeam_channel::bounded(1);
    let receiver = q.clone();
    let worker = std::thread::spawn(move || {
        let got = receiver.receive(localcloud::ReceiveOptions::new().wait(Duration::from_secs(20))).unwrap();
        let _ = tx.send(got.len());
    });
    t.publish(Publish::new("wake up")).unwrap();
    // The manual clock never reaches the 20 s deadline: only the delivery can wake it.
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), 1);
    worker.join().unwrap();
}

#[test]
fn a_callback_may_publish_to_another_topic() {
    // given a callback that forwards to a second topic with a queue
    let (cloud, t) = setup();
    let audit = cloud.create_topic("audit", TopicConfig::default()).unwrap();
    let log = queue(&cloud, "log");
    audit.subscribe(Subscription::queue(&log).raw_delivery(true)).unwrap();
    let fwd = audit.clone();
    t.subscribe(Subscription::callback(move |n| {
        fwd.publish(Publish::new(format!("seen {}", n.message()))).map(|_| ()).map_err(|e| e.to_string().into())
    }))
    .unwrap();
    // when a message is published and the cloud runs
    t.publish(Publish::new("x")).unwrap();
    cloud.run_until_idle();
    // then the forwarded copy arrived (no lock was held across the callback)
    assert_eq!(drain(&log), ["seen x"]);
}
