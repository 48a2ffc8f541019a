//! Random bodies thrown at each protocol: every answer is a well-formed response or a
//! well-formed error in the service's shape, never a panic.

use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use localcloud::{Cloud, QueueConfig, StreamConfig, TopicConfig};
use localcloud_aws::CloudHttpClient;
use proptest::prelude::*;
use serde_json::Value;

mod fuzz_support;

const SQS_ACTIONS: &[&str] = &[
    "CreateQueue",
    "GetQueueUrl",
    "ListQueues",
    "DeleteQueue",
    "GetQueueAttributes",
    "SetQueueAttributes",
    "SendMessage",
    "SendMessageBatch",
    "ReceiveMessage",
    "DeleteMessage",
    "DeleteMessageBatch",
    "ChangeMessageVisibility",
    "ChangeMessageVisibilityBatch",
    "PurgeQueue",
    "TagQueue",
    "UntagQueue",
    "ListQueueTags",
    "ListDeadLetterSourceQueues",
    "AddPermission",
    "RemovePermission",
    "StartMessageMoveTask",
    "CancelMessageMoveTask",
    "ListMessageMoveTasks",
    "Frobnicate",
];
const KINESIS_ACTIONS: &[&str] = &[
    "CreateStream",
    "DeleteStream",
    "DescribeStream",
    "DescribeStreamSummary",
    "ListStreams",
    "ListShards",
    "PutRecord",
    "PutRecords",
    "GetShardIterator",
    "GetRecords",
    "SplitShard",
    "MergeShards",
    "UpdateShardCount",
    "IncreaseStreamRetentionPeriod",
    "DecreaseStreamRetentionPeriod",
    "AddTagsToStream",
    "RemoveTagsFromStream",
    "ListTagsForStream",
    "Frobnicate",
];
const SNS_ACTIONS: &[&str] = &[
    "CreateTopic",
    "DeleteTopic",
    "ListTopics",
    "GetTopicAttributes",
    "SetTopicAttributes",
    "Subscribe",
    "Unsubscribe",
    "ListSubscriptions",
    "ListSubscriptionsByTopic",
    "GetSubscriptionAttributes",
    "SetSubscriptionAttributes",
    "Publish",
    "PublishBatch",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "Frobnicate",
];
const FIELDS: &[&str] = &[
    "QueueUrl",
    "QueueName",
    "MessageBody",
    "Entries",
    "Id",
    "ReceiptHandle",
    "Attributes",
    "AttributeNames",
    "MessageAttributes",
    "DataType",
    "StringValue",
    "BinaryValue",
    "MaxNumberOfMessages",
    "VisibilityTimeout",
    "DelaySeconds",
    "Tags",
    "TagKeys",
    "Label",
    "SourceArn",
    "TaskHandle",
    "MaxResults",
    "NextToken",
    "StreamName",
    "ShardCount",
    "ShardId",
    "ShardIteratorType",
    "ShardIterator",
    "Data",
    "PartitionKey",
    "Records",
    "Limit",
    "NewStartingHashKey",
    "ShardToSplit",
    "TargetShardCount",
    "RetentionPeriodHours",
    "StartingSequenceNumber",
    "Timestamp",
    "ExplicitHashKey",
    "StreamModeDetails",
    "StreamMode",
    "ShardFilter",
    "Type",
];
const STRINGS: &[&str] = &[
    "",
    "q",
    "https://sqs.us-east-1.amazonaws.com/000000000000/q",
    "arn:aws:sqs:us-east-1:000000000000:q",
    "s",
    "shardId-000000000000",
    "TRIM_HORIZON",
    "AT_TIMESTAMP",
    "AT_SEQUENCE_NUMBER",
    "All",
    "aGVsbG8=",
    "!!",
    "String",
    "Binary",
    "Number",
    "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:q\",\"maxReceiveCount\":1}",
    "170141183460469231731687303715884105728",
    "-1",
    "s:0000",
    "ON_DEMAND",
    "PROVISIONED",
    "AT_LATEST",
];

fn body() -> impl Strategy<Value = Vec<u8>> {
    fuzz_support::body(FIELDS, STRINGS, -5i64..30)
}

fn form() -> impl Strategy<Value = Vec<u8>> {
    let key = prop_oneof![
        prop::sample::select(
            &[
                "TopicArn",
                "Name",
                "Message",
                "Protocol",
                "Endpoint",
                "SubscriptionArn",
                "AttributeName",
                "AttributeValue",
                "ResourceArn",
                "Subject",
                "MessageStructure",
                "Attributes.entry.1.key",
                "Attributes.entry.1.value",
                "Tags.member.1.Key",
                "TagKeys.member.1",
                "MessageAttributes.entry.1.Name",
                "MessageAttributes.entry.1.Value.DataType",
                "MessageAttributes.entry.1.Value.StringValue",
                "PublishBatchRequestEntries.member.1.Id",
                "PublishBatchRequestEntries.member.1.Message",
                "NextToken"
            ][..]
        )
        .prop_map(str::to_owned),
        "[A-Za-z.%0-9]{0,12}",
    ];
    let value = prop_oneof![
        prop::sample::select(
            &[
                "arn:aws:sns:us-east-1:000000000000:t",
                "sqs",
                "arn:aws:sqs:us-east-1:000000000000:q",
                "FilterPolicy",
                "RawMessageDelivery",
                "true",
                "{\"a\":[\"b\"]}",
                "json",
                "%zz",
                "t",
                "String"
            ][..]
        )
        .prop_map(str::to_owned),
        "[ -~]{0,16}",
    ];
    (prop::sample::select(SNS_ACTIONS), prop::collection::vec((key, value), 0..6)).prop_map(|(action, kv)| {
        let mut s = format!("Action={action}&Version=2010-03-31");
        for (k, v) in kv {
            s.push('&');
            s.push_str(&k);
            s.push('=');
            s.push_str(&v);
        }
        s.into_bytes()
    })
}

