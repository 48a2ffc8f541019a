//! Batch get / write (limits, duplicates, unprocessed items under throttling) and
//! transactions (all or nothing, per-item cancellation reasons).

use std::time::Duration;

use localcloud::table::{
    Condition, EventName, Key, StreamViewType, TableConfig, TransactGet, TransactWrite, Update, WriteRequest,
};
use localcloud::{item, Cloud, Item, Table};

fn cloud(throttling: bool) -> Cloud {
    Cloud::builder().manual_clock().seed(1).throttling(throttling).build()
}

fn table(c: &Cloud, name: &str) -> Table {
    c.create_table(name, TableConfig::new(Key::string("id")).stream(StreamViewType::NewAndOldImages).throughput(2, 2))
        .unwrap()
}

fn puts(n: usize) -> Vec<WriteRequest> {
    (0..n).map(|i| WriteRequest::Put(item! {"id" => format!("k{i:02}")})).collect()
}

fn keys(n: usize) -> Vec<Item> {
    (0..n).map(|i| item! {"id" => format!("k{i:02}")}).collect()
}

#[test]
fn batch_write_applies_puts_and_deletes() {
    let c = cloud(false);
    let t = table(&c, "tbl");
    assert!(t.batch_write(puts(25)).unwrap().unprocessed_items().is_empty());
    assert_eq!(t.item_count(), 25);
    t.batch_write(vec![WriteRequest::Delete(item! {"id" => "k00"})]).unwrap();
    assert_eq!(t.item_count(), 24);
    assert_eq!(t.stream().unwrap().read_all().unwrap().len(), 26);
}

#[test]
fn batch_limits_are_25_writes_and_100_gets() {
    let c = cloud(false);
    let t = table(&c, "tbl");
    assert_eq!(t.batch_write(puts(26)).unwrap_err().code(), "ValidationException");
    assert_eq!(t.batch_write(vec![]).unwrap_err().code(), "ValidationException");
    assert_eq!(t.batch_get(keys(101)).unwrap_err().code(), "ValidationException");
    assert_eq!(t.batch_get(keys(100)).unwrap().items().len(), 0);
}

#[test]
fn duplicate_keys_in_a_batch_are_rejected_and_change_nothing() {
    let c = cloud(false);
    let t = table(&c, "tbl");
    let reqs = vec![WriteRequest::Put(item! {"id" => "a"}), WriteRequest::Delete(item! {"id" => "a"})];
    assert_eq!(t.batch_write(reqs).unwrap_err().code(), "ValidationException");
    assert_eq!(t.item_count(), 0);
    assert_eq!(t.batch_get(vec![item! {"id" => "a"}, item! {"id" => "a"}]).unwrap_err().code(), "ValidationException");
}

#[test]
fn batch_get_returns_found_items() {
    let c = cloud(false);
    let t = table(&c, "tbl");
    t.batch_write(puts(3)).unwrap();
    let out = t.batch_get(vec![item! {"id" => "k01"}, item! {"id" => "zz"}]).unwrap();
    assert_eq!(out.items(), &[item! {"id" => "k01"}]);
}

#[test]
fn under_throttling_a_batch_returns_unprocessed_items_to_retry() {
    let c = cloud(true);
    let t = table(&c, "tbl"); // 2 WCU/s: 2 small writes; 2 RCU/s: 4 small eventually consistent reads
    let out = t.batch_write(puts(5)).unwrap();
    assert_eq!(out.unprocessed_items().len(), 3);
    assert_eq!(t.item_count(), 2);
    let mut pending = out.unprocessed_items().to_vec();
    while !pending.is_empty() {
        c.advance(Duration::from_secs(1));
        pending = t.batch_write(pending).unwrap().unprocessed_items().to_vec();
    }
    assert_eq!(t.item_count(), 5);
    c.advance(Duration::from_secs(1));
    let got = t.batch_get(keys(5)).unwrap();
    assert_eq!((got.items().len(), got.unprocessed_keys().len()), (4, 1));
    assert_eq!(t.get_item(&item! {"id" => "k00"}).unwrap_err().code(), "ProvisionedThroughputExceededException");
}

#[test]
fn a_transaction_applies_every_write_across_tables() {
    let c = cloud(false);
    let a = table(&c, "accounts");
    let l = table(&c, "ledger");
    a.put_item(item! {"id" => "alice", "balance" => 100}, None).unwrap();
    c.transact_write_items(vec![
        TransactWrite::update(&a, item! {"id" => "alice"}, Update::add("balance", -30))
            .condition(Condition::ge("balance", 30)),
        TransactWrite::put(&l, item! {"id" => "tx1", "amount" => 30}).condition(Condition::attribute_not_exists("id")),
        TransactWrite::condition_check(&l, item! {"id" => "frozen"}, Condition::attribute_not_exists("id")),
    ])
    .unwrap();
    assert_eq!(a.get_item(&item! {"id" => "alice"}).unwrap().unwrap()["balance"], 70.into());
    assert!(l.get_item(&item! {"id" => "tx1"}).unwrap().is_some());
    let got = c
        .transact_get_items(vec![
            TransactGet::new(&a, item! {"id" => "alice"}),
            TransactGet::new(&l, item! {"id" => "nope"}),
        ])
        .unwrap();
    assert!(got[0].is_some() && got[1].is_none());
}

#[test]
fn a_cancelled_transaction_changes_nothing_and_gives_a_reason_per_item() {
    let c = cloud(false);
    let a = table(&c, "accounts");
    a.put_item(item! {"id" => "alice", "balance" => 10, "name" => "x"}, None).unwrap();
    let err = c
        .transact_write_items(vec![
            TransactWrite::put(&a, item! {"id" => "bob"}),
            TransactWrite::update(&a, item! {"id" => "alice"}, Update::add("balance", -30))
                .condition(Condition::ge("balance", 30)),
            TransactWrite::update(&a, item! {"id" => "carol"}, Update::remove("x").increment("missing", 1)),
        ])
        .unwrap_err();
    assert_eq!(err.code(), "TransactionCanceledException");
    let codes: Vec<&str> = err.cancellation_reasons().iter().map(|r| r.code()).collect();
    assert_eq!(codes, ["None", "ConditionalCheckFailed", "ValidationError"]);
    assert_eq!(a.item_count(), 1);
    assert_eq!(names(&a), [EventName::Insert]);
}

fn names(t: &Table) -> Vec<EventName> {
    t.stream().unwrap().read_all().unwrap().iter().map(|r| r.event_name()).collect()
}

#[test]
fn transaction_validation_errors() {
    let c = cloud(false);
    let a = table(&c, "accounts");
    let too_many: Vec<TransactWrite> =
        (0..101).map(|i| TransactWrite::put(&a, item! {"id" => format!("{i}")})).collect();
    assert_eq!(c.transact_write_items(too_many).unwrap_err().code(), "ValidationException");
    let twice = vec![TransactWrite::put(&a, item! {"id" => "x"}), TransactWrite::delete(&a, item! {"id" => "x"})];
    assert_eq!(c.transact_write_items(twice).unwrap_err().code(), "ValidationException");
    let hundred: Vec<TransactWrite> =
        (0..100).map(|i| TransactWrite::put(&a, item! {"id" => format!("{i}")})).collect();
    c.transact_write_items(hundred).unwrap();
    assert_eq!(a.item_count(), 100);
    c.delete_table("accounts").unwrap();
    let gone = vec![TransactWrite::put(&a, item! {"id" => "x"})];
    assert_eq!(c.transact_write_items(gone).unwrap_err().code(), "ResourceNotFoundException");
}
