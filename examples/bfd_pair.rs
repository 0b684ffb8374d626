//! Two BFD endpoints on an in-memory link and virtual time: they come Up, then end 1 dies
//! at 3 s and end 0 detects it. Run with `cargo run -p kad-examples --example bfd_pair`.
use keepalive_bfd::{RxMeta, SessionConfig, Sessions};
use std::net::IpAddr;
use std::time::{Duration, Instant};
fn main() {
    let ips: [IpAddr; 2] = [[192, 0, 2, 1].into(), [192, 0, 2, 2].into()];
    let (t0, mut now, ms) = (Instant::now(), Instant::now(), Duration::from_millis);
    let mut ends = [Sessions::new(1), Sessions::new(2)];
    for (i, end) in ends.iter_mut().enumerate() {
        let mut c = SessionConfig::new(ips[1 - i]);
        (c.desired_min_tx, c.required_min_rx) = (ms(100), ms(100));
        end.add(c, now);
    }
    let mut buf = [0u8; 64];
    while now - t0 < ms(5000) {
        let alive = 1 + usize::from(now - t0 < ms(3000));
        // Each end twice, so that an answer goes out at once.
        for i in [0, 1, 0, 1].into_iter().filter(|&i| i < alive) {
            ends[i].handle_timeout(now);
            while let Some(t) = ends[i].poll_transmit(now, &mut buf) {
                let meta = RxMeta::new(ips[i], ips[1 - i], 1, 255, false);
                if 1 - i < alive {
                    let _ = ends[1 - i].handle_packet(now, &buf[..t.len], &meta);
                }
            }
        }
        for (i, end) in ends.iter_mut().enumerate() {
            while let Some((_, ev)) = end.poll_event() {
                println!("{:>7.3}s  end {i}: {ev:?}", (now - t0).as_secs_f64());
            }
        }
        let next = ends[..alive]
            .iter()
            .filter_map(Sessions::poll_timeout)
            .min();
        now = next.unwrap_or(now + ms(1)).max(now);
    }
}
