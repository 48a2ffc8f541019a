//! # localcloud
//!
//! The event services of a cloud — SQS-like queues, SNS-like topics, Kinesis-like
//! streams with checkpointed consumers, Lambda-like functions with event source
//! mappings and schedules, DynamoDB-like tables with change streams and SWF-like
//! workflows — running inside your process, synchronously, with a virtual clock.
//! Link it to test event-driven code without a cloud (fast, deterministic, with the
//! semantics that bite in production), to embed messaging in one process, or to
//! benchmark a pipeline.
//!
//! Each service is a module ([`queue`], [`topic`], [`stream`], [`consumer`], [`mapping`],
//! [`function`], [`schedule`], [`table`], [`workflow`]); the everyday types are
//! re-exported here. Every module's documentation opens with a runnable example.
//!
//! ## A tutorial
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
//! **10. Functions run your closures the way Lambda would.** A handler is a closure
//! over the event's bytes (or serde types, with `create_function_json`); invokes are
//! synchronous, asynchronous (queued, retried, routed to destinations) or dry runs.
//! Versions, weighted aliases, concurrency limits, cold starts and timeouts all run
//! on the cloud's clock: under a manual clock a handler spends virtual time with
//! [`Context::work`].
//!
//! ```
//! # use localcloud::*;
//! # use std::time::Duration;
//! use localcloud::function::{Destination, EventInvokeConfig};
//! let cloud = Cloud::builder().manual_clock().seed(1).build();
//! let rt = cloud.functions();
//! let failures = cloud.create_queue("charge-failures", QueueConfig::default())?;
//! let f = rt.create_function("charge", FunctionConfig::default(), |ctx, event| {
//!     ctx.work(Duration::from_millis(120));
//!     if event.is_empty() { Err(HandlerError::new("BadRequest", "no order")) } else { Ok("charged".into()) }
//! })?;
//! let out = f.invoke("order 1")?;
//! assert_eq!((out.status_code(), out.billed_duration()), (200, Duration::from_millis(120)));
//! assert_eq!(f.invoke("")?.function_error(), Some("Unhandled")); // a handler error is still a 200
//! rt.put_function_event_invoke_config("charge",
//!     EventInvokeConfig::default().on_failure(Destination::queue(&failures)))?;
//! rt.invoke("charge", Invocation::event(""))?;   // 202: queued
//! cloud.advance(Duration::from_secs(180));        // runs, then retries at +1 min and +2 min
//! assert!(failures.try_receive()?.is_some());     // AWS's on-failure record
//! # Ok::<(), Error>(())
//! ```
//!
//! **10b. Event source mappings feed functions.** A mapping polls a queue (with its
//! public `receive` and `delete_batch`, as Lambda's pollers do), a stream or a table's
//! change stream, and invokes the function with batches in AWS's event shapes; a
//! partial batch response keeps only the failed messages, which the queue's redrive
//! policy later moves to its dead-letter queue. The [`mapping`] module walks through
//! queues and streams.
//!
//! **11. Schedules fire on the clock.** `rate(…)`, `cron(…)` in AWS's dialect, and
//! `at(…)`; a clock that jumps fires every due tick once, in order.
//!
//! ```
//! # use localcloud::*;
//! # use std::time::Duration;
//! let cloud = Cloud::builder().manual_clock().build(); // 2024-01-01T00:00Z
//! let jobs = cloud.create_queue("jobs", QueueConfig::default())?;
//! cloud.create_schedule("nightly", ScheduleExpression::parse("cron(30 2 * * ? *)")?,
//!     Target::queue(&jobs).input("make the report"))?;
//! cloud.advance(Duration::from_secs(3 * 86_400)); // three nights
//! assert_eq!(jobs.stats().visible, 3);
//! # Ok::<(), Error>(())
//! ```
//!
//! **12. Tables keep a change stream.** Conditional writes, atomic counters and
//! queries; every change appears once, in order, on the table's stream, in the record
//! shape Lambda receives.
//!
//! ```
//! # use localcloud::*;
//! use localcloud::table::EventName;
//! let cloud = Cloud::builder().manual_clock().build();
//! let t = cloud.create_table("images", TableConfig::new(Key::string("id")).sort_key(Key::number("ver"))
//!     .stream(StreamViewType::NewAndOldImages))?;
//! t.put_item(item! {"id" => "a", "ver" => 1, "size" => 120}, Condition::attribute_not_exists("id"))?;
//! t.update_item(&item! {"id" => "a", "ver" => 1}, Update::set("size", 130).and_add("views", 1), None)?;
//! assert_eq!(t.query(KeyCondition::eq("id", "a").sort_between(1, 5))?.count(), 1);
//! let names: Vec<EventName> = t.stream()?.read_all()?.iter().map(|r| r.event_name()).collect();
//! assert_eq!(names, [EventName::Insert, EventName::Modify]);
//! # Ok::<(), Error>(())
//! ```
//!
//! **13. Workflows wait for people.** A decider answers decision tasks with
//! decisions; a signal (a click on "approve") or a timer (7 days) wakes it again, with
//! the whole history in hand. The days pass on the virtual clock.
//!
//! ```
//! # use localcloud::Cloud;
//! # use localcloud::workflow::*;
//! # use std::time::Duration;
//! # let day = Duration::from_secs(86_400);
//! # let cloud = Cloud::builder().manual_clock().build();
//! let wf = cloud.workflows();
//! wf.register_domain("billing", 7 * day)?;
//! wf.register_workflow_type("billing", WorkflowTypeConfig::new("approve", "1")
//!     .default_task_list("deciders").default_execution_start_to_close_timeout(30 * day)
//!     .default_task_start_to_close_timeout(Duration::from_secs(60))
//!     .default_child_policy(ChildPolicy::Terminate))?;
//! let run = wf.start_workflow_execution("billing", "invoice-42", WorkflowType::new("approve", "1"), "")?;
//! let task = wf.poll_for_decision_task("billing", "deciders")?.unwrap();
//! wf.respond_decision_task_completed(task.token(), vec![Decision::start_timer("reminder", 7 * day)])?;
//! cloud.advance(2 * day);
//! wf.signal_workflow_execution("billing", "invoice-42", "approved", "")?;
//! let task = wf.poll_for_decision_task("billing", "deciders")?.unwrap();
//! wf.respond_decision_task_completed(task.token(),
//!     vec![Decision::cancel_timer("reminder"), Decision::complete("dispatched")])?;
//! let closed = wf.describe_workflow_execution("billing", &run)?;
//! assert_eq!(closed.info().close_status(), Some(CloseStatus::Completed));
//! # Ok::<(), WorkflowError>(())
//! ```
//!
//! **14. Consume a stream with checkpoints.** A [`consumer::Worker`] holds leases on
//! shards in a [`consumer::LeaseTable`] shared by the application's workers, reads
//! each owned shard and hands batches to your processor, which checkpoints. Workers
//! balance the shards; when one dies the others take its leases after the failover
//! time. The same workers read a table's change stream (pass `table.stream()?` to
//! [`consumer::Consumer::builder`]). The [`consumer`] module's documentation walks
//! through both.
//!
//! **15. Ask the journal what happened.** Built with
//! [`journal(true)`](CloudBuilder::journal), the cloud records every send, delivery,
//! receive, redrive, put and invocation with its clock time; `to_mermaid()` draws it.
//!
//! ```
//! # use localcloud::*;
//! let cloud = Cloud::builder().manual_clock().seed(7).journal(true).build();
//! let q = cloud.create_queue("orders", QueueConfig::default())?;
//! let sent = q.send("hello")?;
//! let entries = cloud.journal().for_subject(&sent.message_id().to_string());
//! assert_eq!(entries[0].action(), "send");
//! assert!(cloud.journal().to_mermaid().contains("send"));
//! # Ok::<(), Error>(())
//! ```
//!
//! With [`Cloud::new`] the same code runs on real time, with background workers for
//! deferred work; they stop when the last handle to the cloud is dropped.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod chaos;
mod clock;
mod cloud;
mod codec;
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
mod shards;
pub mod stream;
pub mod table;
mod timer;
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
    OutgoingMessage, Queue, QueueConfig, QueueError, ReceiptHandle, ReceiveOptions, ReceivedMessage, RedrivePolicy,
    SendReceipt,
};
pub use schedule::{Schedule, ScheduleError, ScheduleExpression, Target};
pub use stream::{PutRecord, StartingPosition, Stream, StreamConfig, StreamError};
pub use table::{Condition, Item, Key, KeyCondition, StreamViewType, Table, TableConfig, TableError, Update};
pub use topic::{DeliveryError, FilterPolicy, Notification, Publish, Subscription, Topic, TopicConfig, TopicError};
pub use workflow::{Decision, WorkflowError, WorkflowExecution, WorkflowType, Workflows};
