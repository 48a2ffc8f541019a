//! Fixtures the mapping test files share.
#![allow(dead_code)] // each test file uses its own subset

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use localcloud::{Cloud, FunctionConfig, HandlerError};
use serde_json::Value;

/// Whole seconds.
pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A cloud on a manual clock with a fixed seed.
pub fn cloud() -> Cloud {
    Cloud::builder().manual_clock().seed(1).build()
}

/// The events a recording function received, in order.
pub type Seen = Arc<Mutex<Vec<Value>>>;

/// A function that records every event and answers with `answer(event)`.
pub fn recording(
    cloud: &Cloud,
    name: &str,
    answer: impl Fn(&Value) -> Result<String, HandlerError> + Send + Sync + 'static,
) -> Seen {
    let seen: Seen = Arc::default();
    let s = Arc::clone(&seen);
    cloud
        .functions()
        .create_function(name, FunctionConfig::default(), move |_, event: Bytes| {
            let v: Value = serde_json::from_slice(&event).unwrap();
            s.lock().unwrap().push(v.clone());
            answer(&v).map(Bytes::from)
        })
        .unwrap();
    seen
}
