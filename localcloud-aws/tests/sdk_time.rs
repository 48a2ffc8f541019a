//! The SDK's clock and sleep follow the cloud's manual clock.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use aws_smithy_async::rt::sleep::AsyncSleep;
use localcloud::Cloud;

#[test]
fn sdk_sleep_completes_when_the_manual_clock_passes_its_deadline() {
    let cloud = Cloud::builder().manual_clock().build();
    let conf = localcloud_aws::sdk_config(&cloud);
    let sleep = conf.sleep_impl().unwrap();
    let mut fut = pin!(sleep.sleep(Duration::from_secs(5)));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(fut.as_mut().poll(&mut cx).is_pending());
    cloud.advance(Duration::from_secs(4));
    assert!(fut.as_mut().poll(&mut cx).is_pending());
    cloud.advance(Duration::from_secs(1));
    assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(()));
}

#[test]
fn sdk_time_source_reads_the_cloud_clock_and_retries_are_off_on_a_manual_clock() {
    let cloud = Cloud::builder().manual_clock().build();
    let conf = localcloud_aws::sdk_config(&cloud);
    let t0 = conf.time_source().unwrap().now();
    cloud.advance(Duration::from_secs(90));
    assert_eq!(conf.time_source().unwrap().now().duration_since(t0).unwrap(), Duration::from_secs(90));
    assert_eq!(conf.retry_config().unwrap().max_attempts(), 1);
    assert_eq!(conf.region().unwrap().as_ref(), "us-east-1");
}
