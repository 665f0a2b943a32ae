//! The per-call sandbox: a fresh store whose WASI context grants nothing beyond what a
//! WASI component needs to start, with memory and time bounds, and a bounded log.
//!
//! What the guest sees:
//! - no preopened directories, so no filesystem;
//! - no sockets (TCP, UDP and name lookup are all refused);
//! - no environment variables and no arguments; stdin is empty;
//! - a clock frozen at the Unix epoch, so it cannot time anything;
//! - "random" bytes that are a fixed pattern, so runs are repeatable;
//! - stdout and stderr that go to the bounded log.

use std::time::Duration;

use wasmtime::component::{Linker, Resource};
use wasmtime::{ResourceLimiter, Store, Trap};
use wasmtime_wasi::p2::DynPollable;
use wasmtime_wasi::{
    HostMonotonicClock, HostWallClock, ResourceTable, WasiCtx, WasiCtxView, WasiView,
};

use crate::failure::{Failure, FailureKind};
use crate::limits::Limits;
use crate::log::{LogSink, LogSource};

pub(crate) struct Sandbox {
    wasi: WasiCtx,
    table: ResourceTable,
    memory: MemoryGuard,
    pub(crate) log: LogSink,
    pub(crate) limits: Limits,
}

impl Sandbox {
    pub(crate) fn new(limits: &Limits) -> Self {
        let log = LogSink::new(limits.max_log_bytes);
        let wasi = WasiCtx::builder()
            .stdout(log.stream(LogSource::Stdout))
            .stderr(log.stream(LogSource::Stderr))
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .wall_clock(FrozenClock)
            .monotonic_clock(FrozenClock)
            .secure_random(wasmtime_wasi::Deterministic::new(vec![
                0x5a, 0xa5, 0x3c, 0xc3,
            ]))
            .insecure_random(wasmtime_wasi::Deterministic::new(vec![0x42]))
            .insecure_random_seed(0)
            .build();
        Sandbox {
            wasi,
            table: ResourceTable::new(),
            memory: MemoryGuard {
                limit: limits.memory_bytes,
                total: 0,
                refused: None,
            },
            log,
            limits: limits.clone(),
        }
    }

    /// A store for one call, already carrying its memory limiter.
    pub(crate) fn store(
        engine: &wasmtime::Engine,
        limits: &Limits,
        deadline_ticks: u64,
    ) -> Store<Sandbox> {
        let mut store = Store::new(engine, Sandbox::new(limits));
        store.limiter(|sandbox| &mut sandbox.memory);
        store.set_epoch_deadline(deadline_ticks);
        store
    }
}

impl WasiView for Sandbox {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Refuses growth that would take the plugin past its limit and remembers that it did, so
/// the trap that usually follows (an allocator aborting) is reported as what it is.
///
/// The limit is on the plugin: a component may hold several core instances, each with its
/// own linear memory, so `total` sums every memory of this call's store. (The pool's
/// per-memory cap alone would let N memories hold N times the limit.) A store lives for one
/// call, so the total starts at zero for each.
struct MemoryGuard {
    limit: usize,
    total: usize,
    refused: Option<usize>,
}

/// Enough for any sane component; a plugin is one small module plus WASI adapters.
const MAX_INSTANCES: usize = 64;
/// Memories a component may declare: a Rust or JavaScript plugin has one or two.
pub(crate) const MAX_MEMORIES: u32 = 8;
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

impl ResourceLimiter for MemoryGuard {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.total.saturating_add(desired.saturating_sub(current));
        if total > self.limit {
            self.refused = Some(total);
            return Ok(false);
        }
        self.total = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_INSTANCES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES as usize
    }
}

/// Turns whatever stopped a call into the failure the owner sees.
pub(crate) fn call_failure(store: &Store<Sandbox>, error: wasmtime::Error) -> Failure {
    let limits = &store.data().limits;
    if let Some(desired) = store.data().memory.refused {
        return Failure::new(
            FailureKind::MemoryLimit,
            format!(
                "it asked for {} MiB of memory in all; plugins may use {} MiB",
                desired.div_ceil(1 << 20),
                limits.memory_bytes >> 20
            ),
        );
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => Failure::new(
            FailureKind::Timeout,
            format!(
                "it ran longer than {} ms and was stopped",
                limits.deadline.as_millis()
            ),
        ),
        Some(trap) => Failure::new(FailureKind::Trap, format!("it crashed: {trap}")),
        None => Failure::new(FailureKind::Trap, format!("it failed: {error:#}")),
    }
}

/// Replaces WASI's clock subscriptions with ones that fail at once.
///
/// Epoch interruption stops wasm code, but not a host call blocked on a timer, so a plugin
/// that "sleeps" would otherwise hold the host past its deadline. Nothing else a plugin can
/// reach blocks: stdin is empty, stdout and stderr are always ready, and there are no files
/// or sockets.
pub(crate) fn forbid_waiting(linker: &mut Linker<Sandbox>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let mut clock = linker.instance(MONOTONIC_CLOCK)?;
    clock.func_wrap(
        "subscribe-duration",
        |_, (_,): (u64,)| -> wasmtime::Result<(Resource<DynPollable>,)> {
            Err(wasmtime::format_err!("plugins may not wait on a clock"))
        },
    )?;
    clock.func_wrap(
        "subscribe-instant",
        |_, (_,): (u64,)| -> wasmtime::Result<(Resource<DynPollable>,)> {
            Err(wasmtime::format_err!("plugins may not wait on a clock"))
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}

/// The interface as `wasmtime-wasi` defines it; guests importing older 0.2 versions are
/// matched to it by semver.
const MONOTONIC_CLOCK: &str = "wasi:clocks/monotonic-clock@0.2.12";

/// Always the Unix epoch: plugins validate documents and have no use for time.
struct FrozenClock;

impl HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }

    fn now(&self) -> u64 {
        0
    }
}
