//! Whether a cost grows linearly: the CPU time at two sizes, compared as a ratio. A single
//! wall-clock cap at one size cannot tell a quadratic regression from a slow machine; a ratio
//! of this thread's CPU time can (a loaded machine's waiting is not counted, and both sizes
//! run on the same machine at the same moment).
#![allow(dead_code)]

/// CPU seconds this thread has used (user + system, `/proc/thread-self/stat`, in clock ticks
/// of 10 ms).
pub fn thread_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("/proc/thread-self/stat");
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| fields[i].parse::<f64>().expect("clock ticks");
    (ticks(11) + ticks(12)) / 100.0
}

/// Runs `f`, returning its result and the CPU seconds it took.
pub fn cpu<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t0 = thread_cpu();
    let out = f();
    (out, thread_cpu() - t0)
}

/// Asserts that `n2` items cost less than twice `n2 / n1` times what `n1` items cost: linear
/// and n·log n growth pass with room, quadratic growth (`(n2 / n1)²`) fails. The smaller
/// time is floored at 0.1 s so clock-tick granularity cannot fail a fast run.
pub fn assert_linear(what: &str, (n1, t1): (usize, f64), (n2, t2): (usize, f64)) {
    let size = n2 as f64 / n1 as f64;
    let ratio = t2 / t1.max(0.1);
    eprintln!("{what}: {n1} in {t1:.2} s CPU, {n2} in {t2:.2} s CPU: ×{ratio:.1} for ×{size:.0} the input");
    assert!(
        ratio < 2.0 * size,
        "{what} grows faster than linearly: ×{ratio:.1} CPU for ×{size:.0} the input \
         ({n1}: {t1:.2} s, {n2}: {t2:.2} s)"
    );
}
