//! The journal: what happened, drawn as a sequence diagram.
//!
//! A seeded scenario: an invoice published to a topic fans out to two queues; a
//! worker receives it from one queue and never deletes it; its visibility timeout
//! runs out and the next receive moves it to the dead-letter queue. The journal
//! records every step with its clock time; `to_mermaid()` draws it. Run it twice:
//! the diagram is the same, byte for byte.
//!
//! Run with `cargo run --example journal` and paste the output into any mermaid viewer.

use std::time::Duration;

use localcloud::{Cloud, Publish, QueueConfig, ReceiveOptions, RedrivePolicy, Subscription, TopicConfig};

fn main() -> Result<(), localcloud::Error> {
    let cloud = Cloud::builder().manual_clock().seed(7).journal(true).build();
    let dlq = cloud.create_queue("billing-dlq", QueueConfig::default())?;
    let billing = cloud.create_queue(
        "billing",
        QueueConfig::default().visibility_timeout(Duration::from_secs(30)).redrive(RedrivePolicy::new(&dlq, 1)),
    )?;
    let audit = cloud.create_queue("audit", QueueConfig::default())?;
    let invoices = cloud.create_topic("invoices", TopicConfig::default())?;
    invoices.subscribe(Subscription::queue(&billing).raw_delivery(true))?;
    invoices.subscribe(Subscription::queue(&audit))?;

    invoices.publish(Publish::new("invoice 42: 120.00 EUR"))?;
    cloud.run_until_idle();

    // A worker takes the invoice and crashes before deleting it.
    let taken = billing.receive(ReceiveOptions::new().max_messages(1))?;
    assert_eq!(taken.len(), 1);
    // Its visibility timeout runs out; the next receive would exceed the redrive
    // policy's maximum of one receive, so the message moves to the DLQ instead.
    cloud.advance(Duration::from_secs(30));
    assert!(billing.try_receive()?.is_none());
    let parked = dlq.try_receive()?.expect("the invoice waits in the dead-letter queue");
    dlq.delete(parked.receipt_handle())?;

    print!("{}", cloud.journal().to_mermaid());
    Ok(())
}
