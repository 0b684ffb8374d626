//! Receiving a packet performs no heap allocation, accepted or rejected: a counting global
//! allocator counts allocations made by this thread while armed.
//!
//! The allocator wrapper is the only `unsafe` in the crate's tests: `GlobalAlloc` is an unsafe
//! trait, and each method forwards its arguments unchanged to `System`, so `System`'s contract
//! is upheld exactly as the caller upheld ours.
#![allow(unsafe_code)]

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use keepalive_bfd::State;
use support::*;

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    // `const` initialisation and a `Drop`-free type: reading it never allocates.
    static ARMED: Cell<bool> = const { Cell::new(false) };
}

fn note() {
    if ARMED.try_with(Cell::get).unwrap_or(false) {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn count<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let before = ALLOCS.load(Ordering::Relaxed);
    ARMED.with(|a| a.set(true));
    let r = f();
    ARMED.with(|a| a.set(false));
    (r, ALLOCS.load(Ordering::Relaxed) - before)
}

#[test]
fn receiving_allocates_nothing() {
    let (_, n) = count(|| std::hint::black_box(vec![1u8; 8]));
    assert_eq!(n, 1, "the counter itself works");

    for auth in [
        None,
        Some(password()),
        Some(md5_key()),
        Some(meticulous_sha1_key()),
    ] {
        let mut c = Harness::default_config();
        c.auth = auth.clone();
        let mut h = Harness::new(c);
        let pkt = |state, your, seq: u32| {
            let p = Pkt::new(state, your);
            match &auth {
                Some(a) => p.auth(a.clone(), seq).bytes(),
                None => p.bytes(),
            }
        };
        h.advance(ms(0));
        h.s.handle_packet(h.now, &pkt(State::Down, 0, 1), &meta())
            .unwrap();
        let d = h.discr();
        h.s.handle_packet(h.now, &pkt(State::Up, d, 2), &meta())
            .unwrap();
        h.sent();
        h.events();
        // Prebuilt: accepted packets (Up, with F ending the poll, then plain) and rejected
        // ones (unknown discriminator, bad version, wrong TTL).
        let accepted: Vec<Vec<u8>> = (3..103).map(|seq| pkt(State::Up, d, seq)).collect();
        let mut bad_version = pkt(State::Up, d, 200);
        bad_version[0] = 0x40;
        let unknown = pkt(State::Up, d ^ 1, 201);
        let low_ttl = keepalive_bfd::RxMeta::new(PEER, LOCAL, 1, 1, false);
        let s = &mut h.s;
        let now = h.now;
        let ((), n) = count(|| {
            for b in &accepted {
                s.handle_packet(now, b, &meta()).unwrap();
                let _ = s.handle_packet(now, &bad_version, &meta()).unwrap_err();
                let _ = s.handle_packet(now, &unknown, &meta()).unwrap_err();
                let _ = s.handle_packet(now, b, &low_ttl).unwrap_err();
            }
        });
        assert_eq!(n, 0, "auth {auth:?}");
        assert_eq!(s.session(h.id).unwrap().state(), State::Up);
    }
}
