//! Driving the cloud from inside a task it runs: the nested call runs the nested
//! due work, and the outer driver goes on; nothing deadlocks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use localcloud::{Cloud, Publish, QueueConfig, Subscription, TopicConfig};

#[test]
fn a_callback_may_call_run_until_idle() {
    // given a topic whose callback publishes again and drives the cloud itself
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let topic = cloud.create_topic("t", TopicConfig::default()).unwrap();
    let q = cloud.create_queue("q", QueueConfig::default()).unwrap();
    topic.subscribe(Subscription::queue(&q).raw_delivery(true)).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (c, t, s) = (cloud.clone(), topic.clone(), seen.clone());
    topic
        .subscribe(Subscription::callback(move |n| {
            s.lock().unwrap().push(n.message().to_owned());
            if n.message() == "first" {
                t.publish(Publish::new("second")).unwrap();
                c.run_until_idle(); // nested: delivers "second" now
                s.lock().unwrap().push("after nested".to_owned());
            }
            Ok(())
        }))
        .unwrap();
    // when
    topic.publish(Publish::new("first")).unwrap();
    cloud.run_until_idle();
    // then the nested call delivered the second message before the first callback ended
    assert_eq!(*seen.lock().unwrap(), vec!["first", "second", "after nested"]);
    assert_eq!(q.stats().visible, 2);
}

#[test]
fn a_callback_may_call_advance_and_time_never_goes_back() {
    // given a callback that moves the clock by a minute
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let topic = cloud.create_topic("t", TopicConfig::default()).unwrap();
    let t0 = cloud.now();
    let at = Arc::new(Mutex::new(None));
    let (c, a) = (cloud.clone(), at.clone());
    topic
        .subscribe(Subscription::callback(move |_| {
            c.advance(Duration::from_secs(60));
            *a.lock().unwrap() = Some(c.now());
            Ok(())
        }))
        .unwrap();
    // when the outer driver advances by only a second
    topic.publish(Publish::new("tick")).unwrap();
    cloud.advance(Duration::from_secs(1));
    // then the nested advance happened, and the outer one did not wind the clock back
    assert_eq!(at.lock().unwrap().map(|t| t - t0), Some(Duration::from_secs(60)));
    assert_eq!(cloud.now() - t0, Duration::from_secs(60));
}
