//! Capacity units as DynamoDB bills them, read through the table's CloudWatch metrics,
//! and the throttling budget in those units: one test per billing rule.

use std::time::Duration;

use localcloud::table::{
    item_size, Condition, Key, KeyCondition, Query, ReadConsistency, Scan, TableConfig, TransactGet, TransactWrite,
    Update, WriteRequest, DEFAULT_WRITE_CAPACITY,
};
use localcloud::{item, Cloud, Item, Table};

fn cloud(throttling: bool) -> Cloud {
    Cloud::builder().manual_clock().seed(1).throttling(throttling).build()
}

fn table(c: &Cloud, config: TableConfig) -> Table {
    c.create_table("tbl", config).unwrap()
}

fn by_id() -> TableConfig {
    TableConfig::new(Key::string("id"))
}

fn by_id_and_sk() -> TableConfig {
    TableConfig::new(Key::string("id")).sort_key(Key::string("sk"))
}

/// An item keyed `id` whose billed size is exactly `bytes`.
fn sized(id: &str, bytes: usize) -> Item {
    let it = item! {"id" => id, "blob" => "x".repeat(bytes - 2 - id.len() - 4)};
    assert_eq!(item_size(&it), bytes);
    it
}

/// An item keyed (`id` = "p", `sk`) whose billed size is exactly `bytes`.
fn sized_sk(sk: &str, bytes: usize) -> Item {
    let it = item! {"id" => "p", "sk" => sk, "blob" => "x".repeat(bytes - 3 - 2 - sk.len() - 4)};
    assert_eq!(item_size(&it), bytes);
    it
}

fn metric(c: &Cloud, name: &str) -> f64 {
    c.metrics().value("AWS/DynamoDB", "tbl", name).unwrap()
}

fn wcu(c: &Cloud) -> f64 {
    metric(c, "ConsumedWriteCapacityUnits")
}

fn rcu(c: &Cloud) -> f64 {
    metric(c, "ConsumedReadCapacityUnits")
}

#[test]
fn a_write_consumes_one_wcu_per_started_kilobyte() {
    let c = cloud(false);
    let t = table(&c, by_id());
    t.put_item(sized("a", 1024), None).unwrap();
    assert_eq!(wcu(&c), 1.0);
    t.put_item(sized("b", 1025), None).unwrap();
    assert_eq!(wcu(&c), 3.0);
    t.put_item(sized("c", 10), None).unwrap();
    assert_eq!(wcu(&c), 4.0, "a tiny item pays the minimum of 1 WCU");
}

#[test]
fn put_update_and_delete_pay_for_the_larger_of_the_item_before_and_after() {
    let c = cloud(false);
    let t = table(&c, by_id());
    t.put_item(sized("a", 3000), None).unwrap(); // 3 WCU
    t.put_item(item! {"id" => "a"}, None).unwrap(); // replaces 3000 bytes: 3 WCU
    assert_eq!(wcu(&c), 6.0);
    t.update_item(&item! {"id" => "a"}, Update::set("blob", "x".repeat(2000)), None).unwrap(); // grows to ~2 KB: 2 WCU
    assert_eq!(wcu(&c), 8.0);
    t.delete_item(&item! {"id" => "a"}, None).unwrap(); // deletes ~2 KB: 2 WCU
    assert_eq!(wcu(&c), 10.0);
    t.delete_item(&item! {"id" => "a"}, None).unwrap(); // nothing there: the minimum
    assert_eq!(wcu(&c), 11.0);
}

#[test]
fn a_failed_conditional_write_still_consumes_write_capacity() {
    let c = cloud(false);
    let t = table(&c, by_id());
    t.put_item(sized("a", 2048), None).unwrap(); // 2 WCU
    let absent = || Condition::attribute_not_exists("id");
    let err = t.put_item(item! {"id" => "a"}, absent()).unwrap_err();
    assert_eq!(err.code(), "ConditionalCheckFailedException");
    let err = t.update_item(&item! {"id" => "a"}, Update::set("n", 1), absent()).unwrap_err();
    assert_eq!(err.code(), "ConditionalCheckFailedException");
    let err = t.delete_item(&item! {"id" => "zz"}, Condition::attribute_exists("id")).unwrap_err();
    assert_eq!(err.code(), "ConditionalCheckFailedException");
    // 2 + 2 (the 2 KB item) + 2 (the 2 KB item) + 1 (a missing item, the minimum)
    assert_eq!(wcu(&c), 7.0);
    assert_eq!(metric(&c, "ConditionalCheckFailedRequests"), 3.0);
    assert_eq!(t.get_item(&item! {"id" => "a"}).unwrap().unwrap(), sized("a", 2048), "nothing changed");
}

