//! The one way a service attaches to a [`Cloud`](crate::Cloud).
//!
//! A service keeps its per-cloud state (its registry of named resources) in a type
//! that implements [`Service`] and [`Default`]; `cloud.service::<T>()` makes it on
//! first use and returns the same `Arc` afterwards. The hub knows no service by type
//! or name: clock moves reach every attached service through [`Service::clock_moved`].
//! Adding a service is a new folder with its registry type, and a `pub mod` line.

use std::any::{Any, TypeId};
use std::sync::Arc;

use parking_lot::RwLock;
use rustc_hash::FxHashMap;

/// A service's per-cloud state, attached to the hub on first use.
pub(crate) trait Service: Send + Sync + 'static {
    /// Called after [`Cloud::advance`](crate::Cloud::advance) moved the clock and ran
    /// the work due on the way, so that anything parked on the old time (long polls)
    /// can look again. Must not block.
    fn clock_moved(&self) {}
}

/// The services attached to one cloud.
#[derive(Default)]
pub(crate) struct Services {
    inner: RwLock<Attached>,
}

#[derive(Default)]
struct Attached {
    by_type: FxHashMap<TypeId, Arc<dyn Any + Send + Sync>>,
    /// The same services in attachment order, for the hooks.
    hooks: Vec<Arc<dyn Service>>,
}

impl Services {
    /// The state of service `T`, made on first use.
    pub(crate) fn get<T: Service + Default>(&self) -> Arc<T> {
        let found = self.inner.read().by_type.get(&TypeId::of::<T>()).cloned();
        let any = match found {
            Some(any) => any,
            None => {
                let mut w = self.inner.write();
                match w.by_type.get(&TypeId::of::<T>()) {
                    Some(any) => Arc::clone(any),
                    None => {
                        let t = Arc::new(T::default());
                        w.hooks.push(Arc::clone(&t) as Arc<dyn Service>);
                        w.by_type.insert(TypeId::of::<T>(), Arc::clone(&t) as Arc<dyn Any + Send + Sync>);
                        t
                    }
                }
            }
        };
        match any.downcast::<T>() {
            Ok(t) => t,
            Err(_) => unreachable!("services are keyed by their own TypeId"),
        }
    }

    /// Tells every attached service that the clock moved (no lock held while they run).
    pub(crate) fn clock_moved(&self) {
        let hooks: Vec<Arc<dyn Service>> = self.inner.read().hooks.clone();
        for s in hooks {
            s.clock_moved();
        }
    }
}
