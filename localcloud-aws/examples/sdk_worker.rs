//! An order worker written against the AWS SDK for Rust, as it would ship: it takes an
//! `aws_sdk_sqs::Client` and knows nothing of localcloud. `main` runs it against a
//! Cloud in this process; the tests below drive it on a manual clock. In production
//! the same `Worker` gets a client built from `aws_config::load_from_env()`.
//!
//! ```text
//! cargo run -p localcloud-aws --example sdk_worker
//! ```

use aws_sdk_sqs::Client;

/// Any error of the SDK, boxed (the SDK's error types are large).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What processing one message can conclude.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Done: the message is deleted.
    Done,
    /// Failed: the message is left for SQS to deliver again (and, after the queue's
    /// maximum receives, to move to its dead-letter queue).
    Retry,
}

/// Polls one queue and hands each message to `handle`.
#[derive(Debug, Clone)]
pub struct Worker {
    sqs: Client,
    queue_url: String,
}

impl Worker {
    /// A worker on the queue at `queue_url`.
    pub fn new(sqs: Client, queue_url: impl Into<String>) -> Self {
        Worker { sqs, queue_url: queue_url.into() }
    }

    /// One long poll: receives up to ten messages, deletes those `handle` finished in
    /// one batch call. Returns how many were done.
    pub async fn poll_once(&self, handle: impl Fn(&str) -> Outcome) -> Result<usize, aws_sdk_sqs::Error> {
        let got = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(20)
            .send()
            .await?;
        let mut done = Vec::new();
        for (i, m) in got.messages().iter().enumerate() {
            if handle(m.body().unwrap_or_default()) == Outcome::Done {
                done.push(
                    aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(m.receipt_handle().unwrap_or_default())
                        .build()?,
                );
            }
        }
        let n = done.len();
        if n > 0 {
            self.sqs.delete_message_batch().queue_url(&self.queue_url).set_entries(Some(done)).send().await?;
        }
        Ok(n)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    let cloud = localcloud::Cloud::builder().manual_clock().build();
    let sqs = Client::new(&localcloud_aws::sdk_config(&cloud));
    let url = sqs.create_queue().queue_name("orders").send().await?.queue_url.unwrap_or_default();
    for order in ["order 1", "order 2", "order 3"] {
        sqs.send_message().queue_url(&url).message_body(order).send().await?;
    }
    let worker = Worker::new(sqs, url);
    let done = worker
        .poll_once(|body| {
            println!("processing {body}");
            Outcome::Done
        })
        .await?;
    println!("{done} orders processed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use aws_sdk_sqs::types::QueueAttributeName;
    use localcloud::{Cloud, QueueConfig, RedrivePolicy};

    use super::*;

    #[tokio::test]
    async fn failed_order_is_retried_then_dead_lettered_while_good_ones_are_done() {
        // given a queue with a dead-letter queue after 2 receives
        let cloud = Cloud::builder().manual_clock().seed(1).build();
        let dlq = cloud.create_queue("orders-dlq", QueueConfig::default()).unwrap();
        let q = cloud.create_queue("orders", QueueConfig::default().redrive(RedrivePolicy::new(&dlq, 2))).unwrap();
        let sqs = Client::new(&localcloud_aws::sdk_config(&cloud));
        for body in ["ok 1", "bad", "ok 2"] {
            sqs.send_message().queue_url(q.url()).message_body(body).send().await.unwrap();
        }
        let worker = Worker::new(sqs.clone(), q.url());
        let handle = |b: &str| if b == "bad" { Outcome::Retry } else { Outcome::Done };

        // when the worker polls, and polls again after each visibility timeout
        let mut done = worker.poll_once(handle).await.unwrap();
        for _ in 0..2 {
            cloud.advance(Duration::from_secs(30));
            done += worker.poll_once(handle).await.unwrap();
        }

        // then both good orders are done once and the bad one is dead-lettered
        assert_eq!(done, 2);
        assert_eq!(q.stats().total(), 0);
        let attrs = sqs
            .get_queue_attributes()
            .queue_url(dlq.url())
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap();
        assert_eq!(attrs[&QueueAttributeName::ApproximateNumberOfMessages], "1");
    }
}
