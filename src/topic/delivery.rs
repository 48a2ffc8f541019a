//! Fan-out and delivery: filtering each subscription once per message, sending to
//! queues at once, running callbacks on the scheduler, retrying server-side failures
//! on the subscription's schedule and sending what could not be delivered to its DLQ.
//!
//! As the service does, a client-side error is never retried: a queue that is gone
//! (deleted, or never created under the subscribed ARN), a queue refusing the message
//! (characters, more than ten raw attributes, size), or a callback's
//! [`DeliveryError::client`](super::DeliveryError::client), a function refusing the
//! invoke (no permission, gone, payload too large). Server-side errors are: a queue
//! throttling the send (FIFO throttling emulation), a throttled invoke, a callback's
//! other errors and panics.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;

use super::envelope::EnvelopeParts;
use super::filter::{FilterScope, Input};
use super::lambda::Invoked;
use super::publish::Published;
use super::subscription::{Endpoint, Notification, Protocol, SubShared};
use super::{Counters, Topic, TopicShared};
use crate::clock::Timestamp;
use crate::journal::JournalEntry;
use crate::message::first_invalid_body_char;
use crate::queue::{OutgoingMessage, Queue, QueueError};

/// What one publish computes at most once, whatever the number of subscriptions.
struct FanOut<'a> {
    msg: &'a Published,
    arrays: Option<Vec<(&'a str, Vec<Value>)>>,
    body: Option<Option<Value>>,
    envelopes: [Option<EnvelopeParts>; 3],
    /// Whether the raw text per protocol holds only characters a queue accepts.
    raw_safe: [Option<bool>; 3],
}

impl<'a> FanOut<'a> {
    fn matches(&mut self, sub: &SubShared) -> bool {
        let Some(policy) = &sub.filter else { return true };
        let msg = self.msg;
        match policy.scope() {
            FilterScope::MessageBody => {
                let body = self.body.get_or_insert_with(|| serde_json::from_slice(&msg.body).ok());
                policy.matches_input(&Input::Body(body.as_ref()))
            }
            _ => {
                let arrays = self.arrays.get_or_insert_with(|| super::filter::parse_arrays(&msg.attributes));
                policy.matches_input(&Input::Attributes { attrs: &msg.attributes, arrays })
            }
        }
    }

    fn envelope(&mut self, protocol: Protocol, cert: &str) -> &EnvelopeParts {
        let msg = self.msg;
        let slot = &mut self.envelopes[protocol as usize];
        slot.get_or_insert_with(|| EnvelopeParts::new(msg, text(msg, protocol), cert))
    }

    /// The queue body of one subscription; character checks are made once per publish.
    fn queue_payload(&mut self, topic: &TopicShared, sub: &SubShared) -> Payload {
        let msg = self.msg;
        if sub.raw {
            let safe = *self.raw_safe[Protocol::Sqs as usize]
                .get_or_insert_with(|| first_invalid_body_char(text(msg, Protocol::Sqs)).is_none());
            Payload { body: msg.text(Protocol::Sqs).clone(), sqs_safe: safe }
        } else {
            let parts = self.envelope(Protocol::Sqs, &topic.signing_cert_url);
            Payload { body: Bytes::from(parts.render(&sub.unsubscribe_url_json)), sqs_safe: parts.sqs_safe() }
        }
    }
}

/// A delivery's body and whether a queue would accept its characters.
struct Payload {
    body: Bytes,
    sqs_safe: bool,
}

impl Payload {
    /// Computed from scratch, for retries and dead-letter queues.
    fn fresh(topic: &TopicShared, sub: &SubShared, msg: &Published) -> Self {
        let body = if sub.raw {
            msg.text(sub.protocol).clone()
        } else {
            EnvelopeParts::new(msg, text(msg, sub.protocol), &topic.signing_cert_url)
                .render(&sub.unsubscribe_url_json)
                .into()
        };
        let sqs_safe = std::str::from_utf8(&body).is_ok_and(|t| first_invalid_body_char(t).is_none());
        Payload { body, sqs_safe }
    }
}

fn text(msg: &Published, protocol: Protocol) -> &str {
    std::str::from_utf8(msg.text(protocol)).unwrap_or_default()
}

/// What a delivery is waiting to retry.
enum Job {
    /// One message to a queue (standard topics).
    One(Arc<Published>),
    /// The front of a message group's backlog (FIFO topics, which keep group order).
    Group(Arc<str>),
    /// One message to a callback, with the payload it receives.
    Callback(Arc<Published>, Bytes),
    /// One message to a function.
    Lambda(Arc<Published>),
}

