//! SDK send, receive and delete through the adapter against the native API.

fn main() {}
