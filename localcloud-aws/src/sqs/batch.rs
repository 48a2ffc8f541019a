//! The batch actions: ten entries at most, each answered on its own.

use localcloud::queue::{BatchEntry, BatchResult, BatchResultErrorEntry};
use localcloud::{Cloud, ReceiptHandle};
use serde_json::{json, Map, Value};

use super::messages::outgoing;
use super::{queue_at, seconds, Reply, SqsFault};
use crate::protocol::json::Args;

fn failed_json(f: &[BatchResultErrorEntry], extra: Vec<Value>) -> Vec<Value> {
    f.iter()
        .map(|e| json!({ "Id": e.id, "SenderFault": e.sender_fault, "Code": e.code, "Message": e.message }))
        .chain(extra)
        .collect()
}

fn answer<T>(r: &BatchResult<T>, ok: impl Fn(&str, &T) -> Value, extra: Vec<Value>) -> Value {
    json!({
        "Successful": r.successful().iter().map(|(id, t)| ok(id, t)).collect::<Vec<_>>(),
        "Failed": failed_json(r.failed(), extra),
    })
}

fn entry_id(e: &Args) -> Result<String, SqsFault> {
    Ok(e.str("Id")?.to_owned())
}

/// A receipt handle that never matches a message: a malformed handle in one entry
/// then fails that entry alone, as SQS answers.
fn handle_or_void(e: &Args) -> Result<ReceiptHandle, SqsFault> {
    let text = e.str("ReceiptHandle")?;
    Ok(text.parse().unwrap_or_else(|_| "0".repeat(64).parse().expect("64 hex digits parse")))
}

pub(crate) fn send_message_batch(cloud: &Cloud, a: &Args) -> Reply {
    let q = queue_at(cloud, a)?;
    let mut entries = Vec::new();
    let mut bad = Vec::new();
    for e in a.objects("Entries")? {
        let id = entry_id(&e)?;
        match outgoing(&e) {
            Ok(m) => entries.push(BatchEntry::new(id, m)),
            Err(f) => bad.push(json!({ "Id": id, "SenderFault": true, "Code": f.code, "Message": f.message })),
        }
    }
    if entries.is_empty() && !bad.is_empty() {
        return Ok(json!({ "Successful": [], "Failed": bad }));
    }
    let r = q.send_batch(entries)?;
    Ok(answer(
        &r,
        |id, s| {
            let mut o = Map::new();
            o.insert("Id".into(), id.into());
            o.insert("MessageId".into(), s.message_id().to_string().into());
            o.insert("MD5OfMessageBody".into(), s.md5_of_body().to_string().into());
            if let Some(md5) = s.md5_of_message_attributes() {
                o.insert("MD5OfMessageAttributes".into(), md5.to_string().into());
            }
            if let Some(seq) = s.sequence_number() {
                o.insert("SequenceNumber".into(), format!("{seq:020}").into());
            }
            Value::Object(o)
        },
        bad,
    ))
}

pub(crate) fn delete_message_batch(cloud: &Cloud, a: &Args) -> Reply {
    let q = queue_at(cloud, a)?;
    let entries = a
        .objects("Entries")?
        .iter()
        .map(|e| Ok(BatchEntry::new(entry_id(e)?, handle_or_void(e)?)))
        .collect::<Result<Vec<_>, SqsFault>>()?;
    let r = q.delete_batch(entries)?;
    Ok(answer(&r, |id, _| json!({ "Id": id }), Vec::new()))
}

pub(crate) fn change_message_visibility_batch(cloud: &Cloud, a: &Args) -> Reply {
    let q = queue_at(cloud, a)?;
    let entries = a
        .objects("Entries")?
        .iter()
        .map(|e| {
            let timeout = seconds(e, "VisibilityTimeout", 43_200)?.unwrap_or_default();
            Ok(BatchEntry::new(entry_id(e)?, (handle_or_void(e)?, timeout)))
        })
        .collect::<Result<Vec<_>, SqsFault>>()?;
    let r = q.change_visibility_batch(entries)?;
    Ok(answer(&r, |id, _| json!({ "Id": id }), Vec::new()))
}
