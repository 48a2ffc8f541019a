//! # localcloud
//!
//! The event services of a cloud — SQS-like queues, SNS-like topics and Kinesis-like
//! streams — running inside your process, synchronously, with a virtual clock. Link
//! it to test event-driven code without a cloud (fast, deterministic, with the
//! semantics that bite in production), to embed messaging in one process, or to
//! benchmark a pipeline.
//!
//! ## A tutorial in nine steps
//!
//! **1. A cloud on a manual clock.** Time moves only when you say so, and deferred
//! work runs only when you drive it: a test is a plain sequence of statements.
//!
//! ```
//! use localcloud::Cloud;
//! let cloud = Cloud::builder().manual_clock().seed(7).build();
//! ```
//!
//! **2. A queue with a dead-letter queue.** Configs are validated once, with the
//! error code AWS would give.
//!
//! ```
//! # use localcloud::*;
//! # use std::time::Duration;
//! # let cloud = Cloud::builder().manual_clock().build();
//! let dlq = cloud.create_queue("orders-dlq", QueueConfig::default())?;
//! let orders = cloud.create_queue(
//!     "orders",
//!     QueueConfig::default()
//!         .visibility_timeout(Duration::from_secs(30))
//!         .redrive(RedrivePolicy::new(&dlq, 2)),
//! )?;
//! assert_eq!(cloud.create_queue("bad/name", QueueConfig::default()).unwrap_err().code(),
//!            "InvalidParameterValue");
//! # Ok::<(), QueueError>(())
//! ```
//!
//! **3. Send and receive.** A received message is hidden for the visibility timeout;
//! delete it with its receipt handle when done.
//!
//! ```
//! # use localcloud::*;
//! # let cloud = Cloud::builder().manual_clock().build();
//! # let orders = cloud.create_queue("orders", QueueConfig::default())?;
//! orders.send_message(OutgoingMessage::new(r#"{"order":1}"#)
//!     .attribute("priority", AttributeValue::number("2")))?;
//! let batch = orders.receive(ReceiveOptions::new().max_messages(10))?;
//! assert_eq!(batch.len(), 1);
//! orders.delete(batch[0].receipt_handle())?;
//! assert_eq!(orders.stats().total(), 0);
//! # Ok::<(), QueueError>(())
//! ```
//!
//! **4. Let time pass.** A message that is not deleted comes back after its
//! visibility timeout; the receive that would exceed the redrive policy's maximum
//! moves it to the dead-letter queue instead.
//!
//! ```
//! # use localcloud::*;
//! # use std::time::Duration;
//! # let cloud = Cloud::builder().manual_clock().build();
//! # let dlq = cloud.create_queue("orders-dlq", QueueConfig::default())?;
//! # let orders = cloud.create_queue("orders", QueueConfig::default()
//! #     .visibility_timeout(Duration::from_secs(30)).redrive(RedrivePolicy::new(&dlq, 2)))?;
//! orders.send("poison")?;
//! for _ in 0..2 {
//!     assert!(orders.try_receive()?.is_some());  // fails to process, never deletes
//!     cloud.advance(Duration::from_secs(30));
//! }
//! assert!(orders.try_receive()?.is_none());      // third receive: moved instead
//! let dead = dlq.try_receive()?.unwrap();
//! assert_eq!(dead.body_str(), "poison");
//! assert_eq!(dead.system_attributes().dead_letter_queue_source_arn.as_deref(), Some(orders.arn()));
//! # Ok::<(), QueueError>(())
//! ```
//!
//! **5. Errors carry AWS codes, metrics carry CloudWatch names.**
//!
//! ```
//! # use localcloud::*;
//! # let cloud = Cloud::builder().manual_clock().build();
//! # let orders = cloud.create_queue("orders", QueueConfig::default())?;
//! let err = orders.send("").unwrap_err();
//! assert_eq!(err.code(), "MissingParameter");
//! orders.send("x")?;
//! assert_eq!(cloud.metrics().value("AWS/SQS", "orders", "ApproximateNumberOfMessagesVisible"), Some(1.0));
//! # Ok::<(), QueueError>(())
//! ```
//!
//! **6. Topics fan out.** Publish once; every matching subscription gets its own copy
//! (the body is shared, not copied). Queues receive at once; callbacks, standing in
//! for HTTP or email endpoints, run on the scheduler and are retried when they fail.
//!
//! ```
//! # use localcloud::*;
//! # let cloud = Cloud::builder().manual_clock().build();
//! let invoices = cloud.create_topic("invoices", TopicConfig::default())?;
//! let orders = cloud.create_queue("orders", QueueConfig::default())?;
//! invoices.subscribe(Subscription::queue(&orders).raw_delivery(true))?;
//! invoices.subscribe(Subscription::callback(|n| {
//!     println!("email about {}", n.message());
//!     Ok(())
//! }).filter(FilterPolicy::parse(r#"{"notify": ["email"]}"#)?))?;
//! invoices.publish(Publish::new("invoice 7").attribute("notify", AttributeValue::string("email")))?;
//! assert_eq!(orders.try_receive()?.unwrap().body_str(), "invoice 7");
//! cloud.run_until_idle(); // the callback runs
//! assert_eq!(cloud.metrics().value("AWS/SNS", "invoices", "NumberOfNotificationsDelivered"), Some(2.0));
//! # Ok::<(), Error>(())
//! ```
//!
//! **7. Streams keep order per shard.** A record's partition key picks its shard (MD5
//! over the 128-bit hash key space); a reader walks a shard with an iterator, and
//! after a split reads the closed parent to its end before the children.
//!
//! ```
//! # use localcloud::*;
//! # let cloud = Cloud::builder().manual_clock().build();
//! let clicks = cloud.create_stream("clicks", StreamConfig::with_shards(2))?;
//! for page in 0..3 {
//!     clicks.put_record(PutRecord::new("user-1", format!("page {page}")))?;
//! }
//! let shard = clicks.put_record(PutRecord::new("user-1", "page 3"))?.shard_id().clone();
//! let it = clicks.shard_iterator(&shard, StartingPosition::TrimHorizon)?;
//! let out = clicks.get_records(&it, 100)?;
//! let pages: Vec<_> = out.records().iter().map(|r| r.data().clone()).collect();
//! assert_eq!(pages, ["page 0", "page 1", "page 2", "page 3"]);
//! assert_eq!(out.millis_behind_latest(), 0);
//! # Ok::<(), Error>(())
//! ```
//!
//! **8. Let the cloud misbehave.** Standard queues may deliver a message twice, out
//! of order, or fewer at a time than there are; FIFO queues and streams may
//! throttle. [`ChaosConfig`] and [`CloudBuilder::throttling`] turn that on, seeded, so
//! a consumer can be tested against it.
//!
//! ```
//! # use localcloud::*;
//! let cloud = Cloud::builder().manual_clock().seed(11).chaos(ChaosConfig::standard_queue()).build();
//! let q = cloud.create_queue("q", QueueConfig::default())?;
//! for i in 0..100 {
//!     q.send(format!("m{i}"))?;
//! }
//! let mut seen = std::collections::HashSet::new();
//! loop {
//!     let got = q.receive(ReceiveOptions::new().max_messages(10))?;
//!     if got.is_empty() {
//!         break;
//!     }
//!     for m in got {
//!         seen.insert(m.message_id()); // idempotent: a duplicate changes nothing
//!         q.delete(m.receipt_handle())?;
//!     }
//! }
//! assert_eq!(seen.len(), 100);
//! # Ok::<(), Error>(())
//! ```
//!
//! **9. Long polls take a second thread.** On a manual clock only you move time, so a
//! receive that waits (a non-zero [`ReceiveOptions::wait`], or a queue's
//! [`QueueConfig::receive_wait`]) called from the thread that drives the clock would
//! block forever. Park the long poll on a consumer thread, wait until
//! [`Queue::waiting_receives`] reports it, then send or advance the clock.
//!
//! ```
//! # use localcloud::*;
//! use std::time::Duration;
//! let cloud = Cloud::builder().manual_clock().build();
//! let jobs = cloud.create_queue("jobs", QueueConfig::default().receive_wait(Duration::from_secs(20)))?;
//! let long_poll = |q: &Queue| {
//!     let q = q.clone();
//!     std::thread::spawn(move || q.receive(ReceiveOptions::new()))
//! };
//! let parked_on = |q: &Queue| {
//!     while q.waiting_receives() == 0 {
//!         std::thread::yield_now();
//!     }
//! };
//!
//! let consumer = long_poll(&jobs);
//! parked_on(&jobs);
//! jobs.send("resize")?; // wakes the poll at once
//! assert_eq!(consumer.join().unwrap()?[0].body_str(), "resize");
//!
//! let consumer = long_poll(&jobs);
//! parked_on(&jobs);
//! cloud.advance(Duration::from_secs(20)); // the wait runs out: an empty receive
//! assert!(consumer.join().unwrap()?.is_empty());
//! # Ok::<(), QueueError>(())
//! ```
//!
//! With [`Cloud::new`] the same code runs on real time, with background workers for
//! deferred work; they stop when the last handle to the cloud is dropped.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod chaos;
mod clock;
mod cloud;
pub mod consumer;
mod dedup;
mod error;
pub mod function;
pub mod journal;
pub mod mapping;
mod message;
mod metrics;
pub mod queue;
pub mod schedule;
mod scheduler;
mod service;
pub mod stream;
pub mod table;
pub mod topic;
pub mod workflow;

