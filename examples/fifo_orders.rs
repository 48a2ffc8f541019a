//! Orders per customer on a FIFO queue: each customer's orders are handled in the
//! order they were placed, customers are handled side by side, and a retried send
//! is deduplicated.
//!
//! Each customer is a message group, so a worker never sees a customer's second
//! order while the first is still being handled. The checkout service retries a send
//! after a (pretend) timeout; with content-based deduplication the retry within five
//! minutes returns the original message id and adds nothing. Everything runs on a
//! manual clock, so the program finishes at once.
//!
//! Run with `cargo run --example fifo_orders`.

use std::time::Duration;

use localcloud::{Cloud, OutgoingMessage, QueueConfig, ReceiveOptions, ReceivedMessage};

fn show(worker: &str, batch: &[ReceivedMessage]) {
    for m in batch {
        println!("{worker}  handles {:<30} (customer {})", m.body_str(), m.group_id().unwrap_or("?"));
    }
}

fn main() -> Result<(), localcloud::Error> {
    let cloud = Cloud::builder().manual_clock().seed(7).build();
    let orders = cloud.create_queue(
        "orders.fifo",
        QueueConfig::fifo().content_based_deduplication(true).visibility_timeout(Duration::from_secs(60)),
    )?;

    let placed = [
        ("ada", "ada #1: 2 notebooks"),
        ("bob", "bob #1: 1 lamp"),
        ("ada", "ada #2: cancel the notebooks"),
        ("cy", "cy #1: 3 pens"),
        ("bob", "bob #2: add a bulb"),
        ("ada", "ada #3: 1 notebook after all"),
    ];
    for (customer, order) in placed {
        let r = orders.send_message(OutgoingMessage::new(order).group_id(customer))?;
        println!("sent     {order:<30} id {} seq {}", r.message_id(), r.sequence_number().unwrap_or_default());
    }

    // The checkout service timed out waiting for an answer and sends "bob #2" again.
    cloud.advance(Duration::from_secs(2));
    let retry = orders.send_message(OutgoingMessage::new("bob #2: add a bulb").group_id("bob"))?;
    println!("retried  {:<30} id {} (the original's: deduplicated)", "bob #2: add a bulb", retry.message_id());
    println!("queue holds {} orders", orders.stats().total());

    // Worker A takes one order; it is ada's first.
    let a = orders.receive(ReceiveOptions::new().max_messages(1))?;
    show("worker A", &a);
    // Worker B asks for up to ten. ada is locked while her first order is in flight,
    // so B gets the other customers' orders, each customer's in order.
    let b = orders.receive(ReceiveOptions::new().max_messages(10))?;
    show("worker B", &b);
    let again = orders.receive(ReceiveOptions::new().max_messages(10))?;
    println!("worker B  asks again and gets {} orders: every customer is locked", again.len());

    for m in a.iter().chain(&b) {
        orders.delete(m.receipt_handle())?;
    }
    // ada's first order is done: her next two come out together, still in order.
    let a = orders.receive(ReceiveOptions::new().max_messages(10))?;
    show("worker A", &a);
    for m in &a {
        orders.delete(m.receipt_handle())?;
    }
    println!("all orders handled; queue holds {}", orders.stats().total());
    Ok(())
}
