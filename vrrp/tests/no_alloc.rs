//! Validating a received advert performs no heap allocation: a counting global allocator
//! counts allocations made by this thread while armed.
//!
//! The allocator wrapper is the only `unsafe` in the crate's tests: `GlobalAlloc` is an unsafe
//! trait, and each method forwards its arguments unchanged to `System`, so `System`'s contract
//! is upheld exactly as the caller upheld ours.
#![allow(unsafe_code)]

mod codec_support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use codec_support::*;
use keepalive_vrrp::rx::validate;
use keepalive_vrrp::stats::RxStats;

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
fn validating_adverts_allocates_nothing() {
    let cases = [
        (hex(V2_PASS), check_v2_pass(), meta4()),
        (hex(V3_V4), check_v3_v4(), meta4()),
        (hex(V3_V6), check_v3_v6(), meta6()),
        (hex(V2_AH), check_v2_ah(), meta4()),
    ];
    // The counter itself works.
    let (_, n) = count(|| std::hint::black_box(vec![1u8; 8]));
    assert_eq!(n, 1);

    let mut stats = RxStats::default();
    for (bytes, check, meta) in &cases {
        let (ok, n) = count(|| {
            let mut ok = 0;
            for _ in 0..100 {
                let r = validate(bytes, meta, check);
                stats.record(&r);
                if let Ok(a) = r {
                    ok += a.addrs().count();
                }
            }
            ok
        });
        assert_eq!(ok, 100);
        assert_eq!(n, 0, "validation allocated");
    }
    // Rejections (with their context) allocate nothing either.
    let mut bad = hex(V3_V4);
    bad[27] ^= 1;
    let (r, n) = count(|| validate(&bad, &meta4(), &check_v3_v4()).is_err());
    assert!(r);
    assert_eq!(n, 0);
    assert_eq!(stats.advert_rcvd, 400);
}