enum Outcome {
    Delivered,
    /// A server-side error (the endpoint is busy): retry on the schedule.
    Retry,
    /// A client-side error (the endpoint is gone or refused the message): no
    /// retry; the message goes to the dead-letter queue or is dropped.
    Failed,
}

impl Topic {
    /// Delivers a freshly published message to every subscription it matches.
    pub(crate) fn fan_out(&self, msg: &Arc<Published>) {
        let topic = &self.shared;
        let subs = Arc::clone(&*topic.subs.lock());
        let mut ctx =
            FanOut { msg, arrays: None, body: None, envelopes: [None, None, None], raw_safe: [None, None, None] };
        let mut delivered = 0;
        topic.journal.record_with(|| {
            JournalEntry::new(msg.timestamp, "sns", topic.name.as_str(), "publish", msg.id.to_string())
        });
        for sub in subs.iter() {
            if !ctx.matches(sub) {
                Counters::bump(&topic.counters.filtered_out);
                note(topic, sub, msg, "filter-out");
                continue;
            }
            match &sub.endpoint {
                Endpoint::Queue(_) => {
                    let payload = ctx.queue_payload(topic, sub);
                    let ok = first_queue_delivery(topic, sub, msg, payload);
                    if ok {
                        note(topic, sub, msg, "deliver");
                    }
                    delivered += u64::from(ok);
                }
                Endpoint::Callback(_) => {
                    let payload = if sub.raw {
                        msg.text(Protocol::Callback).clone()
                    } else {
                        Bytes::from(
                            ctx.envelope(Protocol::Callback, &topic.signing_cert_url).render(&sub.unsubscribe_url_json),
                        )
                    };
                    schedule(topic, sub, Job::Callback(Arc::clone(msg), payload), 0, Duration::ZERO);
                }
                Endpoint::Function(_) => {
                    // An asynchronous invoke only queues the event: made at once, like
                    // a queue delivery; no user code runs here.
                    let payload =
                        ctx.envelope(Protocol::Lambda, &topic.signing_cert_url).render(&sub.unsubscribe_url_json);
                    match try_lambda(sub, msg, Bytes::from(payload), 1) {
                        Outcome::Delivered => {
                            note(topic, sub, msg, "deliver");
                            delivered += 1;
                        }
                        Outcome::Failed => fail(topic, sub, msg),
                        Outcome::Retry => retry_or_give_up(topic, sub, Job::Lambda(Arc::clone(msg)), 1),
                    }
                }
            }
        }
        // One update per publish rather than per subscriber.
        topic.counters.delivered.fetch_add(delivered, Ordering::Relaxed);
    }
}

/// The first try to a queue, on the publisher's thread. Returns whether it was delivered.
fn first_queue_delivery(
    topic: &Arc<TopicShared>,
    sub: &Arc<SubShared>,
    msg: &Arc<Published>,
    payload: Payload,
) -> bool {
    let group = msg.group_id.as_ref().filter(|_| topic.config.fifo);
    if let Some(g) = group {
        // A group whose earlier message is being retried keeps this one behind it.
        if let Some(backlog) = sub.blocked.lock().get_mut(g) {
            backlog.push_back(Arc::clone(msg));
            return false;
        }
    }
    // The publish time: one clock read per publish, not per subscriber.
    match try_queue(topic, sub, msg, payload, msg.timestamp) {
        Outcome::Delivered => return true,
        Outcome::Failed => fail(topic, sub, msg),
        Outcome::Retry => match group {
            Some(g) => {
                sub.blocked.lock().insert(Arc::clone(g), VecDeque::from([Arc::clone(msg)]));
                retry_or_give_up(topic, sub, Job::Group(Arc::clone(g)), 1);
            }
            None => retry_or_give_up(topic, sub, Job::One(Arc::clone(msg)), 1),
        },
    }
    false
}

/// One try to a queue subscription.
fn try_queue(topic: &TopicShared, sub: &SubShared, msg: &Published, payload: Payload, now: Timestamp) -> Outcome {
    let Endpoint::Queue(slot) = &sub.endpoint else { return Outcome::Failed };
    let attrs = if sub.raw { msg.delivered_attributes() } else { None };
    // What the queue would refuse, it refuses every time: a client error, no retry.
    if !payload.sqs_safe || attrs.is_some_and(|a| a.len() > MAX_QUEUE_ATTRIBUTES) {
        return Outcome::Failed;
    }
    let sent = slot.with(&topic.cloud, |q| {
        let mut out = OutgoingMessage::new(payload.body);
        if let Some(a) = attrs {
            out = out.attributes(a.clone());
        }
        q.deliver(with_group_ids(out, msg, q, topic.config.fifo), now)
    });
    match sent {
        Some(Ok(())) => Outcome::Delivered,
        // A throttled send is the queue being busy: a server-side error, retried.
        Some(Err(QueueError::Throttling(_))) => Outcome::Retry,
        // No queue under the subscription's ARN (deleted, or never created), or a
        // queue refusing the message: client-side errors, never retried.
        None | Some(Err(_)) => Outcome::Failed,
    }
}