#[test]
fn a_strongly_consistent_read_consumes_one_rcu_per_started_4_kb() {
    let c = cloud(false);
    let t = table(&c, by_id().read_consistency(ReadConsistency::Strong));
    t.put_item(sized("a", 4096), None).unwrap();
    t.put_item(sized("b", 4097), None).unwrap();
    t.get_item(&item! {"id" => "a"}).unwrap();
    assert_eq!(rcu(&c), 1.0);
    t.get_item(&item! {"id" => "b"}).unwrap();
    assert_eq!(rcu(&c), 3.0);
}

#[test]
fn an_eventually_consistent_read_consumes_half_as_much_and_is_the_default() {
    let c = cloud(false);
    let t = table(&c, by_id());
    t.put_item(sized("a", 100), None).unwrap();
    t.put_item(sized("b", 4097), None).unwrap();
    t.get_item(&item! {"id" => "a"}).unwrap();
    assert_eq!(rcu(&c), 0.5);
    t.get_item(&item! {"id" => "b"}).unwrap();
    assert_eq!(rcu(&c), 1.5);
}

#[test]
fn reading_a_missing_item_still_costs_the_minimum() {
    let c = cloud(false);
    let t = table(&c, by_id());
    assert!(t.get_item(&item! {"id" => "nope"}).unwrap().is_none());
    assert_eq!(rcu(&c), 0.5);
    let c2 = cloud(false);
    let strong = table(&c2, by_id().read_consistency(ReadConsistency::Strong));
    assert!(strong.get_item(&item! {"id" => "nope"}).unwrap().is_none());
    assert_eq!(rcu(&c2), 1.0);
}

#[test]
fn transactional_reads_and_writes_cost_twice() {
    let c = cloud(false);
    let t = table(&c, by_id());
    c.transact_write_items(vec![
        TransactWrite::put(&t, sized("a", 1500)), // 2 KB: 2 x 2
        TransactWrite::condition_check(&t, item! {"id" => "zz"}, Condition::attribute_not_exists("id")), // 2 x 1
    ])
    .unwrap();
    assert_eq!(wcu(&c), 6.0);
    t.put_item(sized("b", 5000), None).unwrap(); // 5 WCU
    let got = c
        .transact_get_items(vec![TransactGet::new(&t, item! {"id" => "b"}), TransactGet::new(&t, item! {"id" => "zz"})])
        .unwrap();
    assert!(got[0].is_some() && got[1].is_none());
    // 5000 bytes: 2 x 2 RCU; the missing item: 2 x 1 RCU (never halved)
    assert_eq!(rcu(&c), 6.0);
}

#[test]
fn a_cancelled_transaction_consumes_nothing() {
    let c = cloud(false);
    let t = table(&c, by_id());
    let err = c
        .transact_write_items(vec![TransactWrite::condition_check(
            &t,
            item! {"id" => "zz"},
            Condition::attribute_exists("id"),
        )])
        .unwrap_err();
    assert_eq!(err.code(), "TransactionCanceledException");
    assert_eq!(wcu(&c), 0.0);
}

/// Ten 1 KB items in partition "p": 10,240 bytes, three 4 KB blocks together.
fn ten_kilobyte_items(c: &Cloud, config: TableConfig) -> Table {
    let t = table(c, config);
    for i in 0..10 {
        t.put_item(sized_sk(&format!("{i:02}"), 1024), None).unwrap();
    }
    t
}

#[test]
fn a_query_pays_for_the_total_size_it_reads_before_the_filter() {
    let c = cloud(false);
    let t = ten_kilobyte_items(&c, by_id_and_sk());
    let page = t.query(KeyCondition::eq("id", "p")).unwrap();
    assert_eq!(page.count(), 10);
    assert_eq!(rcu(&c), 1.5, "3 blocks of 4 KB, halved; not 10 items at 0.5 each");
    let filtered = t.query(Query::new(KeyCondition::eq("id", "p")).filter(Condition::eq("blob", "nope"))).unwrap();
    assert_eq!((filtered.count(), filtered.scanned_count()), (0, 10));
    assert_eq!(rcu(&c), 3.0, "the filter does not lower the charge");
    t.query(KeyCondition::eq("id", "empty")).unwrap();
    assert_eq!(rcu(&c), 3.5, "a query that finds nothing pays the minimum");
}

