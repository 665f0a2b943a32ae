//! The local end of a download: bytes are written and hashed on a thread of their own, and
//! made durable while the rest arrives.
//!
//! The pump decrypts on one thread and hands the bytes over in 1 MiB batches ([`Batcher`]);
//! [`store`] writes and hashes them on another. On a 2-core machine every core is already
//! busy with the transfer, so the hand-over is kept cheap: few wake-ups, few `write` calls,
//! and the batch buffers go back to the pump to be filled again instead of being freed.

use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use openssl::sha::Sha256;

/// Bytes handed to the writer at a time.
const BATCH_BYTES: usize = 1 << 20;
/// Batches in flight: slack for while the writer waits on the disk or is off the CPU.
const BATCHES_IN_FLIGHT: usize = 16;

/// The writer thread has stopped (its error is what to report).
#[derive(Debug)]
pub(super) struct WriterGone;

/// The pump's end: gathers what arrives into batches for the writer.
pub(super) struct Batcher {
    full: SyncSender<Vec<u8>>,
    empty: Receiver<Vec<u8>>,
    filling: Vec<u8>,
}

/// The writer's end, for [`store`].
pub(super) struct Batches {
    full: Receiver<Vec<u8>>,
    empty: SyncSender<Vec<u8>>,
}

pub(super) fn channel() -> (Batcher, Batches) {
    let (full_tx, full_rx) = sync_channel(BATCHES_IN_FLIGHT);
    let (empty_tx, empty_rx) = sync_channel(BATCHES_IN_FLIGHT);
    (
        Batcher {
            full: full_tx,
            empty: empty_rx,
            filling: Vec::with_capacity(BATCH_BYTES),
        },
        Batches {
            full: full_rx,
            empty: empty_tx,
        },
    )
}

impl Batcher {
    pub(super) fn push(&mut self, bytes: &[u8]) -> Result<(), WriterGone> {
        self.filling.extend_from_slice(bytes);
        if self.filling.len() >= BATCH_BYTES {
            self.hand_over()?;
        }
        Ok(())
    }

    /// Hands over the last, partial batch; dropping the batcher then tells the writer that
    /// nothing more comes.
    pub(super) fn finish(mut self) -> Result<(), WriterGone> {
        if self.filling.is_empty() {
            return Ok(());
        }
        self.hand_over()
    }

    fn hand_over(&mut self) -> Result<(), WriterGone> {
        let next = self
            .empty
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH_BYTES));
        let full = std::mem::replace(&mut self.filling, next);
        self.full.send(full).map_err(|_| WriterGone)
    }
}

/// Writes and hashes the batches until the batcher is dropped, and returns the hash of all.
pub(super) fn store(file: &mut File, batches: Batches) -> io::Result<Sha256> {
    let mut hasher = Sha256::new();
    let mut durability = Durability::default();
    for mut batch in batches.full {
        file.write_all(&batch)?;
        hasher.update(&batch);
        durability.wrote(file, batch.len() as u64)?;
        batch.clear();
        // The pump may have finished and gone; then the buffer is simply freed.
        let _ = batches.empty.try_send(batch);
    }
    Ok(hasher)
}

/// Keeps the unwritten part of a download small, so the `fsync` that makes the copy durable
/// at the end has little left to do.
///
/// Two steps, because they cost different things. Starting the disk writes of each finished
/// 8 MiB (`sync_file_range`) keeps the dirty pages few. But only an `fdatasync` makes the
/// disk flush its own cache, and on a virtual disk that flush is where the time goes: one
/// flush at the end of 256 MiB took 0.3 s, the same flush spread over the download nearly
/// nothing extra.
#[derive(Default)]
struct Durability {
    written: u64,
    started: u64,
    flushed: u64,
}

impl Durability {
    const START_STEP: u64 = 8 << 20;
    const FLUSH_STEP: u64 = 32 << 20;

    fn wrote(&mut self, file: &File, bytes: u64) -> io::Result<()> {
        self.written += bytes;
        if self.written - self.flushed >= Self::FLUSH_STEP {
            file.sync_data()?;
            self.flushed = self.written;
            self.started = self.written;
        } else if self.written - self.started >= Self::START_STEP {
            start_writeback(file, self.started, self.written - self.started);
            self.started = self.written;
        }
        Ok(())
    }
}

#[cfg(target_os = "linux")]
fn start_writeback(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    // SAFETY: a valid descriptor and a range inside the file; the call only schedules
    // writeback and has no effect on the file's contents. A failure only loses the head
    // start: the final fsync still writes everything.
    unsafe {
        libc::sync_file_range(
            file.as_raw_fd(),
            offset as libc::off64_t,
            len as libc::off64_t,
            libc::SYNC_FILE_RANGE_WRITE,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File, _offset: u64, _len: u64) {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn batches_arrive_whole_and_in_order() {
        let mut file = tempfile::tempfile().unwrap();
        let (mut batcher, batches) = channel();
        let data: Vec<u8> = (0..(3 * BATCH_BYTES + 12_345))
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let hasher = std::thread::scope(|scope| {
            let writer = scope.spawn(|| store(&mut file, batches));
            for piece in data.chunks(64 * 1024 - 3) {
                batcher.push(piece).unwrap();
            }
            batcher.finish().unwrap();
            writer.join().unwrap().unwrap()
        });
        let mut written = Vec::new();
        use std::io::Seek;
        file.rewind().unwrap();
        file.read_to_end(&mut written).unwrap();
        assert!(written == data, "the file differs from what was pushed");
        let mut expected = Sha256::new();
        expected.update(&data);
        assert_eq!(hasher.finish(), expected.finish());
    }

    #[test]
    fn a_failed_writer_stops_the_pump() {
        // A read-only file: the first write fails, and the writer goes away.
        let path = tempfile::NamedTempFile::new().unwrap();
        let mut file = File::open(path.path()).unwrap();
        let (mut batcher, batches) = channel();
        std::thread::scope(|scope| {
            let writer = scope.spawn(|| store(&mut file, batches));
            let piece = vec![1u8; 64 * 1024];
            let mut refused = false;
            for _ in 0..(BATCHES_IN_FLIGHT + 4) * (BATCH_BYTES / piece.len()) {
                if batcher.push(&piece).is_err() {
                    refused = true;
                    break;
                }
            }
            assert!(refused, "the pump kept going after the writer failed");
            assert!(writer.join().unwrap().is_err());
        });
    }
}