/// A queue takes at most this many attributes per message.
const MAX_QUEUE_ATTRIBUTES: usize = 10;

/// The message ids a queue message carries: a FIFO queue gets the group and
/// deduplication ids; a standard queue gets the group id of a standard topic's
/// message (a FIFO topic's messages reach standard queues without ids).
fn with_group_ids(mut out: OutgoingMessage, msg: &Published, q: &Queue, topic_fifo: bool) -> OutgoingMessage {
    if q.is_fifo() || !topic_fifo {
        if let Some(g) = &msg.group_id {
            out = out.group_id(g.as_ref());
        }
    }
    if q.is_fifo() {
        if let Some(d) = &msg.dedup_id {
            out = out.deduplication_id(d.as_ref());
        }
    }
    out
}

/// After `tries` tries of `job` failed: schedules the next one, or gives up.
fn retry_or_give_up(topic: &Arc<TopicShared>, sub: &Arc<SubShared>, job: Job, tries: u32) {
    let delay = sub.policy.jittered_delay(tries, &mut *sub.rng.lock());
    match (delay, job) {
        (Some(d), job) => schedule(topic, sub, job, tries, d),
        (None, Job::One(msg) | Job::Callback(msg, _) | Job::Lambda(msg)) => fail(topic, sub, &msg),
        (None, Job::Group(g)) => {
            let front = sub.blocked.lock().get_mut(&g).and_then(VecDeque::pop_front);
            if let Some(msg) = front {
                fail(topic, sub, &msg);
            }
            drain_group(topic, sub, &g, 0);
        }
    }
}

fn schedule(topic: &Arc<TopicShared>, sub: &Arc<SubShared>, job: Job, tries: u32, delay: Duration) {
    let Some(cloud) = topic.cloud.upgrade() else { return };
    let due = topic.clock.now() + delay;
    let (topic, sub) = (Arc::clone(topic), Arc::clone(sub));
    cloud.inner.scheduler.schedule_at(due, Box::new(move || run(&topic, &sub, job, tries)));
}

/// A scheduled try: `tries` tries came before it.
fn run(topic: &Arc<TopicShared>, sub: &Arc<SubShared>, job: Job, tries: u32) {
    if !sub.is_active() || topic.deleted.load(Ordering::SeqCst) {
        return;
    }
    match job {
        Job::One(msg) => match try_queue(topic, sub, &msg, Payload::fresh(topic, sub, &msg), topic.clock.now()) {
            Outcome::Delivered => delivered(topic, sub, &msg),
            Outcome::Failed => fail(topic, sub, &msg),
            Outcome::Retry => retry_or_give_up(topic, sub, Job::One(msg), tries + 1),
        },
        Job::Group(g) => {
            // Publishers fan out under this lock too: the group's order holds.
            let _order = topic.fifo.lock();
            drain_group(topic, sub, &g, tries);
        }
        Job::Callback(msg, payload) => run_callback(topic, sub, msg, payload, tries + 1),
        Job::Lambda(msg) => {
            let payload = Payload::fresh(topic, sub, &msg).body;
            match try_lambda(sub, &msg, payload, tries + 1) {
                Outcome::Delivered => delivered(topic, sub, &msg),
                Outcome::Failed => fail(topic, sub, &msg),
                Outcome::Retry => retry_or_give_up(topic, sub, Job::Lambda(msg), tries + 1),
            }
        }
    }
}

/// One asynchronous invoke of a function subscription; `envelope` is the message's
/// JSON envelope, which carries the signature and URLs the SNS event repeats.
fn try_lambda(sub: &SubShared, msg: &Arc<Published>, envelope: Bytes, attempt: u32) -> Outcome {
    let Endpoint::Function(slot) = &sub.endpoint else { return Outcome::Failed };
    let n = Notification {
        msg: Arc::clone(msg),
        subscription_arn: sub.arn.clone(),
        payload: envelope,
        raw: false,
        attempt,
        protocol: Protocol::Lambda,
    };
    match slot.invoke(&n) {
        Invoked::Accepted => Outcome::Delivered,
        Invoked::Busy => Outcome::Retry,
        Invoked::Refused => Outcome::Failed,
    }
}

