//! The main job in a minute: a queue with a dead-letter queue, on a virtual clock.
//!
//! A worker processes orders. One order is poison: the worker fails on it every
//! time and never deletes it. After its visibility timeout it comes back; on the
//! receive that would exceed the redrive policy's maximum it moves to the
//! dead-letter queue instead, where an operator finds it. Then a move task sends it
//! back. Time is a `ManualClock`, so the whole story runs in microseconds.
//!
//! Run with `cargo run --example quickstart`.

use std::time::Duration;

use localcloud::{AttributeValue, Cloud, OutgoingMessage, QueueConfig, ReceiveOptions, RedrivePolicy};

fn main() -> Result<(), localcloud::Error> {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let dlq = cloud.create_queue("orders-dlq", QueueConfig::default())?;
    let orders = cloud.create_queue(
        "orders",
        QueueConfig::default().visibility_timeout(Duration::from_secs(30)).redrive(RedrivePolicy::new(&dlq, 3)),
    )?;
    println!("created {} with dead-letter queue {}", orders.arn(), dlq.arn());

    for (n, body) in ["order 1: 2 books", "order 2: POISON", "order 3: 1 lamp"].iter().enumerate() {
        let sent = orders
            .send_message(OutgoingMessage::new(*body).attribute("order", AttributeValue::number(n.to_string())))?;
        println!("sent {body:?} as {}", sent.message_id());
    }

    // The worker: deletes what it processes, gives up silently on poison.
    let mut round = 0;
    while orders.stats().total() > 0 {
        round += 1;
        let batch = orders.receive(ReceiveOptions::new().max_messages(10))?;
        for m in &batch {
            if m.body_str().contains("POISON") {
                println!(
                    "[{}] round {round}: failed on {:?} (receive #{}), leaving it",
                    cloud.now(),
                    m.body_str(),
                    m.receive_count()
                );
            } else {
                orders.delete(m.receipt_handle())?;
                println!("[{}] round {round}: processed {:?}", cloud.now(), m.body_str());
            }
        }
        if batch.is_empty() {
            println!(
                "[{}] round {round}: nothing returned; dead-letter queue now holds {}",
                cloud.now(),
                dlq.stats().total()
            );
        }
        // Let the visibility timeout run out.
        cloud.advance(Duration::from_secs(30));
    }

    let dead = dlq.try_receive()?.expect("the poison order is in the dead-letter queue");
    let from = dead.system_attributes().dead_letter_queue_source_arn.unwrap_or_default();
    println!("[{}] dead-letter queue holds {:?}, moved from {from}", cloud.now(), dead.body_str());
    dlq.change_visibility(dead.receipt_handle(), Duration::ZERO)?;

    // After a fix, send it back to its source with a move task.
    let task = cloud.start_message_move_task(&dlq, None)?;
    cloud.run_until_idle();
    println!("move task {:?}: {} message(s) moved back", task.status(), task.moved());
    let back = orders.try_receive()?.expect("the order is back");
    println!("back in orders: {:?}, receive count starts again at {}", back.body_str(), back.receive_count());
    orders.delete(back.receipt_handle())?;

    let m = cloud.metrics();
    println!(
        "metrics: sent {:?}, received {:?}, deleted {:?}",
        m.value("AWS/SQS", "orders", "NumberOfMessagesSent"),
        m.value("AWS/SQS", "orders", "NumberOfMessagesReceived"),
        m.value("AWS/SQS", "orders", "NumberOfMessagesDeleted"),
    );
    Ok(())
}
