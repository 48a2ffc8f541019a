//! The query protocol: form-encoded requests (`Action=...&Name=...`, lists as
//! `X.member.N`, maps as `X.entry.N.key/value`) and XML answers in AWS's shapes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::WireResponse;

/// A decoded form body.
#[derive(Debug, Default, Clone)]
pub(crate) struct Form(BTreeMap<String, String>);

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Percent-decodes one form component (`+` is a space). `None` when the bytes are
/// not UTF-8 after decoding.
fn decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

impl Form {
    /// Parses a body; `None` when it is not a form (not UTF-8).
    pub(crate) fn parse(body: &[u8]) -> Option<Form> {
        let text = std::str::from_utf8(body).ok()?;
        let mut m = BTreeMap::new();
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            m.insert(decode(k)?, decode(v)?);
        }
        Some(Form(m))
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The fields under `prefix.`, with the prefix taken off.
    pub(crate) fn sub(&self, prefix: &str) -> Form {
        let p = format!("{prefix}.");
        Form(self.0.iter().filter_map(|(k, v)| k.strip_prefix(&p).map(|rest| (rest.to_owned(), v.clone()))).collect())
    }

    /// The numbered groups `1, 2, ...` directly under this form (`1.Key`, `2.Key` ...),
    /// in order; numbering stops at the first gap, as the services read it.
    fn numbered(&self) -> Vec<Form> {
        let mut out = Vec::new();
        for n in 1.. {
            let f = self.sub(&n.to_string());
            let plain = self.get(&n.to_string());
            if f.0.is_empty() && plain.is_none() {
                break;
            }
            let mut f = f;
            if let Some(v) = plain {
                f.0.insert(String::new(), v.to_owned());
            }
            out.push(f);
        }
        out
    }

    /// A list `prefix.member.N` of plain values.
    pub(crate) fn list(&self, prefix: &str) -> Vec<String> {
        self.sub(prefix).sub("member").numbered().into_iter().filter_map(|f| f.get("").map(str::to_owned)).collect()
    }

    /// A list `prefix.member.N.<fields>` of structures.
    pub(crate) fn structs(&self, prefix: &str) -> Vec<Form> {
        self.sub(prefix).sub("member").numbered()
    }

    /// A map `prefix.entry.N.<key_name>/<value_name>` of strings.
    pub(crate) fn map(&self, prefix: &str, key_name: &str, value_name: &str) -> BTreeMap<String, String> {
        self.sub(prefix)
            .sub("entry")
            .numbered()
            .into_iter()
            .filter_map(|f| Some((f.get(key_name)?.to_owned(), f.get(value_name).unwrap_or_default().to_owned())))
            .collect()
    }

    /// A map of structures `prefix.entry.N.<key_name>` / `.<value_name>.<fields>`.
    pub(crate) fn struct_map(&self, prefix: &str, key_name: &str, value_name: &str) -> Vec<(String, Form)> {
        self.sub(prefix)
            .sub("entry")
            .numbered()
            .into_iter()
            .filter_map(|f| Some((f.get(key_name)?.to_owned(), f.sub(value_name))))
            .collect()
    }
}

/// Escapes text for an XML element.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

/// An XML body under construction.
#[derive(Debug, Default)]
pub(crate) struct Xml(String);

impl Xml {
    pub(crate) fn new() -> Self {
        Xml(String::new())
    }

    /// `<name>text</name>`.
    pub(crate) fn text(&mut self, name: &str, value: &str) -> &mut Self {
        let _ = write!(self.0, "<{name}>{}</{name}>", escape(value));
        self
    }

    pub(crate) fn open(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.0, "<{name}>");
        self
    }

    pub(crate) fn close(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.0, "</{name}>");
        self
    }

    /// A map as `<name><entry><key/><value/></entry>...</name>`.
    pub(crate) fn map(&mut self, name: &str, m: &BTreeMap<String, String>) -> &mut Self {
        self.open(name);
        for (k, v) in m {
            self.open("entry").text("key", k).text("value", v).close("entry");
        }
        self.close(name)
    }

    pub(crate) fn into_string(self) -> String {
        self.0
    }
}

/// The namespace of SNS answers.
pub(crate) const SNS_XMLNS: &str = "http://sns.amazonaws.com/doc/2010-03-31/";

/// A request id that depends only on the request (same program, same ids).
pub(crate) fn request_id(body: &[u8]) -> String {
    use md5::{Digest, Md5};
    let d: [u8; 16] = Md5::digest(body).into();
    let h: String = d.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// `<ActionResponse><ActionResult>inner</ActionResult><ResponseMetadata>...`.
pub(crate) fn ok(action: &str, inner: &str, request_id: &str) -> WireResponse {
    let body = format!(
        "<{action}Response xmlns=\"{SNS_XMLNS}\"><{action}Result>{inner}</{action}Result>\
         <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
    );
    WireResponse::new(200, "text/xml", body.into_bytes())
}

/// AWS's XML error: `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`.
pub(crate) fn error(status: u16, code: &str, message: &str, request_id: &str) -> WireResponse {
    let body = format!(
        "<ErrorResponse xmlns=\"{SNS_XMLNS}\"><Error><Type>Sender</Type><Code>{}</Code><Message>{}</Message></Error>\
         <RequestId>{request_id}</RequestId></ErrorResponse>",
        escape(code),
        escape(message)
    );
    WireResponse::new(status, "text/xml", body.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_reads_lists_maps_and_escapes() {
        let f =
            Form::parse(b"Action=X&A.member.1=a%20b&A.member.2=c+d&M.entry.1.key=k&M.entry.1.value=%3C%3E&bad=%zz%")
                .unwrap();
        assert_eq!(f.list("A"), ["a b", "c d"]);
        assert_eq!(f.map("M", "key", "value")["k"], "<>");
        assert_eq!(f.get("bad"), Some("%zz%"));
        assert_eq!(escape("<a & 'b'>"), "&lt;a &amp; &apos;b&apos;&gt;");
    }
}
