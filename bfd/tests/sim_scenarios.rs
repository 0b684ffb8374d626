//! Two or more endpoints on the simulated network: coming up, failure detection, one-way
//! loss, crash and restart, run-time timer changes, removal, multihop.

use std::net::IpAddr;
use std::time::Duration;

use keepalive_bfd::sim::{EndpointId, Happening, Link, Net, Slot};
use keepalive_bfd::{Diag, Event, SessionConfig, State};

const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn config(peer: IpAddr, tx_ms: u64, mult: u8) -> SessionConfig {
    let mut c = SessionConfig::new(peer);
    c.desired_min_tx = ms(tx_ms);
    c.required_min_rx = ms(tx_ms);
    c.detect_mult = mult;
    c
}

fn pair(seed: u64, tx_ms: u64, mult: u8) -> (Net, [EndpointId; 2], [Slot; 2]) {
    let mut net = Net::new(seed);
    let (a, b) = (net.add_endpoint(A), net.add_endpoint(B));
    let sa = net.add_session(a, config(B, tx_ms, mult));
    let sb = net.add_session(b, config(A, tx_ms, mult));
    (net, [a, b], [sa, sb])
}

fn both_up(net: &Net, s: [Slot; 2]) -> bool {
    s.iter().all(|&x| net.state(x) == Some(State::Up))
}

fn events(net: &Net, slot: Slot) -> Vec<(Duration, Event)> {
    net.log()
        .iter()
        .filter(|r| r.endpoint == slot.endpoint && r.slot == Some(slot.index))
        .filter_map(|r| match r.what {
            Happening::Event(e) => Some((r.at, e)),
            _ => None,
        })
        .collect()
}

#[test]
fn comes_up_and_settles_on_the_fast_interval() {
    let (mut net, _, s) = pair(1, 100, 3);
    assert!(net.run_until_true(Duration::from_secs(3), |n| both_up(n, s)));
    net.run_for(Duration::from_secs(1));
    for x in s {
        let session = net.session(x).unwrap();
        assert!(!session.is_polling(), "the Poll of entering Up ended");
        assert_eq!(session.tx_interval(), ms(100));
        assert_eq!(session.detection_time(), ms(300));
    }
}

#[test]
fn a_dead_peer_is_detected_within_the_detection_time() {
    let (mut net, [_, b], s) = pair(2, 50, 3);
    assert!(net.run_until_true(Duration::from_secs(3), |n| both_up(n, s)));
    net.run_for(Duration::from_secs(1));
    let crash = net.elapsed();
    net.crash(b);
    net.run_for(Duration::from_secs(1));
    let ev = events(&net, s[0]);
    let (at, e) = *ev.last().unwrap();
    assert_eq!(
        e,
        Event::Down {
            diag: Diag::TimeExpired,
            peer_admin_down: false
        }
    );
    // Detection time 150 ms from the last packet, which came before the crash.
    assert!(at - crash <= ms(150), "{:?}", at - crash);
    assert!(at - crash >= ms(150) - ms(50), "{:?}", at - crash);
}

#[test]
fn one_way_loss_never_comes_up() {
    let (mut net, [a, b], s) = pair(3, 100, 3);
    net.set_link(
        a,
        b,
        Link {
            up: false,
            ..Link::default()
        },
    );
    net.run_for(Duration::from_secs(10));
    // B never hears A; A hears B but B never leaves Down.
    assert_eq!(net.state(s[1]), Some(State::Down));
    assert_ne!(net.state(s[0]), Some(State::Up));
    assert!(events(&net, s[0]).is_empty() && events(&net, s[1]).is_empty());
}

#[test]
fn restart_comes_back_up_with_new_discriminators() {
    let (mut net, [_, b], s) = pair(4, 100, 3);
    assert!(net.run_until_true(Duration::from_secs(3), |n| both_up(n, s)));
    let old = net.session(s[1]).unwrap().local_discr();
    net.crash(b);
    net.run_for(ms(50));
    net.restart(b);
    assert!(net.run_until_true(Duration::from_secs(3), |n| both_up(n, s)));
    assert_ne!(net.session(s[1]).unwrap().local_discr(), old);
    assert_eq!(
        net.session(s[0]).unwrap().remote_discr(),
        net.session(s[1]).unwrap().local_discr()
    );
}

