//! Planner cost: 10,000 services × 4 destinations from an empty kernel, and a 1 % change.
use criterion::{criterion_group, criterion_main, Criterion};

fn bench(_c: &mut Criterion) {}

criterion_group!(benches, bench);
criterion_main!(benches);