/// Delivers a group's backlog in order until it is empty or its front must wait.
fn drain_group(topic: &Arc<TopicShared>, sub: &Arc<SubShared>, g: &Arc<str>, mut tries: u32) {
    loop {
        let front = sub.blocked.lock().get(g).and_then(|b| b.front().cloned());
        let Some(msg) = front else {
            sub.blocked.lock().remove(g);
            return;
        };
        match try_queue(topic, sub, &msg, Payload::fresh(topic, sub, &msg), topic.clock.now()) {
            Outcome::Delivered => delivered(topic, sub, &msg),
            Outcome::Failed => fail(topic, sub, &msg),
            Outcome::Retry => {
                if sub.policy.nominal_delay(tries + 1).is_some() {
                    retry_or_give_up(topic, sub, Job::Group(Arc::clone(g)), tries + 1);
                    return;
                }
                fail(topic, sub, &msg);
            }
        }
        let mut blocked = sub.blocked.lock();
        if let Some(b) = blocked.get_mut(g) {
            b.pop_front();
            if b.is_empty() {
                blocked.remove(g);
                return;
            }
        }
        tries = 0;
    }
}

fn run_callback(topic: &Arc<TopicShared>, sub: &Arc<SubShared>, msg: Arc<Published>, payload: Bytes, attempt: u32) {
    let Endpoint::Callback(f) = &sub.endpoint else { return };
    let n = Notification {
        msg: Arc::clone(&msg),
        subscription_arn: sub.arn.clone(),
        payload: payload.clone(),
        raw: sub.raw,
        attempt,
        protocol: Protocol::Callback,
    };
    // No lock is held here: the callback may publish, subscribe or drive the cloud.
    match catch_unwind(AssertUnwindSafe(|| f(&n))) {
        Ok(Ok(())) => delivered(topic, sub, &msg),
        Ok(Err(e)) if e.is_client_error() => fail(topic, sub, &msg),
        // An error or a panic of the endpoint: server-side, retried per the policy.
        _ => retry_or_give_up(topic, sub, Job::Callback(msg, payload), attempt),
    }
}

/// A retry (or a callback's first try) delivered `msg`.
fn delivered(topic: &TopicShared, sub: &SubShared, msg: &Published) {
    Counters::bump(&topic.counters.delivered);
    note(topic, sub, msg, "deliver");
}

/// Journals a step of `msg` towards `sub`'s endpoint, drawn as an arrow to it.
fn note(topic: &TopicShared, sub: &SubShared, msg: &Published, action: &'static str) {
    topic.journal.record_with(|| {
        let (service, name) = endpoint_name(sub);
        JournalEntry::new(topic.clock.now(), "sns", topic.name.as_str(), action, msg.id.to_string())
            .with_peer(service, name)
    });
}

/// The endpoint as the journal names it: `sqs` and the queue's name, `lambda` and
/// the function's name, or `callback` and the subscription id.
fn endpoint_name(sub: &SubShared) -> (&'static str, &str) {
    match (&sub.endpoint, sub.protocol) {
        (Endpoint::Function(f), _) => ("lambda", f.name()),
        (_, Protocol::Sqs) => ("sqs", last_segment(&sub.endpoint_arn)),
        _ => ("callback", last_segment(sub.arn.as_str())),
    }
}

fn last_segment(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or_default()
}

/// The last try failed: counts it and hands the message to the subscription's DLQ.
fn fail(topic: &TopicShared, sub: &SubShared, msg: &Published) {
    Counters::bump(&topic.counters.failed);
    note(topic, sub, msg, "delivery-failed");
    let Some(dlq) = &sub.dlq else { return };
    topic.journal.record_with(|| {
        JournalEntry::new(topic.clock.now(), "sns", topic.name.as_str(), "to-dlq", msg.id.to_string())
            .with_peer("sqs", dlq.name())
    });
    let mut out = OutgoingMessage::new(Payload::fresh(topic, sub, msg).body);
    if sub.raw {
        // A queue takes at most ten attributes; the body still tells what was lost.
        if let Some(attrs) = msg.delivered_attributes().filter(|a| a.len() <= 10) {
            out = out.attributes(attrs.clone());
        }
    }
    match dlq.send_message(with_group_ids(out, msg, dlq, topic.config.fifo)) {
        Ok(_) => Counters::bump(&topic.counters.redriven),
        Err(_) => Counters::bump(&topic.counters.redrive_failed),
    }
}