#[test]
fn a_scan_pays_per_page_on_the_size_each_page_reads() {
    let c = cloud(false);
    let t = ten_kilobyte_items(&c, by_id_and_sk());
    t.scan_with(Scan::new().filter(Condition::eq("blob", "nope"))).unwrap();
    assert_eq!(rcu(&c), 1.5);
    // pages of 3, 3, 3 and 1 items: each rounds up to 4 KB on its own
    let mut pages = 0;
    let mut start = None;
    loop {
        let scan = match start.take() {
            Some(k) => Scan::new().limit(3).exclusive_start_key(k),
            None => Scan::new().limit(3),
        };
        let page = t.scan_with(scan).unwrap();
        pages += 1;
        match page.last_evaluated_key() {
            Some(k) => start = Some(k.clone()),
            None => break,
        }
    }
    assert_eq!(pages, 4);
    assert_eq!(rcu(&c), 1.5 + 4.0 * 0.5);
}

#[test]
fn batch_get_charges_each_item_separately() {
    let c = cloud(false);
    let t = table(&c, by_id().read_consistency(ReadConsistency::Strong));
    t.put_item(sized("a", 1536), None).unwrap();
    t.put_item(sized("b", 6656), None).unwrap();
    let out = t.batch_get(vec![item! {"id" => "a"}, item! {"id" => "b"}, item! {"id" => "zz"}]).unwrap();
    assert_eq!(out.items().len(), 2);
    // 1.5 KB rounds to 4 KB, 6.5 KB to 8 KB: 3 RCU, not the 2 of 8 KB together; the
    // missing key pays 1 more
    assert_eq!(rcu(&c), 4.0);
}

#[test]
fn batch_write_charges_each_request_separately() {
    let c = cloud(false);
    let t = table(&c, by_id());
    let out = t
        .batch_write(vec![
            WriteRequest::Put(sized("a", 1500)),
            WriteRequest::Put(sized("b", 1500)),
            WriteRequest::Delete(item! {"id" => "zz"}),
        ])
        .unwrap();
    assert!(out.unprocessed_items().is_empty());
    assert_eq!(wcu(&c), 2.0 + 2.0 + 1.0);
}

#[test]
fn the_throttling_budget_is_capacity_units_per_second() {
    let c = cloud(true);
    let t = table(&c, by_id().throughput(10, 5));
    t.put_item(sized("a", 3000), None).unwrap(); // 3 of 5 WCU
    let err = t.put_item(sized("b", 3000), None).unwrap_err(); // 3 more would be 6
    assert_eq!(err.code(), "ProvisionedThroughputExceededException");
    t.put_item(sized("c", 2000), None).unwrap(); // 2 more fit exactly
    assert_eq!((wcu(&c), metric(&c, "ThrottledRequests")), (5.0, 1.0), "a refused call consumes nothing");
    c.advance(Duration::from_secs(1));
    t.put_item(sized("b", 3000), None).unwrap();
    assert_eq!(t.item_count(), 3);
}

#[test]
fn an_item_larger_than_the_budget_goes_through_alone_in_its_second() {
    let c = cloud(true);
    let t = table(&c, by_id().throughput(1, 1));
    t.put_item(sized("big", 3000), None).unwrap();
    assert_eq!(t.put_item(sized("a", 10), None).unwrap_err().code(), "ProvisionedThroughputExceededException");
    c.advance(Duration::from_secs(1));
    t.put_item(sized("a", 10), None).unwrap();
    assert_eq!(wcu(&c), 4.0);
}

#[test]
fn a_batch_write_past_the_budget_returns_unprocessed_items_then_fails_when_none_fit() {
    let c = cloud(true);
    let t = table(&c, by_id().throughput(10, 5));
    let reqs: Vec<WriteRequest> = ["a", "b", "c"].iter().map(|id| WriteRequest::Put(sized(id, 2000))).collect();
    let out = t.batch_write(reqs).unwrap(); // 2 + 2 fit, a third 2 would make 6
    assert_eq!(out.unprocessed_items(), &[WriteRequest::Put(sized("c", 2000))]);
    assert_eq!(t.item_count(), 2);
    let err = t.batch_write(out.unprocessed_items().to_vec()).unwrap_err();
    assert_eq!(err.code(), "ProvisionedThroughputExceededException");
    assert_eq!(metric(&c, "ThrottledRequests"), 2.0);
    c.advance(Duration::from_secs(1));
    assert!(t.batch_write(out.unprocessed_items().to_vec()).unwrap().unprocessed_items().is_empty());
    assert_eq!((t.item_count(), wcu(&c)), (3, 6.0));
}

