//! [`Target`]: what a schedule invokes (a queue, a topic, a stream or a function), with
//! the input it passes, the [`RetryPolicy`] for failed invocations and the dead-letter
//! queue.
//!
//! Each kind of target is one [`Endpoint`] implementation; `Target` and the firing
//! code only speak to the trait.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::error::ScheduleError;
use crate::clock::Timestamp;
use crate::function::{Function, FunctionRuntime, Invocation};
use crate::queue::{OutgoingMessage, Queue};
use crate::stream::{PutRecord, Stream};
use crate::topic::{Publish, Topic};

/// The most retries a [`RetryPolicy`] allows (and its default).
pub const MAX_RETRY_ATTEMPTS: u32 = 185;
/// The shortest maximum event age a [`RetryPolicy`] allows.
pub const MIN_EVENT_AGE: Duration = Duration::from_secs(60);
/// The longest maximum event age a [`RetryPolicy`] allows (and its default).
pub const MAX_EVENT_AGE: Duration = Duration::from_secs(24 * 3600);

/// One firing as a target sees it.
#[derive(Debug)]
pub(crate) struct Firing<'a> {
    /// The execution id, the same across the retries of one firing.
    pub(crate) id: &'a str,
    pub(crate) schedule_arn: &'a str,
    /// The time the schedule was due, not the time of this attempt.
    pub(crate) scheduled_time: Timestamp,
    /// 1 for the first attempt.
    pub(crate) attempt: u32,
}

/// Why an invocation failed: the AWS code of the target's error and its message.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl Failure {
    fn from_error(code: &'static str, e: impl fmt::Display) -> Self {
        Failure { code, message: e.to_string() }
    }
}

/// A kind of target: how one invocation reaches its resource.
pub(crate) trait Endpoint: Send + Sync + fmt::Debug {
    /// The AWS service name of the resource (`sqs`, `sns`, `kinesis`, `lambda`).
    fn service(&self) -> &'static str;
    /// The resource's name.
    fn name(&self) -> &str;
    /// The resource's ARN.
    fn arn(&self) -> &str;
    /// Invokes the resource once with `input`.
    fn deliver(&self, input: &Bytes, firing: &Firing<'_>) -> Result<(), Failure>;
}

/// How often, and for how long, a failed invocation is tried again before it goes to
/// the dead-letter queue (or is dropped when there is none).
///
/// Retries back off exponentially, 1 s, 2 s, 4 s … up to 5 minutes between tries. A
/// firing is given up when it has used its retries, or when its next try would come
/// later than the maximum event age after the time it was due.
///
/// ```
/// use localcloud::schedule::RetryPolicy;
/// use std::time::Duration;
/// let p = RetryPolicy::default();
/// assert_eq!(p.maximum_retry_attempts_value(), 185);
/// assert_eq!(p.maximum_event_age_value(), Duration::from_secs(86_400));
/// let p = RetryPolicy::default().maximum_retry_attempts(3).maximum_event_age(Duration::from_secs(600));
/// assert_eq!(p.maximum_retry_attempts_value(), 3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    maximum_retry_attempts: u32,
    maximum_event_age: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { maximum_retry_attempts: MAX_RETRY_ATTEMPTS, maximum_event_age: MAX_EVENT_AGE }
    }
}

impl RetryPolicy {
    /// No retries: a failed invocation goes straight to the dead-letter queue.
    pub fn none() -> Self {
        RetryPolicy::default().maximum_retry_attempts(0)
    }

    /// Retries after the first attempt, 0–185 (default 185).
    pub fn maximum_retry_attempts(mut self, n: u32) -> Self {
        self.maximum_retry_attempts = n;
        self
    }

    /// How long after its due time a firing may still be tried, 60 s – 24 h
    /// (default 24 h).
    pub fn maximum_event_age(mut self, d: Duration) -> Self {
        self.maximum_event_age = d;
        self
    }

    /// The configured number of retries.
    pub fn maximum_retry_attempts_value(&self) -> u32 {
        self.maximum_retry_attempts
    }

    /// The configured maximum event age.
    pub fn maximum_event_age_value(&self) -> Duration {
        self.maximum_event_age
    }

    pub(crate) fn validate(&self) -> Result<(), ScheduleError> {
        if self.maximum_retry_attempts > MAX_RETRY_ATTEMPTS {
            return Err(ScheduleError::invalid(format!(
                "MaximumRetryAttempts {} is out of range 0-{MAX_RETRY_ATTEMPTS}",
                self.maximum_retry_attempts
            )));
        }
        if self.maximum_event_age < MIN_EVENT_AGE || self.maximum_event_age > MAX_EVENT_AGE {
            return Err(ScheduleError::invalid(format!(
                "MaximumEventAgeInSeconds {} is out of range 60-86400",
                self.maximum_event_age.as_secs_f64()
            )));
        }
        Ok(())
    }

