//! The SDK's time source and async sleep, both on the cloud's clock.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime};

use aws_smithy_async::rt::sleep::{AsyncSleep, Sleep};
use aws_smithy_async::time::TimeSource;
use localcloud::Cloud;
use parking_lot::Mutex;

/// The SDK's [`TimeSource`] reading the cloud's clock: request signatures, retry
/// budgets and credential expiry follow virtual time.
#[derive(Clone, Debug)]
pub struct CloudTimeSource {
    cloud: Cloud,
}

impl CloudTimeSource {
    /// A time source reading `cloud`'s clock.
    pub fn new(cloud: &Cloud) -> Self {
        CloudTimeSource { cloud: cloud.clone() }
    }
}

impl TimeSource for CloudTimeSource {
    fn now(&self) -> SystemTime {
        self.cloud.now().to_system_time()
    }
}

/// The SDK's [`AsyncSleep`] on the cloud's clock: a sleep completes when the cloud's
/// clock reaches its deadline. Under a [`ManualClock`](localcloud::ManualClock) that is
/// when the test calls `cloud.advance(..)` past it; nothing moves time on its own,
/// which is why [`sdk_config`](crate::sdk_config) turns SDK retries off on a manual
/// clock (a retry would wait for a clock nobody moves).
#[derive(Clone, Debug)]
pub struct CloudSleep {
    cloud: Cloud,
}

impl CloudSleep {
    /// A sleep implementation on `cloud`'s clock.
    pub fn new(cloud: &Cloud) -> Self {
        CloudSleep { cloud: cloud.clone() }
    }
}

#[derive(Default)]
struct Alarm {
    rang: bool,
    waker: Option<Waker>,
}

struct AlarmFuture(Arc<Mutex<Alarm>>);

impl Future for AlarmFuture {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut a = self.0.lock();
        if a.rang {
            Poll::Ready(())
        } else {
            a.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

impl AsyncSleep for CloudSleep {
    fn sleep(&self, duration: Duration) -> Sleep {
        let alarm = Arc::new(Mutex::new(Alarm::default()));
        if duration.is_zero() {
            alarm.lock().rang = true;
        } else {
            let ring = Arc::clone(&alarm);
            self.cloud.call_at(self.cloud.now() + duration, move || {
                let waker = {
                    let mut a = ring.lock();
                    a.rang = true;
                    a.waker.take()
                };
                if let Some(w) = waker {
                    w.wake();
                }
            });
        }
        Sleep::new(AlarmFuture(alarm))
    }
}