#[test]
fn a_batch_get_past_the_budget_returns_unprocessed_keys() {
    let c = cloud(true);
    let t = table(&c, by_id().throughput(1, 100));
    for id in ["a", "b", "c"] {
        t.put_item(sized(id, 100), None).unwrap();
    }
    // 1 RCU a second: two small eventually consistent reads
    let keys: Vec<Item> = ["a", "b", "c"].iter().map(|id| item! {"id" => *id}).collect();
    let out = t.batch_get(keys).unwrap();
    assert_eq!((out.items().len(), out.unprocessed_keys()), (2, &[item! {"id" => "c"}][..]));
    assert_eq!((rcu(&c), metric(&c, "ThrottledRequests")), (1.0, 1.0));
}

#[test]
fn a_query_past_the_budget_is_refused() {
    let c = cloud(true);
    let t = ten_kilobyte_items(&c, by_id_and_sk().throughput(1, 100));
    t.query(KeyCondition::eq("id", "p")).unwrap(); // 1.5 RCU, alone in its second
    let err = t.query(KeyCondition::eq("id", "p")).unwrap_err();
    assert_eq!(err.code(), "ProvisionedThroughputExceededException");
    assert_eq!(t.scan().unwrap_err().code(), "ProvisionedThroughputExceededException");
    assert_eq!((rcu(&c), metric(&c, "ThrottledRequests"), metric(&c, "ReturnedItemCount")), (1.5, 2.0, 10.0));
}

#[test]
fn a_transaction_past_the_budget_is_cancelled_with_provisioned_throughput_exceeded() {
    let c = cloud(true);
    let t = table(&c, by_id().throughput(10, 3));
    c.transact_write_items(vec![TransactWrite::put(&t, sized("a", 10))]).unwrap(); // 2 of 3 WCU
    let err = c.transact_write_items(vec![TransactWrite::put(&t, sized("b", 10))]).unwrap_err();
    assert_eq!(err.code(), "TransactionCanceledException");
    assert_eq!(err.cancellation_reasons()[0].code(), "ProvisionedThroughputExceeded");
    assert_eq!((t.item_count(), wcu(&c), metric(&c, "ThrottledRequests")), (1, 2.0, 1.0));
}

#[test]
fn the_default_budget_is_a_partitions_1000_wcu() {
    let c = cloud(true);
    let t = table(&c, by_id());
    for i in 0..DEFAULT_WRITE_CAPACITY {
        t.put_item(item! {"id" => format!("k{i}")}, None).unwrap();
    }
    let err = t.put_item(item! {"id" => "one-more"}, None).unwrap_err();
    assert_eq!(err.code(), "ProvisionedThroughputExceededException");
    assert_eq!(wcu(&c), 1000.0);
}

#[test]
fn ttl_deletes_consume_no_write_capacity() {
    let c = cloud(false);
    let t = table(&c, by_id().ttl_attribute("exp"));
    t.put_item(item! {"id" => "a", "exp" => 0}, None).unwrap();
    c.advance(Duration::from_secs(60));
    assert_eq!(t.item_count(), 0);
    assert_eq!(wcu(&c), 1.0);
}

#[test]
fn the_budget_window_is_a_second_of_the_clock() {
    let c = cloud(true);
    let t = table(&c, by_id().throughput(10, 1));
    t.put_item(sized("a", 10), None).unwrap();
    c.advance(Duration::from_millis(999));
    assert_eq!(t.put_item(sized("b", 10), None).unwrap_err().code(), "ProvisionedThroughputExceededException");
    c.advance(Duration::from_millis(1));
    t.put_item(sized("b", 10), None).unwrap();
    assert_eq!(wcu(&c), 2.0);
}

#[test]
fn a_write_that_cannot_apply_consumes_nothing() {
    let c = cloud(false);
    let t = table(&c, by_id());
    t.put_item(sized("a", 10), None).unwrap();
    let err = t.update_item(&item! {"id" => "a"}, Update::set("n", 1).list_append("l", vec![1.into()]), None);
    assert_eq!(err.unwrap_err().code(), "ValidationException");
    assert_eq!(wcu(&c), 1.0, "only the put");
}

#[test]
fn an_update_that_only_removes_from_a_missing_item_pays_the_minimum_and_writes_nothing() {
    let c = cloud(false);
    let t = table(&c, by_id());
    t.update_item(&item! {"id" => "a"}, Update::remove("n"), None).unwrap();
    assert_eq!(wcu(&c), 1.0);
    assert_eq!(t.item_count(), 0);
}
