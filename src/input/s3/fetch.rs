//! Download S3 objects ahead of the decoding workers, within a byte budget. S3 is latency bound
//! (tens of milliseconds a request): two decoding threads that each fetched one object at a time
//! would wait most of the time. [`prefetch`] starts one task that walks a run's S3 sources in
//! their order and keeps up to [`REQUESTS_IN_FLIGHT`] downloads going, each admitted only when
//! its size fits in the [`PREFETCH_BUDGET`] of bytes downloaded and not yet decoded; a worker
//! takes a finished download from its source's [`Slot`] (waiting if it is still on the way), and
//! its bytes return to the budget when the worker has decoded them. An object larger than
//! [`MAX_IN_MEMORY`] is written to an anonymous temporary file as it arrives and read from there
//! (memory: one chunk); one larger than the whole budget waits until it has the budget to itself.
//! So memory stays near the budget whatever the bucket holds.
//!
//! Admission in source order cannot deadlock the workers: everything admitted finishes by
//! itself, and the lowest source not yet decoded is always admitted before any later one.
//! A source read with no prefetch running (a second read, a caller that did not start one)
//! is fetched on the spot.

use std::fs::File;
use std::io::{Seek, Write};
use std::sync::{Arc, Condvar, Mutex};

use futures::StreamExt;
use object_store::ObjectStoreExt;
use object_store::path::Path;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::Bucket;
use crate::input::{Source, SourceKind};

/// Bytes downloaded ahead of the decoders and not yet decoded (in memory or, for large objects,
/// in temporary files).
pub const PREFETCH_BUDGET: u64 = 64 << 20;
/// Downloads in flight at once.
pub const REQUESTS_IN_FLIGHT: usize = 32;
/// An object larger than this is spooled to a temporary file instead of held in memory (the
/// size under which local gzip files take the in-memory fast path).
pub const MAX_IN_MEMORY: u64 = crate::input::inflate::MAX_COMPRESSED;

/// The budget is counted in KiB (a semaphore counts in `u32`).
const BUDGET_KIB: u32 = (PREFETCH_BUDGET >> 10) as u32;

/// An object's content.
#[derive(Debug)]
pub(crate) enum Body {
    Memory(bytes::Bytes),
    /// In an anonymous temporary file, at its start.
    Spooled(File),
}

/// A download, holding its share of the budget until dropped.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub body: Body,
    pub budget: Option<OwnedSemaphorePermit>,
}

#[derive(Debug, Default)]
enum State {
    /// Nobody fetches it: a reader fetches it itself.
    #[default]
    Idle,
    /// The prefetch will fill it.
    Scheduled,
    Ready(Result<Fetched, String>),
}

/// Where a prefetched download waits for its reader.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    state: Mutex<State>,
    ready: Condvar,
}

impl Slot {
    fn set(&self, state: State) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = state;
        self.ready.notify_all();
    }

    /// Nobody will fill it after all: its reader fetches it (a download already there is kept).
    fn unschedule(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(*state, State::Scheduled) {
            *state = State::Idle;
        }
        drop(state);
        self.ready.notify_all();
    }

    /// The download, once it is there; `None` when nobody is fetching it.
    fn take(&self) -> Option<Result<Fetched, String>> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            match std::mem::take(&mut *state) {
                State::Ready(r) => return Some(r),
                State::Idle => return None,
                State::Scheduled => {
                    *state = State::Scheduled;
                    state = self.ready.wait(state).unwrap_or_else(|e| e.into_inner());
                }
            }
        }
    }
}

/// One object of a bucket, as a source.
#[derive(Debug, Clone)]
pub struct S3Object {
    pub(crate) bucket: Arc<Bucket>,
    pub key: String,
    /// The size listed.
    pub size: u64,
    slot: Arc<Slot>,
}

impl PartialEq for S3Object {
    fn eq(&self, other: &S3Object) -> bool {
        (&self.bucket.name, &self.key) == (&other.bucket.name, &other.key)
    }
}

impl Eq for S3Object {}

impl S3Object {
    pub(crate) fn new(bucket: Arc<Bucket>, key: String, size: u64) -> S3Object {
        S3Object {
            bucket,
            key,
            size,
            slot: Arc::default(),
        }
    }

    /// `s3://bucket/key`.
    pub fn name(&self) -> String {
        crate::input::s3url::S3Url::name(&self.bucket.name, &self.key)
    }

