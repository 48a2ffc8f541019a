//! Reading a function's partial batch response
//! (`{"batchItemFailures":[{"itemIdentifier":"…"}]}`).

use serde_json::Value;

/// What a batch response says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum BatchVerdict {
    /// Every item succeeded.
    Success,
    /// The whole batch failed (a function error or a malformed response).
    Failed(String),
    /// These items failed (identifiers known to be in the batch, in response order).
    Partial(Vec<String>),
}

/// Reads `payload` as a partial batch response for a batch whose items are `known`.
///
/// AWS's rules: an empty payload, `null`, an object without `batchItemFailures`, or a
/// null or empty list are a success; a payload that is not JSON, a list entry that is
/// not an object, an entry without `itemIdentifier` (a wrong key), or with a null, empty
/// or unknown identifier fail the whole batch.
pub(crate) fn parse_batch_response(payload: &[u8], known: impl Fn(&str) -> bool) -> BatchVerdict {
    if payload.iter().all(u8::is_ascii_whitespace) {
        return BatchVerdict::Success;
    }
    let value: Value = match serde_json::from_slice(payload) {
        Ok(v) => v,
        Err(e) => return BatchVerdict::Failed(format!("the response is not JSON: {e}")),
    };
    let obj = match value {
        Value::Null => return BatchVerdict::Success,
        Value::Object(o) => o,
        other => return BatchVerdict::Failed(format!("the response is not an object: {other}")),
    };
    let list = match obj.get("batchItemFailures") {
        None | Some(Value::Null) => return BatchVerdict::Success,
        Some(Value::Array(a)) => a,
        Some(other) => return BatchVerdict::Failed(format!("batchItemFailures is not a list: {other}")),
    };
    let mut failed = Vec::with_capacity(list.len());
    for entry in list {
        let Some(e) = entry.as_object() else {
            return BatchVerdict::Failed(format!("a batch item failure is not an object: {entry}"));
        };
        let id = match e.get("itemIdentifier") {
            Some(Value::String(s)) if !s.is_empty() => s,
            Some(Value::String(_)) => return BatchVerdict::Failed("an itemIdentifier is empty".into()),
            Some(Value::Null) | None => {
                return BatchVerdict::Failed("a batch item failure has no itemIdentifier".into())
            }
            Some(other) => return BatchVerdict::Failed(format!("an itemIdentifier is not a string: {other}")),
        };
        if !known(id) {
            return BatchVerdict::Failed(format!("itemIdentifier {id:?} is not in the batch"));
        }
        if !failed.contains(id) {
            failed.push(id.clone());
        }
    }
    if failed.is_empty() {
        BatchVerdict::Success
    } else {
        BatchVerdict::Partial(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> BatchVerdict {
        parse_batch_response(s.as_bytes(), |id| id == "a" || id == "b")
    }

    #[test]
    fn empty_null_and_empty_lists_are_success() {
        for s in ["", "  ", "null", "{}", r#"{"batchItemFailures":null}"#, r#"{"batchItemFailures":[]}"#] {
            assert_eq!(parse(s), BatchVerdict::Success, "{s}");
        }
    }

    #[test]
    fn listed_identifiers_fail_alone() {
        let v = parse(r#"{"batchItemFailures":[{"itemIdentifier":"b"},{"itemIdentifier":"b"}]}"#);
        assert_eq!(v, BatchVerdict::Partial(vec!["b".into()]));
    }

    #[test]
    fn malformed_responses_fail_the_whole_batch() {
        for s in [
            "not json",
            "\"ok\"",
            r#"{"batchItemFailures":{}}"#,
            r#"{"batchItemFailures":["a"]}"#,
            r#"{"batchItemFailures":[{"itemIdentifier":""}]}"#,
            r#"{"batchItemFailures":[{"itemIdentifier":null}]}"#,
            r#"{"batchItemFailures":[{"itemId":"a"}]}"#,
            r#"{"batchItemFailures":[{"itemIdentifier":"zzz"}]}"#,
            r#"{"batchItemFailures":[{"itemIdentifier":7}]}"#,
        ] {
            assert!(matches!(parse(s), BatchVerdict::Failed(_)), "{s}");
        }
    }
}
