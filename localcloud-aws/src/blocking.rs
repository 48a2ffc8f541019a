//! Answers that may block (a long poll on the system clock) run on a helper thread,
//! so the caller's async executor stays free while the receive waits.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use parking_lot::Mutex;

#[derive(Default)]
struct Slot {
    answer: Option<HttpResponse>,
    waker: Option<Waker>,
}

/// The future of an answer computed on a helper thread.
pub(crate) struct OffThread(Arc<Mutex<Slot>>);

impl OffThread {
    /// Runs `f` on a new thread; the future resolves to its answer.
    pub(crate) fn spawn(f: impl FnOnce() -> HttpResponse + Send + 'static) -> Self {
        let slot = Arc::new(Mutex::new(Slot::default()));
        let fill = Arc::clone(&slot);
        std::thread::spawn(move || {
            let answer = f();
            let waker = {
                let mut s = fill.lock();
                s.answer = Some(answer);
                s.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        });
        OffThread(slot)
    }
}

impl Future for OffThread {
    type Output = HttpResponse;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<HttpResponse> {
        let mut s = self.0.lock();
        match s.answer.take() {
            Some(a) => Poll::Ready(a),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