    /// The wait before retry number `retry` (1 for the first retry).
    pub(crate) fn backoff(retry: u32) -> Duration {
        Duration::from_secs(1u64 << retry.saturating_sub(1).min(9)).min(Duration::from_secs(300))
    }
}

/// What a schedule invokes, and with what.
///
/// The input (default `{}`) is sent as the message body, the notification or the
/// record data. These placeholders in it are replaced at each firing:
/// `<aws.scheduler.scheduled-time>` (the due time, such as `2024-01-01T12:00:00Z`),
/// `<aws.scheduler.execution-id>`, `<aws.scheduler.attempt-number>` and
/// `<aws.scheduler.schedule-arn>`.
///
/// ```
/// use localcloud::schedule::{RetryPolicy, Target};
/// use localcloud::{Cloud, QueueConfig};
/// let cloud = Cloud::builder().manual_clock().build();
/// let jobs = cloud.create_queue("jobs", QueueConfig::default())?;
/// let dlq = cloud.create_queue("jobs-dlq", QueueConfig::default())?;
/// let target = Target::queue(&jobs)
///     .input(r#"{"job":"report","at":"<aws.scheduler.scheduled-time>"}"#)
///     .retry_policy(RetryPolicy::default().maximum_retry_attempts(2))
///     .dead_letter_queue(&dlq);
/// assert_eq!(target.arn(), jobs.arn());
/// # Ok::<(), localcloud::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Target {
    pub(crate) endpoint: Arc<dyn Endpoint>,
    pub(crate) input: Bytes,
    pub(crate) retry: RetryPolicy,
    pub(crate) dead_letter: Option<Queue>,
}

impl Target {
    fn new(endpoint: impl Endpoint + 'static) -> Self {
        Target {
            endpoint: Arc::new(endpoint),
            input: Bytes::from_static(b"{}"),
            retry: RetryPolicy::default(),
            dead_letter: None,
        }
    }

    /// Sends the input to a standard queue.
    pub fn queue(queue: &Queue) -> Self {
        Target::new(QueueEndpoint { queue: queue.clone(), group_id: None })
    }

    /// Sends the input to a FIFO queue in message group `group_id`; the deduplication
    /// id is the execution id, so the retries of one firing are sent once.
    pub fn fifo_queue(queue: &Queue, group_id: impl Into<String>) -> Self {
        Target::new(QueueEndpoint { queue: queue.clone(), group_id: Some(group_id.into()) })
    }

    /// Publishes the input to a standard topic.
    pub fn topic(topic: &Topic) -> Self {
        Target::new(TopicEndpoint { topic: topic.clone(), group_id: None })
    }

    /// Publishes the input to a FIFO topic in message group `group_id`.
    pub fn fifo_topic(topic: &Topic, group_id: impl Into<String>) -> Self {
        Target::new(TopicEndpoint { topic: topic.clone(), group_id: Some(group_id.into()) })
    }

    /// Puts the input as one record with `partition_key` into a stream.
    pub fn stream(stream: &Stream, partition_key: impl Into<String>) -> Self {
        Target::new(StreamEndpoint { stream: stream.clone(), partition_key: partition_key.into() })
    }

    /// Invokes a function asynchronously (`Event`) with the input as its payload.
    ///
    /// The schedule invokes as the account (through its execution role on AWS), so the
    /// function's resource policy is not consulted. An invoke the function service
    /// refuses (the function or its qualifier is gone, the payload is over 1 MB, the
    /// invoke is throttled) is a failed invocation: retried under the
    /// [`RetryPolicy`], then sent to the dead-letter queue. A handler error is not: the
    /// asynchronous invoke was accepted, and the function's own retries and
    /// destinations take it from there.
    ///
    /// ```
    /// use localcloud::schedule::Target;
    /// use localcloud::{Cloud, FunctionConfig, ScheduleExpression};
    /// use std::time::Duration;
    /// let cloud = Cloud::builder().manual_clock().build();
    /// let f = cloud.functions().create_function("nightly", FunctionConfig::default(), |_, p| Ok(p))?;
    /// let every = ScheduleExpression::parse("rate(1 hour)")?;
    /// cloud.create_schedule("report", every, Target::function(&f).input(r#"{"report":"daily"}"#))?;
    /// cloud.advance(Duration::from_secs(3600));
    /// assert_eq!(cloud.metrics().value("AWS/Lambda", "nightly", "Invocations"), Some(1.0));
    /// # Ok::<(), localcloud::Error>(())
    /// ```
    pub fn function(function: &Function) -> Self {
        Target::new(FunctionEndpoint {
            arn: function.qualified_arn(),
            name: function.name().to_owned(),
            runtime: function.runtime(),
        })
    }

    /// The payload of every invocation (default `{}`).
    pub fn input(mut self, input: impl Into<Bytes>) -> Self {
        self.input = input.into();
        self
    }

    /// How failed invocations are retried (default: 185 retries within 24 hours).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// A standard queue that receives the firings given up on.
    pub fn dead_letter_queue(mut self, queue: &Queue) -> Self {
        self.dead_letter = Some(queue.clone());
        self
    }