pub use chaos::ChaosConfig;
pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use cloud::{Cloud, CloudBuilder};
pub use error::{Error, Result};
pub use function::{
    Context, Function, FunctionConfig, FunctionError, FunctionRuntime, HandlerError, Invocation, InvokeOutput,
};
pub use journal::{Journal, JournalEntry};
pub use mapping::{EventSourceMapping, Mapping, MappingError};
pub use message::{AttributeType, AttributeValue, Md5Digest, MessageAttributes, MessageId};
pub use metrics::{MetricSample, Metrics};
pub use queue::{
    BatchEntry, BatchResult, BatchResultErrorEntry, DeduplicationScope, FifoThroughputLimit, MoveTask, MoveTaskStatus,
    OutgoingMessage, Queue, QueueConfig, QueueError, QueueStats, ReceiptHandle, ReceiveOptions, ReceivedMessage,
    RedriveAllowPolicy, RedrivePolicy, SendReceipt, SystemAttributes,
};
pub use schedule::{Schedule, ScheduleError, ScheduleExpression, Target};
pub use stream::{
    GetRecordsOutput, PutRecord, PutRecordOutput, PutRecordsOutput, PutRecordsResultEntry, Record, SequenceNumber,
    SequenceNumberRange, Shard, ShardId, ShardIterator, StartingPosition, Stream, StreamConfig, StreamError,
    StreamMode,
};

