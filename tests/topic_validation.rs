//! Validation: topic lifecycle, publish parameters, batches and subscriptions.
//! Bad input returns the AWS code and changes nothing.

use localcloud::queue::BatchEntry;
use localcloud::topic::DeliveryPolicy;
use localcloud::{AttributeValue, Cloud, Error, Publish, QueueConfig, Subscription, TopicConfig};

fn cloud() -> Cloud {
    Cloud::builder().manual_clock().build()
}

#[test]
fn topic_names_follow_the_rules() {
    let c = cloud();
    for bad in ["", "has space", "dot.ted", "ends.fifo"] {
        assert_eq!(c.create_topic(bad, TopicConfig::default()).unwrap_err().code(), "InvalidParameter", "{bad}");
    }
    assert_eq!(c.create_topic(&"x".repeat(257), TopicConfig::default()).unwrap_err().code(), "InvalidParameter");
    assert_eq!(c.create_topic("f", TopicConfig::fifo()).unwrap_err().code(), "InvalidParameter");
    assert!(c.create_topic("Inv_oices-1", TopicConfig::default()).is_ok());
    assert!(c.create_topic("f.fifo", TopicConfig::fifo()).is_ok());
}

#[test]
fn create_is_idempotent_for_the_same_config() {
    let c = cloud();
    let a = c.create_topic("t", TopicConfig::default()).unwrap();
    let b = c.create_topic("t", TopicConfig::default()).unwrap();
    assert!(a.same_topic(&b));
    let f = c.create_topic("f.fifo", TopicConfig::fifo()).unwrap();
    let err = c.create_topic("f.fifo", TopicConfig::fifo().content_based_deduplication(true)).unwrap_err();
    assert_eq!(err.code(), "InvalidParameter");
    assert!(!f.config().get_content_based_deduplication());
}

#[test]
fn get_list_and_delete_topics() {
    let c = cloud();
    c.create_topic("b", TopicConfig::default()).unwrap();
    let a = c.create_topic("a", TopicConfig::default()).unwrap();
    let names: Vec<String> = c.list_topics().iter().map(|t| t.name().to_owned()).collect();
    assert_eq!(names, ["a", "b"]);
    assert!(c.topic("a").unwrap().same_topic(&a));
    c.delete_topic("a").unwrap();
    assert_eq!(c.topic("a").unwrap_err().code(), "NotFound");
    assert!(c.delete_topic("a").is_ok(), "deleting a missing topic succeeds");
    assert_eq!(a.publish(Publish::new("x")).unwrap_err().code(), "NotFound");
    assert!(!a.exists());
    assert_eq!(c.list_topics().len(), 1);
    assert_eq!(c.metrics().value("AWS/SNS", "a", "NumberOfMessagesPublished"), None);
}

#[test]
fn deleting_a_topic_stops_its_pending_retries() {
    let c = cloud();
    let t = c.create_topic("t", TopicConfig::default()).unwrap();
    t.subscribe(Subscription::callback(|_| Err("down".into()))).unwrap();
    t.publish(Publish::new("x")).unwrap();
    c.run_until_idle();
    c.delete_topic("t").unwrap();
    c.advance(std::time::Duration::from_secs(600));
    assert_eq!(c.next_task_due(), None);
}

#[test]
fn message_must_be_non_empty_utf8_and_at_most_256_kib() {
    let c = cloud();
    let t = c.create_topic("t", TopicConfig::default()).unwrap();
    assert_eq!(t.publish(Publish::new("")).unwrap_err().code(), "InvalidParameter");
    assert_eq!(t.publish(Publish::new(&b"\xff\xfe"[..])).unwrap_err().code(), "InvalidParameter");
    assert!(t.publish(Publish::new(vec![b'a'; 262_144])).is_ok());
    assert_eq!(t.publish(Publish::new(vec![b'a'; 262_145])).unwrap_err().code(), "InvalidParameter");
    let with_attr = Publish::new(vec![b'a'; 262_140]).attribute("k", AttributeValue::string("v"));
    assert_eq!(t.publish(with_attr).unwrap_err().code(), "InvalidParameter", "attributes count toward the limit");
    assert_eq!(c.metrics().value("AWS/SNS", "t", "NumberOfMessagesPublished"), Some(1.0));
}

