//! The invoice fan-out: one publish, several independent consumers.
//!
//! An "invoices" topic fans out to an "orders" queue (raw delivery: the order worker
//! reads the invoice itself), an "emails" queue that only wants invoices for
//! customers who asked for email (a filter policy; it gets the JSON envelope), and a
//! callback standing in for a webhook that fails once before accepting. Everything
//! runs on a manual clock, so the program finishes at once.
//!
//! Run with `cargo run --example fanout`.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use localcloud::{
    AttributeValue, Cloud, DeliveryError, FilterPolicy, Publish, Queue, QueueConfig, Subscription, TopicConfig,
};

fn main() -> Result<(), localcloud::Error> {
    let cloud = Cloud::builder().manual_clock().seed(7).build();
    let invoices = cloud.create_topic("invoices", TopicConfig::default())?;
    let orders = cloud.create_queue("orders", QueueConfig::default())?;
    let emails = cloud.create_queue("emails", QueueConfig::default())?;

    invoices.subscribe(Subscription::queue(&orders).raw_delivery(true))?;
    invoices.subscribe(
        Subscription::queue(&emails)
            .filter(FilterPolicy::parse(r#"{"notify": ["email"], "total": [{"numeric": [">", 0]}]}"#)?),
    )?;
    let webhook_calls = Arc::new(AtomicU32::new(0));
    let calls = Arc::clone(&webhook_calls);
    let clock = cloud.clock();
    invoices.subscribe(Subscription::callback(move |n| {
        let attempt = calls.fetch_add(1, Ordering::SeqCst) + 1;
        if attempt == 1 {
            println!("[{}] webhook: 503 for message {}", clock.now(), n.message_id());
            return Err(DeliveryError::from("503 Service Unavailable"));
        }
        println!("[{}] webhook: accepted {} (try {})", clock.now(), n.message(), n.attempt());
        Ok(())
    }))?;

    for (id, customer, notify, total) in [(7, "ada", "email", "120.50"), (8, "bob", "sms", "80.00")] {
        let receipt = invoices.publish(
            Publish::new(format!(r#"{{"invoice":{id},"customer":"{customer}","total":{total}}}"#))
                .subject(format!("Invoice {id}"))
                .attribute("notify", AttributeValue::string(notify))
                .attribute("total", AttributeValue::number(total)),
        )?;
        println!("published invoice {id} as {}", receipt.message_id());
    }

    // Queue subscribers already hold their copies; the webhook runs on the scheduler
    // and retries 20 s after its failure.
    cloud.advance(Duration::from_secs(60));

    drain("orders", &orders, |body| format!("process order {body}"))?;
    drain("emails", &emails, |body| {
        let envelope: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        format!("send confirmation \"{}\" for {}", envelope["Subject"].as_str().unwrap_or(""), envelope["Message"])
    })?;
    let m = |name| cloud.metrics().value("AWS/SNS", "invoices", name).unwrap_or(0.0);
    println!(
        "published {}, delivered {}, filtered out {}, failed {}; webhook called {} times",
        m("NumberOfMessagesPublished"),
        m("NumberOfNotificationsDelivered"),
        m("NumberOfNotificationsFilteredOut"),
        m("NumberOfNotificationsFailed"),
        webhook_calls.load(Ordering::SeqCst)
    );
    Ok(())
}

/// Each queue has its own worker: receive, handle, delete.
fn drain(name: &str, q: &Queue, handle: impl Fn(&str) -> String) -> Result<(), localcloud::Error> {
    while let Some(m) = q.try_receive()? {
        println!("{name} worker: {}", handle(m.body_str()));
        q.delete(m.receipt_handle())?;
    }
    Ok(())
}