pub use table::{
    Condition, Item, Key, KeyCondition, ReturnValues, StreamViewType, Table, TableConfig, TableError, Update,
};
pub use topic::{
    BackoffFunction, DeliveryError, DeliveryPolicy, FilterPolicy, FilterScope, Notification, Protocol, Publish,
    PublishBatchResult, PublishReceipt, Subscription, SubscriptionArn, SubscriptionInfo, Topic, TopicConfig,
    TopicError,
};
pub use workflow::{Decision, WorkflowError, WorkflowExecution, WorkflowType, Workflows};

/// Limits of the queue service, as constants.
pub mod queue_limits {
    pub use crate::queue::{
        FIFO_CALLS_PER_SECOND, FIFO_HIGH_THROUGHPUT_CALLS_PER_SECOND, MAX_DELAY, MAX_MESSAGE_SIZE, MAX_RECEIVE_WAIT,
        MAX_RETENTION, MAX_VISIBILITY_TIMEOUT, MIN_RETENTION,
    };
}

/// Limits of the stream service, as constants.
pub mod stream_limits {
    pub use crate::stream::{
        DEFAULT_MAX_RECORD_SIZE, ITERATOR_LIFETIME, MAX_GET_RECORDS_BYTES, MAX_GET_RECORDS_LIMIT, MAX_OPEN_SHARDS,
        MAX_PARTITION_KEY_CHARS, MAX_PUT_RECORDS_ENTRIES, MAX_PUT_RECORDS_SIZE, MAX_RECORD_SIZE_LIMIT, MAX_RETENTION,
        MAX_SCALINGS_PER_DAY, MIN_RETENTION, ON_DEMAND_INITIAL_SHARDS, ON_DEMAND_SCALING_INTERVAL, READ_BYTES_PER_SEC,
        READ_CALLS_PER_SEC, WRITE_BYTES_PER_SEC, WRITE_RECORDS_PER_SEC,
    };
}

/// Limits of the topic service, as constants.
pub mod topic_limits {
    pub use crate::topic::{
        MAX_DELIVERY_POLICY_TIME, MAX_DELIVERY_RETRIES, MAX_FILTER_COMBINATIONS, MAX_FILTER_KEYS, MAX_PUBLISH_SIZE,
        MAX_SUBJECT_CHARS,
    };
}
