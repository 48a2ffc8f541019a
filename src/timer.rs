//! Timers on the cloud's clock, for code outside the crate whose waits must follow
//! virtual time (such as the AWS SDK adapter's async sleep).

use crate::clock::Timestamp;
use crate::cloud::Cloud;

impl Cloud {
    /// Runs `f` once when the cloud's clock reaches `due`: under a
    /// [`ManualClock`](crate::ManualClock) when [`advance`](Cloud::advance) or
    /// [`run_until_idle`](Cloud::run_until_idle) passes it, under the system clock on a
    /// background worker. `f` must not hold the `Cloud` itself (hold a handle or a
    /// waker), or the cloud's workers keep it alive.
    ///
    /// ```
    /// use localcloud::Cloud;
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// let cloud = Cloud::builder().manual_clock().build();
    /// let rang = Arc::new(AtomicBool::new(false));
    /// let r = rang.clone();
    /// cloud.call_at(cloud.now() + Duration::from_secs(5), move || r.store(true, Ordering::SeqCst));
    /// cloud.advance(Duration::from_secs(4));
    /// assert!(!rang.load(Ordering::SeqCst));
    /// cloud.advance(Duration::from_secs(1));
    /// assert!(rang.load(Ordering::SeqCst));
    /// ```
    pub fn call_at(&self, due: Timestamp, f: impl FnOnce() + Send + 'static) {
        self.inner.scheduler.schedule_at(due, Box::new(f));
    }
}
