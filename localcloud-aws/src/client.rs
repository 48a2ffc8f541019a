//! The SDK's HTTP client, answering every request from the cloud in-process.
//!
//! The dispatcher picks the service from the request: an `X-Amz-Target` prefix for
//! the AWS JSON services (`AmazonSQS.`, `Kinesis_20131202.`), otherwise the host's
//! first label (`sns.` for the query protocol, `lambda.` for REST-JSON, which reads
//! the method, path and headers the [`WireRequest`] carries).

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use bytes::Bytes;
use localcloud::Cloud;

use crate::protocol::{WireRequest, WireResponse};

/// An [`HttpClient`] (and its [`HttpConnector`]) whose every request is answered by a
/// [`Cloud`] in the same process: no socket is opened, no byte leaves the process.
///
/// [`sdk_config`](crate::sdk_config) installs it; build one yourself to put it in a
/// service config of your own.
#[derive(Clone, Debug)]
pub struct CloudHttpClient {
    cloud: Cloud,
}

impl CloudHttpClient {
    /// A client answering from `cloud`.
    pub fn new(cloud: &Cloud) -> Self {
        CloudHttpClient { cloud: cloud.clone() }
    }

    /// Answers one request synchronously (what the connector's future resolves to).
    pub fn answer(&self, request: HttpRequest) -> HttpResponse {
        let wire = to_wire(&request);
        let host = host_of(request.uri());
        let out = route(&self.cloud, &host, &wire);
        let mut resp = HttpResponse::new(
            StatusCode::try_from(out.status).unwrap_or_else(|_| StatusCode::try_from(500).expect("500 is a status")),
            SdkBody::from(out.body),
        );
        for (name, value) in out.headers {
            resp.headers_mut().insert(name, value);
        }
        resp
    }
}

impl HttpConnector for CloudHttpClient {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        // A long poll on the system clock may wait up to 20 s: answer it on a helper
        // thread so the caller's executor keeps running other tasks meanwhile.
        let long_poll = request.headers().get("x-amz-target") == Some("AmazonSQS.ReceiveMessage");
        if long_poll && !self.cloud.is_manual() {
            let me = self.clone();
            let answer = crate::blocking::OffThread::spawn(move || me.answer(request));
            return HttpConnectorFuture::new(async move { Ok(answer.await) });
        }
        HttpConnectorFuture::ready(Ok(self.answer(request)))
    }
}

impl HttpClient for CloudHttpClient {
    fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

fn to_wire(request: &HttpRequest) -> WireRequest {
    let uri = request.uri();
    let path = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    let path = path.find('/').map_or("/", |i| &path[i..]).to_owned();
    WireRequest {
        target: request.headers().get("x-amz-target").map(str::to_owned),
        method: request.method().to_owned(),
        path,
        headers: request.headers().iter().map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned())).collect(),
        body: request.body().bytes().map(Bytes::copy_from_slice).unwrap_or_default(),
    }
}

fn host_of(uri: &str) -> String {
    let rest = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    rest.split(['/', ':', '?']).next().unwrap_or_default().to_ascii_lowercase()
}

/// Sends one request to its service.
pub(crate) fn route(cloud: &Cloud, host: &str, req: &WireRequest) -> WireResponse {
    if let Some(target) = &req.target {
        if let Some(action) = target.strip_prefix("AmazonSQS.") {
            return crate::sqs::handle(cloud, action, &req.body);
        }
        if let Some(action) = target.strip_prefix("Kinesis_20131202.") {
            return crate::kinesis::handle(cloud, action, &req.body);
        }
    }
    match host.split('.').next().unwrap_or_default() {
        "sqs" => crate::sqs::handle(cloud, req.target.as_deref().unwrap_or_default(), &req.body),
        "kinesis" => crate::kinesis::handle(cloud, req.target.as_deref().unwrap_or_default(), &req.body),
        "sns" => crate::sns::handle(cloud, &req.body),
        "lambda" => crate::lambda::handle(cloud, req),
        other => {
            let body = serde_json::json!({
                "__type": "UnknownServiceException",
                "message": format!("no service answers for host {other:?}"),
            });
            WireResponse::new(404, "application/json", body.to_string().into_bytes())
        }
    }
}