#[test]
fn subject_is_short_single_line_text() {
    let c = cloud();
    let t = c.create_topic("t", TopicConfig::default()).unwrap();
    assert!(t.publish(Publish::new("x").subject("s".repeat(99))).is_ok());
    for bad in ["s".repeat(100), "two\nlines".into(), "tab\there".into(), String::new()] {
        assert_eq!(
            t.publish(Publish::new("x").subject(bad.clone())).unwrap_err().code(),
            "InvalidParameter",
            "{bad:?}"
        );
    }
}

#[test]
fn attributes_follow_the_queue_naming_and_type_rules() {
    let c = cloud();
    let t = c.create_topic("t", TopicConfig::default()).unwrap();
    let bad = [
        ("AWS.reserved", AttributeValue::string("v")),
        ("a..b", AttributeValue::string("v")),
        ("n", AttributeValue::number("twelve")),
        ("e", AttributeValue::string("")),
        ("arr", AttributeValue::text_with_type("String.Array", "not json")),
        ("arr", AttributeValue::text_with_type("String.Array", r#"[{"nested":1}]"#)),
        ("t", AttributeValue::text_with_type("Text", "v")),
    ];
    for (name, v) in bad {
        let err = t.publish(Publish::new("x").attribute(name, v.clone())).unwrap_err();
        assert_eq!(err.code(), "ParameterValueInvalid", "{name} {v:?}");
    }
    let ok = Publish::new("x")
        .attribute("s", AttributeValue::string("v"))
        .attribute("n", AttributeValue::number("-1.5e3"))
        .attribute("b", AttributeValue::binary(&b"\x00"[..]))
        .attribute("a", AttributeValue::string_array(["x", "y"]))
        .attribute("l", AttributeValue::text_with_type("Number.float", "2"));
    assert!(t.publish(ok).is_ok());
}

#[test]
fn more_than_ten_attributes_are_accepted_by_the_topic() {
    let c = cloud();
    let t = c.create_topic("t", TopicConfig::default()).unwrap();
    let mut p = Publish::new("x");
    for i in 0..15 {
        p = p.attribute(format!("a{i}"), AttributeValue::string("v"));
    }
    assert!(t.publish(p).is_ok());
}

#[test]
fn message_structure_json_needs_an_object_with_a_string_default() {
    let c = cloud();
    let t = c.create_topic("t", TopicConfig::default()).unwrap();
    for bad in ["not json", "[1]", r#"{"sqs":"x"}"#, r#"{"default":1}"#] {
        let err = t.publish(Publish::new(bad).message_structure_json()).unwrap_err();
        assert_eq!(err.code(), "InvalidParameter", "{bad}");
    }
    assert!(t.publish(Publish::new(r#"{"default":"x","email":"y"}"#).message_structure_json()).is_ok());
}

#[test]
fn fifo_ids_are_required_on_fifo_topics_and_dedup_ids_refused_on_standard_ones() {
    let c = cloud();
    let std = c.create_topic("t", TopicConfig::default()).unwrap();
    assert_eq!(std.publish(Publish::new("x").group_id("has space")).unwrap_err().code(), "InvalidParameter");
    assert_eq!(std.publish(Publish::new("x").deduplication_id("d")).unwrap_err().code(), "InvalidParameter");
    let f = c.create_topic("f.fifo", TopicConfig::fifo()).unwrap();
    assert_eq!(f.publish(Publish::new("x").deduplication_id("d")).unwrap_err().code(), "InvalidParameter");
    assert_eq!(f.publish(Publish::new("x").group_id("g")).unwrap_err().code(), "InvalidParameter", "no dedup id");
    assert_eq!(
        f.publish(Publish::new("x").group_id("has space").deduplication_id("d")).unwrap_err().code(),
        "InvalidParameter"
    );
    assert_eq!(
        f.publish(Publish::new("x").group_id("g").deduplication_id("d".repeat(129))).unwrap_err().code(),
        "InvalidParameter"
    );
    assert!(f.publish(Publish::new("x").group_id("g").deduplication_id("d")).is_ok());
}

#[test]
fn batch_request_rules_reject_the_whole_batch() {
    let c = cloud();
    let t = c.create_topic("t", TopicConfig::default()).unwrap();
    let e = |id: &str| BatchEntry::new(id, Publish::new("x"));
    assert_eq!(t.publish_batch(vec![]).unwrap_err().code(), "EmptyBatchRequest");
    let eleven = (0..11).map(|i| e(&format!("e{i}"))).collect();
    assert_eq!(t.publish_batch(eleven).unwrap_err().code(), "TooManyEntriesInBatchRequest");
    assert_eq!(t.publish_batch(vec![e("bad id")]).unwrap_err().code(), "InvalidBatchEntryId");
    assert_eq!(t.publish_batch(vec![e("a"), e("a")]).unwrap_err().code(), "BatchEntryIdsNotDistinct");
    let big = vec![
        BatchEntry::new("a", Publish::new(vec![b'a'; 200_000])),
        BatchEntry::new("b", Publish::new(vec![b'b'; 100_000])),
    ];
    assert_eq!(t.publish_batch(big).unwrap_err().code(), "BatchRequestTooLong");
    assert_eq!(c.metrics().value("AWS/SNS", "t", "NumberOfMessagesPublished"), Some(0.0));
}

#[test]
fn batch_entries_fail_alone() {
    let c = cloud();
    let t = c.create_topic("t", TopicConfig::default()).unwrap();
    let r = t
        .publish_batch(vec![
            BatchEntry::new("ok", Publish::new("x")),
            BatchEntry::new("bad", Publish::new("x").subject("a\nb")),
        ])
        .unwrap();
    assert_eq!(r.successful().len(), 1);
    assert_eq!(r.successful()[0].0, "ok");
    let f = &r.failed()[0];
    assert_eq!((f.id.as_str(), f.code, f.sender_fault), ("bad", "InvalidParameter", true));
    assert!(f.message.contains("subject"));
}

#[test]
fn subscription_rules() {
    let c = cloud();
    let t = c.create_topic("t", TopicConfig::default()).unwrap();
    let q = c.create_queue("q", QueueConfig::default()).unwrap();
    // a delivery policy is for callbacks
    let err = t.subscribe(Subscription::queue(&q).delivery_policy(DeliveryPolicy::default())).unwrap_err();
    assert_eq!(err.code(), "InvalidParameter");
    // a custom policy may not retry for more than an hour
    let long = DeliveryPolicy::default().num_retries(100).max_delay(std::time::Duration::from_secs(3_600));
    let err = t.subscribe(Subscription::callback(|_| Ok(())).delivery_policy(long)).unwrap_err();
    assert_eq!(err.code(), "InvalidParameter");
    // the same queue again: same settings return the same ARN, other settings reject
    let a = t.subscribe(Subscription::queue(&q)).unwrap();
    assert_eq!(t.subscribe(Subscription::queue(&q)).unwrap(), a);
    assert_eq!(t.subscribe(Subscription::queue(&q).raw_delivery(true)).unwrap_err().code(), "InvalidParameter");
    // a FIFO DLQ on a standard topic
    let fifo_dlq = c.create_queue("d.fifo", QueueConfig::fifo()).unwrap();
    let cb = Subscription::callback(|_| Ok(())).dead_letter_queue(&fifo_dlq);
    assert_eq!(t.subscribe(cb).unwrap_err().code(), "InvalidParameter");
    // listing
    let subs = t.subscriptions();
    assert_eq!(subs.len(), 1);
    assert_eq!((subs[0].arn(), subs[0].endpoint()), (&a, q.arn()));
    assert!(a.as_str().starts_with("arn:aws:sns:us-east-1:000000000000:t:"));
}

#[test]
fn topic_errors_convert_into_the_umbrella_error() {
    fn run(c: &Cloud) -> Result<(), Error> {
        c.topic("missing")?.publish(Publish::new("x"))?;
        Ok(())
    }
    assert_eq!(run(&cloud()).unwrap_err().code(), "NotFound");
}

#[test]
fn handles_are_send_sync_clone_and_debug() {
    fn check<T: Send + Sync + Clone + std::fmt::Debug>() {}
    check::<localcloud::Topic>();
    check::<localcloud::FilterPolicy>();
    check::<localcloud::topic::SubscriptionArn>();
    check::<localcloud::topic::SubscriptionInfo>();
    check::<localcloud::topic::PublishReceipt>();
    check::<localcloud::TopicError>();
    check::<localcloud::topic::DeliveryPolicy>();
    fn debug<T: std::fmt::Debug + Send + Sync>() {}
    debug::<localcloud::Notification>();
    debug::<localcloud::Subscription>();
}

#[test]
fn message_attribute_errors_are_parameter_value_invalid() {
    // given a topic with a subscriber
    let c = cloud();
    let t = c.create_topic("t", TopicConfig::default()).unwrap();
    let q = c.create_queue("q", QueueConfig::default()).unwrap();
    t.subscribe(Subscription::queue(&q)).unwrap();
    // when an attribute has an empty name, a reserved prefix, a bad type or an empty value
    let bad = [
        ("", AttributeValue::string("v")),
        ("AWS.x", AttributeValue::string("v")),
        ("Amazon.x", AttributeValue::string("v")),
        ("amazon.lower", AttributeValue::string("v")),
        ("t", AttributeValue::text_with_type("Text", "v")),
        ("e", AttributeValue::string("")),
    ];
    for (name, v) in bad {
        let err = t.publish(Publish::new("x").attribute(name, v.clone())).unwrap_err();
        // then the code is ParameterValueInvalid and nothing is published
        assert_eq!(err.code(), "ParameterValueInvalid", "{name:?} {v:?}");
    }
    assert!(q.try_receive().unwrap().is_none());
    assert_eq!(c.metrics().value("AWS/SNS", "t", "NumberOfMessagesPublished"), Some(0.0));
    // while the other parameter errors keep their code
    assert_eq!(t.publish(Publish::new("")).unwrap_err().code(), "InvalidParameter");
}

#[test]
fn publish_batch_fails_whole_on_missing_fifo_ids_structure_default_or_bad_attributes() {
    let c = cloud();
    let f = c.create_topic("f.fifo", TopicConfig::fifo()).unwrap();
    let fq = c.create_queue("fq.fifo", QueueConfig::fifo()).unwrap();
    f.subscribe(Subscription::queue(&fq)).unwrap();
    let good = || BatchEntry::new("good", Publish::new("x").group_id("g").deduplication_id("d"));
    // given batches whose second entry lacks a group id, or a deduplication id
    for (bad, why) in [
        (Publish::new("y").deduplication_id("d2"), "no group id"),
        (Publish::new("y").group_id("g"), "no deduplication id"),
    ] {
        // when published, then the whole request fails and nothing is published
        let err = f.publish_batch(vec![good(), BatchEntry::new("bad", bad)]).unwrap_err();
        assert_eq!(err.code(), "InvalidParameter", "{why}");
    }
    assert!(fq.try_receive().unwrap().is_none());
    assert_eq!(c.metrics().value("AWS/SNS", "f.fifo", "NumberOfMessagesPublished"), Some(0.0));

    let t = c.create_topic("t", TopicConfig::default()).unwrap();
    let q = c.create_queue("q", QueueConfig::default()).unwrap();
    t.subscribe(Subscription::queue(&q)).unwrap();
    let ok = || BatchEntry::new("ok", Publish::new("x"));
    // a structured entry without "default"
    let no_default = BatchEntry::new("s", Publish::new(r#"{"sqs":"x"}"#).message_structure_json());
    assert_eq!(t.publish_batch(vec![ok(), no_default]).unwrap_err().code(), "InvalidParameter");
    // a bad attribute
    let bad_attr = BatchEntry::new("a", Publish::new("x").attribute("AWS.no", AttributeValue::string("v")));
    assert_eq!(t.publish_batch(vec![ok(), bad_attr]).unwrap_err().code(), "ParameterValueInvalid");
    assert!(q.try_receive().unwrap().is_none());
    assert_eq!(c.metrics().value("AWS/SNS", "t", "NumberOfMessagesPublished"), Some(0.0));
    // while an entry with other faults still fails alone
    let r = t.publish_batch(vec![ok(), BatchEntry::new("e", Publish::new(""))]).unwrap();
    assert_eq!((r.successful().len(), r.failed()[0].id.as_str()), (1, "e"));
    let r = t.publish_batch(vec![ok(), BatchEntry::new("j", Publish::new("not json").message_structure_json())]);
    assert_eq!(r.unwrap().failed()[0].code, "InvalidParameter");
}

#[test]
fn structured_message_ignores_a_non_string_per_protocol_value() {
    // given raw and enveloped queue subscriptions
    let c = cloud();
    let t = c.create_topic("t", TopicConfig::default()).unwrap();
    let raw = c.create_queue("raw", QueueConfig::default()).unwrap();
    let env = c.create_queue("env", QueueConfig::default()).unwrap();
    t.subscribe(Subscription::queue(&raw).raw_delivery(true)).unwrap();
    t.subscribe(Subscription::queue(&env)).unwrap();
    // when a structured message's "sqs" value is an object
    let p = Publish::new(r#"{"default":"for all","sqs":{"not":"a string"},"lambda":7}"#).message_structure_json();
    assert!(t.publish(p).is_ok());
    // then queues get "default"
    assert_eq!(raw.try_receive().unwrap().unwrap().body_str(), "for all");
    let e: serde_json::Value = serde_json::from_str(env.try_receive().unwrap().unwrap().body_str()).unwrap();
    assert_eq!(e["Message"], "for all");
    // and "default" itself must still be a string
    let err = t.publish(Publish::new(r#"{"default":{"a":1},"sqs":"x"}"#).message_structure_json()).unwrap_err();
    assert_eq!(err.code(), "InvalidParameter");
}

#[test]
fn group_id_on_a_standard_topic_is_carried_to_the_queue_message() {
    // given a standard topic with a raw and an enveloped standard queue
    let c = cloud();
    let t = c.create_topic("t", TopicConfig::default()).unwrap();
    let raw = c.create_queue("raw", QueueConfig::default()).unwrap();
    let env = c.create_queue("env", QueueConfig::default()).unwrap();
    t.subscribe(Subscription::queue(&raw).raw_delivery(true)).unwrap();
    t.subscribe(Subscription::queue(&env)).unwrap();
    // when a message with a group id is published
    let r = t.publish(Publish::new("x").group_id("tenant-7")).unwrap();
    // then it is accepted, and both queue messages carry the group
    assert_eq!(r.sequence_number(), None);
    assert_eq!(raw.try_receive().unwrap().unwrap().group_id(), Some("tenant-7"));
    assert_eq!(env.try_receive().unwrap().unwrap().group_id(), Some("tenant-7"));
    // and a message without one carries none
    t.publish(Publish::new("y")).unwrap();
    assert_eq!(raw.try_receive().unwrap().unwrap().group_id(), None);
}

#[test]
fn deletes_are_idempotent_and_a_missing_queue_may_be_subscribed() {
    let c = cloud();
    // deleting a topic that never existed succeeds
    assert!(c.delete_topic("never").is_ok());
    // unsubscribing twice succeeds, and so does unsubscribing from a deleted topic
    let t = c.create_topic("t", TopicConfig::default()).unwrap();
    let q = c.create_queue("q", QueueConfig::default()).unwrap();
    let sub = t.subscribe(Subscription::queue(&q)).unwrap();
    t.unsubscribe(&sub).unwrap();
    assert!(t.unsubscribe(&sub).is_ok());
    let sub2 = t.subscribe(Subscription::queue(&q)).unwrap();
    c.delete_topic("t").unwrap();
    assert!(t.unsubscribe(&sub2).is_ok());
    // a subscription ARN of another topic is removed from that topic
    let a = c.create_topic("a", TopicConfig::default()).unwrap();
    let b = c.create_topic("b", TopicConfig::default()).unwrap();
    let on_a = a.subscribe(Subscription::queue(&q)).unwrap();
    b.unsubscribe(&on_a).unwrap();
    assert!(a.subscriptions().is_empty());
    // a queue that does not exist can be subscribed, by ARN or by a deleted handle
    let by_arn = b.subscribe(Subscription::queue_arn("arn:aws:sqs:us-east-1:000000000000:nowhere")).unwrap();
    let gone = c.create_queue("gone", QueueConfig::default()).unwrap();
    c.delete_queue("gone").unwrap();
    assert!(b.subscribe(Subscription::queue(&gone)).is_ok());
    let endpoints: Vec<String> = b.subscriptions().iter().map(|s| s.endpoint().to_owned()).collect();
    assert_eq!(endpoints, ["arn:aws:sqs:us-east-1:000000000000:nowhere", gone.arn()]);
    assert!(b.subscriptions()[0].arn() == &by_arn);
    // while a malformed queue ARN, or a FIFO queue ARN on a standard topic, is refused
    for bad in ["nowhere", "arn:aws:sns:us-east-1:000000000000:t", "arn:aws:sqs:us-east-1:000000000000:x.fifo"] {
        assert_eq!(b.subscribe(Subscription::queue_arn(bad)).unwrap_err().code(), "InvalidParameter", "{bad}");
    }
    assert_eq!(b.subscriptions().len(), 2);
}
