//! The umbrella [`Error`] and [`Result`] alias. Each service's own error enum lives in
//! its module and converts into [`Error`] for `?`.

use crate::consumer::ConsumerError;
use crate::function::FunctionError;
use crate::mapping::MappingError;
use crate::queue::QueueError;
use crate::schedule::ScheduleError;
use crate::stream::StreamError;
use crate::table::TableError;
use crate::topic::TopicError;
use crate::workflow::WorkflowError;

/// Any error from `localcloud`: one variant per service.
///
/// ```
/// use localcloud::{Cloud, Error};
/// fn run(cloud: &Cloud) -> Result<(), Error> {
///     let q = cloud.queue("missing")?;
///     q.send("x")?;
///     Ok(())
/// }
/// let cloud = Cloud::builder().manual_clock().build();
/// assert_eq!(run(&cloud).unwrap_err().code(), "QueueDoesNotExist");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A queue operation failed.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// A stream operation failed.
    #[error(transparent)]
    Stream(#[from] StreamError),
    /// A topic operation failed.
    #[error(transparent)]
    Topic(#[from] TopicError),
    /// A stream consumer (lease, worker, checkpoint) operation failed.
    #[error(transparent)]
    Consumer(#[from] ConsumerError),
    /// A workflow operation failed.
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    /// A schedule operation failed.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    /// A function operation failed.
    #[error(transparent)]
    Function(#[from] FunctionError),
    /// A table or change stream operation failed.
    #[error(transparent)]
    Table(#[from] TableError),
    /// An event source mapping operation failed.
    #[error(transparent)]
    Mapping(#[from] MappingError),
}

impl Error {
    /// The AWS error code of the underlying error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Queue(e) => e.code(),
            Error::Stream(e) => e.code(),
            Error::Topic(e) => e.code(),
            Error::Consumer(e) => e.code(),
            Error::Workflow(e) => e.code(),
            Error::Schedule(e) => e.code(),
            Error::Function(e) => e.code(),
            Error::Table(e) => e.code(),
            Error::Mapping(e) => e.code(),
        }
    }
}

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
