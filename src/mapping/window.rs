//! Tumbling windows for stream mappings: records grouped by arrival into fixed windows
//! aligned to the epoch; the function's returned `state` is handed to the next invoke
//! of the same window, and once the window has ended a last invoke with no records
//! and `isFinalInvokeForWindow: true` delivers the final state.

use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::clock::Timestamp;

/// The window of one invoke.
#[derive(Clone, Debug)]
pub(crate) struct WindowCall {
    pub(crate) start: Timestamp,
    pub(crate) end: Timestamp,
    pub(crate) state: Value,
    pub(crate) is_final: bool,
}

/// The start of the window `t` falls in.
pub(crate) fn window_of(t: Timestamp, length: Duration) -> Timestamp {
    let len = length.as_nanos().max(1) as u64;
    Timestamp::from_nanos(t.as_nanos() / len * len)
}

/// The event of a tumbling-window invoke: the records plus the window's properties.
pub(crate) fn envelope<'a>(
    records: impl IntoIterator<Item = &'a str>,
    call: &WindowCall,
    shard: &str,
    source_arn: &str,
) -> String {
    let records = super::events::envelope(records);
    let props = json!({
        "window": { "start": call.start.to_string(), "end": call.end.to_string() },
        "state": call.state,
        "shardId": shard,
        "eventSourceARN": source_arn,
        "isFinalInvokeForWindow": call.is_final,
        "isWindowTerminatedEarly": false,
    })
    .to_string();
    // `{"Records":[…]}` + `,"window":…}`
    format!("{},{}", &records[..records.len() - 1], &props[1..])
}

/// The `state` a function returned (an empty object when it returned none).
pub(crate) fn returned_state(payload: &[u8]) -> Value {
    match serde_json::from_slice::<Value>(payload) {
        Ok(Value::Object(mut o)) => match o.remove("state") {
            Some(Value::Object(s)) => Value::Object(s),
            _ => Value::Object(Map::new()),
        },
        _ => Value::Object(Map::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_align_to_their_length() {
        let w = Duration::from_secs(60);
        assert_eq!(window_of(Timestamp::from_secs(119), w), Timestamp::from_secs(60));
        assert_eq!(window_of(Timestamp::from_secs(120), w), Timestamp::from_secs(120));
    }

    #[test]
    fn envelope_adds_the_window_properties() {
        let call = WindowCall {
            start: Timestamp::from_secs(0),
            end: Timestamp::from_secs(60),
            state: json!({"n": "1"}),
            is_final: true,
        };
        let v: Value = serde_json::from_str(&envelope(["{}"], &call, "shardId-000000000000", "arn")).unwrap();
        assert_eq!(v["Records"], json!([{}]));
        assert_eq!(v["state"]["n"], "1");
        assert_eq!(v["isFinalInvokeForWindow"], true);
        assert_eq!(returned_state(br#"{"state":{"n":"2"}}"#), json!({"n": "2"}));
        assert_eq!(returned_state(b""), json!({}));
    }
}