    /// The target resource's ARN.
    pub fn arn(&self) -> &str {
        self.endpoint.arn()
    }

    /// The target resource's service: `sqs`, `sns`, `kinesis` or `lambda`.
    pub fn service(&self) -> &'static str {
        self.endpoint.service()
    }

    /// The configured input.
    pub fn input_value(&self) -> &Bytes {
        &self.input
    }

    /// The configured retry policy.
    pub fn retry_policy_value(&self) -> RetryPolicy {
        self.retry
    }

    /// The dead-letter queue, if any.
    pub fn dead_letter_queue_value(&self) -> Option<&Queue> {
        self.dead_letter.as_ref()
    }

    pub(crate) fn validate(&self) -> Result<(), ScheduleError> {
        self.retry.validate()?;
        if let Some(dlq) = &self.dead_letter {
            if dlq.is_fifo() {
                return Err(ScheduleError::invalid(format!(
                    "dead-letter queue {} is a FIFO queue; schedules take a standard queue",
                    dlq.arn()
                )));
            }
        }
        Ok(())
    }

    /// The input with this firing's placeholders filled in.
    pub(crate) fn input_for(&self, firing: &Firing<'_>) -> Bytes {
        const MARK: &[u8] = b"<aws.scheduler.";
        if !self.input.windows(MARK.len()).any(|w| w == MARK) {
            return self.input.clone();
        }
        let text = String::from_utf8_lossy(&self.input);
        let time = firing.scheduled_time.to_string().replace(".000Z", "Z");
        let out = text
            .replace("<aws.scheduler.scheduled-time>", &time)
            .replace("<aws.scheduler.execution-id>", firing.id)
            .replace("<aws.scheduler.attempt-number>", &firing.attempt.to_string())
            .replace("<aws.scheduler.schedule-arn>", firing.schedule_arn);
        Bytes::from(out)
    }
}

#[derive(Debug)]
struct QueueEndpoint {
    queue: Queue,
    group_id: Option<String>,
}

impl Endpoint for QueueEndpoint {
    fn service(&self) -> &'static str {
        "sqs"
    }
    fn name(&self) -> &str {
        self.queue.name()
    }
    fn arn(&self) -> &str {
        self.queue.arn()
    }
    fn deliver(&self, input: &Bytes, firing: &Firing<'_>) -> Result<(), Failure> {
        let mut msg = OutgoingMessage::new(input.clone());
        if let Some(g) = &self.group_id {
            msg = msg.group_id(g.clone()).deduplication_id(firing.id.to_owned());
        }
        self.queue.send_message(msg).map(drop).map_err(|e| Failure::from_error(e.code(), e))
    }
}

#[derive(Debug)]
struct TopicEndpoint {
    topic: Topic,
    group_id: Option<String>,
}

impl Endpoint for TopicEndpoint {
    fn service(&self) -> &'static str {
        "sns"
    }
    fn name(&self) -> &str {
        self.topic.name()
    }
    fn arn(&self) -> &str {
        self.topic.arn()
    }
    fn deliver(&self, input: &Bytes, firing: &Firing<'_>) -> Result<(), Failure> {
        let mut p = Publish::new(input.clone());
        if let Some(g) = &self.group_id {
            p = p.group_id(g.clone()).deduplication_id(firing.id.to_owned());
        }
        self.topic.publish(p).map(drop).map_err(|e| Failure::from_error(e.code(), e))
    }
}

#[derive(Debug)]
struct StreamEndpoint {
    stream: Stream,
    partition_key: String,
}

impl Endpoint for StreamEndpoint {
    fn service(&self) -> &'static str {
        "kinesis"
    }
    fn name(&self) -> &str {
        self.stream.name()
    }
    fn arn(&self) -> &str {
        self.stream.arn()
    }
    fn deliver(&self, input: &Bytes, _firing: &Firing<'_>) -> Result<(), Failure> {
        self.stream
            .put_record(PutRecord::new(self.partition_key.as_str(), input.clone()))
            .map(drop)
            .map_err(|e| Failure::from_error(e.code(), e))
    }
}

#[derive(Debug)]
struct FunctionEndpoint {
    /// Invoked by ARN at each firing, as on AWS: a function deleted and created again
    /// under the same name receives the later firings.
    runtime: Option<FunctionRuntime>,
    name: String,
    /// The qualified ARN (the handle's version or alias, if any).
    arn: String,
}

impl Endpoint for FunctionEndpoint {
    fn service(&self) -> &'static str {
        "lambda"
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn arn(&self) -> &str {
        &self.arn
    }
    fn deliver(&self, input: &Bytes, _firing: &Firing<'_>) -> Result<(), Failure> {
        let Some(runtime) = &self.runtime else {
            return Err(Failure { code: "ResourceNotFoundException", message: "the cloud is gone".into() });
        };
        runtime
            .invoke(&self.arn, Invocation::event(input.clone()))
            .map(drop)
            .map_err(|e| Failure::from_error(e.code(), e))
    }
}