    /// The object's content: the prefetched download, or one made now.
    pub(crate) fn open(&self) -> Result<Fetched, String> {
        if let Some(fetched) = self.slot.take() {
            return fetched;
        }
        super::runtime().block_on(download(&self.bucket, &self.key, None))
    }
}

/// Download one object: into memory when small, else into an anonymous temporary file.
async fn download(
    bucket: &Bucket,
    key: &str,
    budget: Option<OwnedSemaphorePermit>,
) -> Result<Fetched, String> {
    let path = Path::parse(key).map_err(|e| e.to_string())?;
    let got = bucket
        .store
        .get(&path)
        .await
        .map_err(|e| super::describe(&e))?;
    // The size the answer gives, not the listed one: the object may have changed since.
    let body = if got.meta.size <= MAX_IN_MEMORY {
        Body::Memory(got.bytes().await.map_err(|e| super::describe(&e))?)
    } else {
        let mut file = tempfile::tempfile().map_err(|e| format!("a temporary file: {e}"))?;
        let mut stream = got.into_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| super::describe(&e))?;
            file.write_all(&chunk)
                .map_err(|e| format!("writing to a temporary file: {e}"))?;
        }
        file.rewind()
            .map_err(|e| format!("reading a temporary file: {e}"))?;
        Body::Spooled(file)
    };
    Ok(Fetched { body, budget })
}

/// The downloads ahead of a run's readers; dropping it stops them and frees what they hold.
#[derive(Debug)]
pub struct Prefetch {
    task: Option<tokio::task::JoinHandle<()>>,
    slots: Vec<Arc<Slot>>,
}

/// Start downloading the S3 sources among `sources`, in their order, ahead of the readers.
pub(crate) fn prefetch(sources: &[Source]) -> Prefetch {
    let objects: Vec<S3Object> = sources
        .iter()
        .filter_map(|s| match &s.kind {
            SourceKind::S3(o) => Some(o.clone()),
            _ => None,
        })
        .collect();
    if objects.is_empty() {
        return Prefetch {
            task: None,
            slots: Vec::new(),
        };
    }
    let slots: Vec<Arc<Slot>> = objects.iter().map(|o| Arc::clone(&o.slot)).collect();
    for slot in &slots {
        slot.set(State::Scheduled);
    }
    let all = slots.clone();
    let task = super::runtime().spawn(async move {
        // However the task ends (a panic, aborted), no reader waits for a download it will
        // not start.
        let _release = Release(all);
        let budget = Arc::new(Semaphore::new(BUDGET_KIB as usize));
        let requests = Arc::new(Semaphore::new(REQUESTS_IN_FLIGHT));
        let mut running = tokio::task::JoinSet::new();
        for object in objects {
            let kib = u32::try_from(object.size.div_ceil(1024))
                .unwrap_or(u32::MAX)
                .clamp(1, BUDGET_KIB);
            let Ok(share) = Arc::clone(&budget).acquire_many_owned(kib).await else {
                return;
            };
            let Ok(request) = Arc::clone(&requests).acquire_owned().await else {
                return;
            };
            running.spawn(async move {
                // Filled whatever happens, so no reader waits for ever.
                let guard = Fill(Some(Arc::clone(&object.slot)));
                let result = download(&object.bucket, &object.key, Some(share)).await;
                drop(request);
                guard.done(result);
            });
            while running.try_join_next().is_some() {}
        }
        while running.join_next().await.is_some() {}
    });
    Prefetch {
        task: Some(task),
        slots,
    }
}

/// Unschedules every slot still waiting when the prefetch task ends.
struct Release(Vec<Arc<Slot>>);

impl Drop for Release {
    fn drop(&mut self) {
        for slot in &self.0 {
            slot.unschedule();
        }
    }
}

/// Fills a slot; if dropped unfilled (a panic, the task aborted), leaves it to the reader.
struct Fill(Option<Arc<Slot>>);

impl Fill {
    fn done(mut self, result: Result<Fetched, String>) {
        if let Some(slot) = self.0.take() {
            slot.set(State::Ready(result));
        }
    }
}

impl Drop for Fill {
    fn drop(&mut self) {
        if let Some(slot) = self.0.take() {
            slot.set(State::Idle);
        }
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        // Downloads nobody took are dropped; a source read later is fetched on the spot.
        for slot in &self.slots {
            slot.set(State::Idle);
        }
    }
}
