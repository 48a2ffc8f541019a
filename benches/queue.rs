//! Queue benchmarks (placeholder until the queue bench lands).
fn main() {}
