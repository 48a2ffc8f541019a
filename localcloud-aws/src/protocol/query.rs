//! Query protocol helpers.