#[test]
fn timer_changes_at_run_time_poll_and_apply() {
    let (mut net, _, s) = pair(5, 100, 3);
    assert!(net.run_until_true(Duration::from_secs(3), |n| both_up(n, s)));
    net.run_for(Duration::from_secs(1));
    let mut c = config(B, 300, 3);
    c.required_min_rx = ms(20);
    net.reconfigure(s[0], c);
    assert!(net.session(s[0]).unwrap().is_polling());
    net.run_for(Duration::from_secs(2));
    let a = net.session(s[0]).unwrap();
    assert!(!a.is_polling());
    assert_eq!(a.tx_interval(), ms(300));
    let b = net.session(s[1]).unwrap();
    // B now sends every max(100, 20) ms and detects A after 3 × 300 ms.
    assert_eq!(b.tx_interval(), ms(100));
    assert_eq!(b.detection_time(), ms(900));
    assert!(both_up(&net, s));
    assert_eq!(events(&net, s[0]).len(), 1, "no flap");
}

#[test]
fn removal_takes_the_peer_down_with_admin_down() {
    let (mut net, _, s) = pair(6, 100, 3);
    assert!(net.run_until_true(Duration::from_secs(3), |n| both_up(n, s)));
    // Let the fast timers settle: the detection time becomes 3 × 100 ms.
    net.run_for(Duration::from_secs(1));
    assert_eq!(net.session(s[0]).unwrap().detection_time(), ms(300));
    net.remove(s[0]);
    net.run_for(ms(10));
    assert_eq!(net.state(s[1]), Some(State::Down));
    assert_eq!(
        events(&net, s[1]).last().unwrap().1,
        Event::Down {
            diag: Diag::NeighborDown,
            peer_admin_down: true
        }
    );
    net.run_for(ms(280));
    assert_eq!(net.state(s[0]), Some(State::AdminDown));
    net.run_for(ms(20));
    assert_eq!(net.state(s[0]), None, "gone after one detection time");
    // B keeps trying, alone.
    assert_eq!(net.state(s[1]), Some(State::Down));
}

#[test]
fn multihop_with_ttl_floor() {
    let mut net = Net::new(7);
    let (a, b) = (net.add_endpoint(A), net.add_endpoint(B));
    let mut ca = config(B, 100, 3);
    ca.multihop = true;
    ca.min_rx_ttl = 250;
    let mut cb = config(A, 100, 3);
    cb.multihop = true;
    cb.min_rx_ttl = 250;
    let hops = |ttl| Link {
        ttl,
        ..Link::default()
    };
    net.set_link(a, b, hops(251));
    net.set_link(b, a, hops(249));
    let s = [net.add_session(a, ca), net.add_session(b, cb)];
    net.run_for(Duration::from_secs(5));
    assert!(!both_up(&net, s), "A drops B's packets: too many hops");
    assert!(net.sessions(a).unwrap().counters().dropped() > 0);
    net.set_link(b, a, hops(250));
    assert!(net.run_until_true(Duration::from_secs(3), |n| both_up(n, s)));
}

#[test]
fn passive_end_comes_up_when_the_active_end_starts() {
    let mut net = Net::new(8);
    let (a, b) = (net.add_endpoint(A), net.add_endpoint(B));
    let mut pa = config(B, 100, 3);
    pa.passive = true;
    let sa = net.add_session(a, pa);
    net.run_for(Duration::from_secs(5));
    assert!(net.log().is_empty(), "a passive end alone sends nothing");
    let sb = net.add_session(b, config(A, 100, 3));
    assert!(net.run_until_true(Duration::from_secs(3), |n| both_up(n, [sa, sb])));
}
