//! Kinesis through the SDK: a producer and a reader across a split, shards listed
//! page by page, retention and tags.

mod common;

use aws_sdk_kinesis::error::ProvideErrorMetadata;
use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::{ShardIteratorType, StreamMode, StreamModeDetails};
use aws_sdk_kinesis::Client;
use common::{cloud, kinesis};

/// Reads a shard from the trim horizon to its current end (or its close).
async fn read_shard(k: &Client, stream: &str, shard: &str) -> (Vec<String>, bool) {
    let mut it = k
        .get_shard_iterator()
        .stream_name(stream)
        .shard_id(shard)
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap()
        .shard_iterator
        .unwrap();
    let mut out = Vec::new();
    loop {
        let page = k.get_records().shard_iterator(&it).send().await.unwrap();
        out.extend(page.records().iter().map(|r| String::from_utf8(r.data().as_ref().to_vec()).unwrap()));
        match page.next_shard_iterator() {
            None => return (out, true),
            Some(_) if page.records().is_empty() => return (out, false),
            Some(next) => it = next.to_owned(),
        }
    }
}

#[tokio::test]
async fn reader_sees_the_parent_to_its_end_then_the_children_after_a_split() {
    // given a one-shard stream with two records
    let cloud = cloud();
    let k = kinesis(&cloud);
    k.create_stream().stream_name("clicks").shard_count(1).send().await.unwrap();
    for i in 0..2 {
        k.put_record()
            .stream_name("clicks")
            .partition_key("user-1")
            .data(Blob::new(format!("before {i}")))
            .send()
            .await
            .unwrap();
    }
    let parent = k.list_shards().stream_name("clicks").send().await.unwrap().shards()[0].shard_id().to_owned();

    // when the shard splits at the middle of the key space and more records arrive
    k.split_shard()
        .stream_name("clicks")
        .shard_to_split(&parent)
        .new_starting_hash_key((1u128 << 127).to_string())
        .send()
        .await
        .unwrap();
    let put = k
        .put_records()
        .stream_name("clicks")
        .records(
            aws_sdk_kinesis::types::PutRecordsRequestEntry::builder()
                .partition_key("user-1")
                .data(Blob::new("after"))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(put.failed_record_count(), Some(0));

    // then the parent reads to its end and closes, and a child holds the new record
    let (parent_records, closed) = read_shard(&k, "clicks", &parent).await;
    assert_eq!(parent_records, ["before 0", "before 1"]);
    assert!(closed);
    let shards = k.list_shards().stream_name("clicks").send().await.unwrap();
    let children: Vec<_> = shards.shards().iter().filter(|s| s.parent_shard_id() == Some(parent.as_str())).collect();
    assert_eq!(children.len(), 2);
    let mut after = Vec::new();
    for c in &children {
        after.extend(read_shard(&k, "clicks", c.shard_id()).await.0);
    }
    assert_eq!(after, ["after"]);
    let summary = k.describe_stream_summary().stream_name("clicks").send().await.unwrap();
    assert_eq!(summary.stream_description_summary().unwrap().open_shard_count(), 2);
}

#[tokio::test]
async fn list_shards_pages_with_next_token_and_describe_stream_matches() {
    let cloud = cloud();
    let k = kinesis(&cloud);
    k.create_stream().stream_name("s").shard_count(5).send().await.unwrap();
    let first = k.list_shards().stream_name("s").max_results(2).send().await.unwrap();
    assert_eq!(first.shards().len(), 2);
    let mut all: Vec<String> = first.shards().iter().map(|s| s.shard_id().to_owned()).collect();
    let mut token = first.next_token().map(str::to_owned);
    while let Some(t) = token {
        let page = k.list_shards().next_token(t).max_results(2).send().await.unwrap();
        all.extend(page.shards().iter().map(|s| s.shard_id().to_owned()));
        token = page.next_token().map(str::to_owned);
    }
    assert_eq!(all.len(), 5);
    let d = k.describe_stream().stream_name("s").send().await.unwrap();
    let d = d.stream_description().unwrap();
    assert_eq!(d.shards().len(), 5);
    assert_eq!(d.retention_period_hours(), 24);
    assert_eq!(d.stream_status().as_str(), "ACTIVE");
}

#[tokio::test]
async fn update_shard_count_merge_retention_and_tags() {
    let cloud = cloud();
    let k = kinesis(&cloud);
    k.create_stream().stream_name("p").shard_count(2).send().await.unwrap();
    let shards = k.list_shards().stream_name("p").send().await.unwrap();
    let ids: Vec<_> = shards.shards().iter().map(|s| s.shard_id().to_owned()).collect();
    k.merge_shards().stream_name("p").shard_to_merge(&ids[0]).adjacent_shard_to_merge(&ids[1]).send().await.unwrap();
    let up = k
        .update_shard_count()
        .stream_name("p")
        .target_shard_count(2)
        .scaling_type(aws_sdk_kinesis::types::ScalingType::UniformScaling)
        .send()
        .await
        .unwrap();
    assert_eq!(up.current_shard_count(), Some(1));
    assert_eq!(up.target_shard_count(), Some(2));

    k.increase_stream_retention_period().stream_name("p").retention_period_hours(48).send().await.unwrap();
    let err =
        k.decrease_stream_retention_period().stream_name("p").retention_period_hours(100).send().await.unwrap_err();
    assert_eq!(err.into_service_error().code(), Some("InvalidArgumentException"));

    k.add_tags_to_stream().stream_name("p").tags("team", "web").tags("env", "test").send().await.unwrap();
    k.remove_tags_from_stream().stream_name("p").tag_keys("env").send().await.unwrap();
    let tags = k.list_tags_for_stream().stream_name("p").send().await.unwrap();
    assert_eq!(tags.tags().len(), 1);
    assert_eq!(tags.tags()[0].key(), "team");

    let err = k.describe_stream().stream_name("nope").send().await.unwrap_err().into_service_error();
    assert!(err.is_resource_not_found_exception());
    k.create_stream()
        .stream_name("od")
        .stream_mode_details(StreamModeDetails::builder().stream_mode(StreamMode::OnDemand).build().unwrap())
        .send()
        .await
        .unwrap();
    let names = k.list_streams().send().await.unwrap();
    assert_eq!(names.stream_names(), ["od", "p"]);
    k.delete_stream().stream_name("od").send().await.unwrap();
}