fn cloud() -> Cloud {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    cloud.create_queue("q", QueueConfig::default()).unwrap();
    cloud.create_stream("s", StreamConfig::with_shards(2)).unwrap();
    cloud.create_topic("t", TopicConfig::default()).unwrap();
    cloud
}

fn call(client: &CloudHttpClient, host: &str, target: Option<String>, body: Vec<u8>) -> (u16, Option<String>, String) {
    let mut req = HttpRequest::new(SdkBody::from(body));
    *req.uri_mut() = format!("https://{host}.us-east-1.amazonaws.com/").as_str().try_into().unwrap();
    if let Some(t) = target {
        req.headers_mut().insert("x-amz-target", t);
    }
    let resp = client.answer(req);
    let header = resp.headers().get("x-amzn-query-error").map(str::to_owned);
    let text = String::from_utf8(resp.body().bytes().unwrap_or_default().to_vec()).unwrap();
    (resp.status().as_u16(), header, text)
}

proptest! {
    #[test]
    fn sqs_answers_any_body_with_a_result_or_a_query_compatible_error(
        action in prop::sample::select(SQS_ACTIONS), body in body()
    ) {
        let client = CloudHttpClient::new(&cloud());
        let (status, header, text) = call(&client, "sqs", Some(format!("AmazonSQS.{action}")), body);
        let v: Value = serde_json::from_str(&text).unwrap();
        if status == 200 {
            prop_assert!(v.is_object());
        } else {
            prop_assert_eq!(status, 400);
            prop_assert!(v["__type"].is_string());
            prop_assert!(header.is_some_and(|h| h.ends_with(";Sender")));
        }
    }

    #[test]
    fn kinesis_answers_any_body_with_a_result_or_an_error_type(
        action in prop::sample::select(KINESIS_ACTIONS), body in body()
    ) {
        let client = CloudHttpClient::new(&cloud());
        let (status, _, text) = call(&client, "kinesis", Some(format!("Kinesis_20131202.{action}")), body);
        let v: Value = serde_json::from_str(&text).unwrap();
        prop_assert!(status == 200 || (status == 400 && v["__type"].is_string()), "{} {}", status, text);
    }

    #[test]
    fn sns_answers_any_form_with_its_result_or_an_xml_error(body in form()) {
        let client = CloudHttpClient::new(&cloud());
        let (status, _, text) = call(&client, "sns", None, body);
        if status == 200 {
            prop_assert!(text.contains("Response xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\""), "{}", text);
        } else {
            prop_assert!(status == 400 || status == 404);
            prop_assert!(text.starts_with("<ErrorResponse") && text.contains("<Code>"), "{}", text);
        }
    }

    #[test]
    fn sns_answers_raw_bytes_without_panicking(body in prop::collection::vec(any::<u8>(), 0..64)) {
        let client = CloudHttpClient::new(&cloud());
        let (status, _, _) = call(&client, "sns", None, body);
        prop_assert!(status == 200 || status == 400 || status == 404);
    }
}

#[test]
fn unknown_actions_answer_as_each_service_does() {
    let client = CloudHttpClient::new(&cloud());
    let (status, header, text) = call(&client, "sqs", Some("AmazonSQS.Frobnicate".into()), b"{}".to_vec());
    assert_eq!(status, 400);
    assert!(text.contains("UnknownOperationException"));
    assert_eq!(header.as_deref(), Some("UnknownOperationException;Sender"));
    let (status, _, text) = call(&client, "kinesis", Some("Kinesis_20131202.Frobnicate".into()), b"{}".to_vec());
    assert_eq!(status, 400);
    assert!(text.contains("UnknownOperationException"));
    let (status, _, text) = call(&client, "sns", None, b"Action=Frobnicate".to_vec());
    assert_eq!(status, 400);
    assert!(text.contains("<Code>InvalidAction</Code>"));
}

#[test]
fn malformed_json_and_wrong_types_get_the_validation_errors() {
    let client = CloudHttpClient::new(&cloud());
    let (_, header, text) = call(&client, "sqs", Some("AmazonSQS.SendMessage".into()), b"{\"QueueUrl\": 7}".to_vec());
    assert!(text.contains("InvalidParameterValue"), "{text}");
    assert_eq!(header.as_deref(), Some("InvalidParameterValue;Sender"));
    let (_, header, _) = call(&client, "sqs", Some("AmazonSQS.SendMessage".into()), b"{}".to_vec());
    assert_eq!(header.as_deref(), Some("MissingParameter;Sender"));
    let (_, _, text) = call(&client, "kinesis", Some("Kinesis_20131202.PutRecord".into()), b"[1,".to_vec());
    assert!(text.contains("SerializationException"), "{text}");
}
