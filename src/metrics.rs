//! Metrics with CloudWatch names, read in-process.
//!
//! Each resource keeps its own counters (under the lock it already holds, so counting
//! costs nothing extra) and registers itself here as a source; reading samples it.

use std::fmt;
use std::sync::{Arc, Weak};

use parking_lot::Mutex;

/// Something that can report its current metric values.
pub(crate) trait MetricSource: Send + Sync {
    /// Appends `(metric name, value)` pairs.
    fn sample(&self, out: &mut Vec<(&'static str, f64)>);
}

struct Registered {
    namespace: &'static str,
    resource: String,
    source: Weak<dyn MetricSource>,
}

/// One metric reading.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricSample {
    /// The CloudWatch namespace, such as `AWS/SQS`.
    pub namespace: &'static str,
    /// The resource's name (queue name, stream name, …).
    pub resource: String,
    /// The CloudWatch metric name, such as `NumberOfMessagesSent`.
    pub name: &'static str,
    /// The value: a running total for counters, the current value for gauges.
    pub value: f64,
}

/// The metrics of every resource in a [`Cloud`](crate::Cloud). Cheap to clone.
///
/// ```
/// use localcloud::{Cloud, QueueConfig};
/// let cloud = Cloud::builder().manual_clock().build();
/// let q = cloud.create_queue("orders", QueueConfig::default()).unwrap();
/// q.send("hi").unwrap();
/// assert_eq!(cloud.metrics().value("AWS/SQS", "orders", "NumberOfMessagesSent"), Some(1.0));
/// ```
#[derive(Clone, Default)]
pub struct Metrics {
    sources: Arc<Mutex<Vec<Registered>>>,
}

impl Metrics {
    /// Registers a resource's metrics, held weakly: they vanish with the resource.
    pub(crate) fn register<S: MetricSource + 'static>(&self, namespace: &'static str, resource: &str, source: &Arc<S>) {
        let source: Weak<dyn MetricSource> = Arc::downgrade(source) as _;
        let mut s = self.sources.lock();
        s.retain(|r| r.source.strong_count() > 0 && !(r.namespace == namespace && r.resource == resource));
        s.push(Registered { namespace, resource: resource.to_owned(), source });
    }

    pub(crate) fn unregister(&self, namespace: &'static str, resource: &str) {
        self.sources.lock().retain(|r| !(r.namespace == namespace && r.resource == resource));
    }

    fn live(&self) -> Vec<(&'static str, String, Arc<dyn MetricSource>)> {
        // Sample outside our lock: sources take their own locks.
        self.sources
            .lock()
            .iter()
            .filter_map(|r| r.source.upgrade().map(|s| (r.namespace, r.resource.clone(), s)))
            .collect()
    }

    /// The current value of one metric of one resource.
    pub fn value(&self, namespace: &str, resource: &str, name: &str) -> Option<f64> {
        self.resource(namespace, resource).into_iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Every metric of one resource, as `(name, value)`.
    pub fn resource(&self, namespace: &str, resource: &str) -> Vec<(&'static str, f64)> {
        let mut out = Vec::new();
        for (ns, res, src) in self.live() {
            if ns == namespace && res == resource {
                src.sample(&mut out);
            }
        }
        out
    }

    /// Every metric of every resource.
    pub fn samples(&self) -> Vec<MetricSample> {
        let mut all = Vec::new();
        let mut buf = Vec::new();
        for (namespace, resource, src) in self.live() {
            buf.clear();
            src.sample(&mut buf);
            all.extend(buf.iter().map(|&(name, value)| MetricSample {
                namespace,
                resource: resource.clone(),
                name,
                value,
            }));
        }
        all
    }
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").field("sources", &self.sources.lock().len()).finish()
    }
}
