//! How fast a configuration is read: the whole pipeline (preprocess, tree, typed model with its
//! checks) on a medium, realistic load-balancer configuration, and on generated configurations
//! of N VRRP instances, written out in full and produced by one `~SEQ` line, so the cost of the
//! preprocessor's expansion shows separately from the cost of the model.
//!
//! `scripts/bench-confparse.sh` times the `kad -t` binary on the man page's 65,024-instance
//! example and compares with keepalived; this bench is for tracking the library itself.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use keepalive_confparse::load::load_str;
use keepalive_confparse::Options;

/// Two VRRP instances in a sync group, scripts, and `vs` virtual servers with four real servers
/// each, every checker kind represented: about what a production pair of load balancers runs.
fn medium(vs: usize) -> String {
    let mut s = String::from(
        "global_defs {\n    router_id LB_A\n    dynamic_interfaces\n    enable_script_security\n    \
         script_user root\n}\n\n\
         vrrp_script chk_lvs {\n    script \"/bin/true\"\n    interval 2\n    weight -20\n}\n\n\
         vrrp_sync_group LB {\n    group {\n        VI_EXT\n        VI_INT\n    }\n}\n",
    );
    for (name, vrid, net) in [("VI_EXT", 101, "203.0.113"), ("VI_INT", 102, "198.51.100")] {
        let _ = write!(
            s,
            "\nvrrp_instance {name} {{\n    state MASTER\n    interface bond0.{vrid}\n    \
             virtual_router_id {vrid}\n    priority 150\n    advert_int 1\n    \
             authentication {{\n        auth_type PASS\n        auth_pass secret\n    }}\n    \
             track_script {{\n        chk_lvs\n    }}\n    virtual_ipaddress {{\n        \
             {net}.1/24\n        {net}.2/24\n    }}\n}}\n"
        );
    }
    let checkers = [
        "TCP_CHECK {\n            connect_timeout 3\n        }",
        "HTTP_GET {\n            url {\n                path /health\n                \
         status_code 200\n            }\n            connect_timeout 3\n        }",
        "SSL_GET {\n            url {\n                path /\n            }\n        }",
        "MISC_CHECK {\n            misc_path \"/bin/true\"\n        }",
    ];
    for v in 0..vs {
        let _ = write!(
            s,
            "\nvirtual_server 203.0.113.{} {} {{\n    delay_loop 5\n    lb_algo wlc\n    \
             lb_kind NAT\n    persistence_timeout 600\n    protocol TCP\n",
            v % 250 + 1,
            8000 + v
        );
        for r in 0..4 {
            let _ = write!(
                s,
                "    real_server 198.51.100.{} {} {{\n        weight 100\n        {}\n    }}\n",
                (v * 4 + r) % 250 + 1,
                8000 + v,
                checkers[(v + r) % checkers.len()]
            );
        }
        s.push_str("}\n");
    }
    s
}

/// `n` VRRP instances written out one by one.
fn expanded(n: usize) -> String {
    let mut s = String::from("global_defs {\n    dynamic_interfaces\n}\n");
    for i in 0..n {
        let (bond, id) = (i / 254, i % 254 + 1);
        let _ = write!(
            s,
            "vrrp_instance vi.{bond}.{id} {{\n    interface bond{bond}\n    \
             virtual_router_id {id}\n    priority 130\n    virtual_ipaddress {{\n        \
             192.0.2.{id}/24\n    }}\n}}\n"
        );
    }
    s
}

/// The same instances as [`expanded`], produced by one `~SEQ` line (n a multiple of 254).
fn seq(n: usize) -> String {
    format!(
        "global_defs {{\n    dynamic_interfaces\n}}\n\
         $VI= \\\nvrrp_instance vi.${{B}}.${{ID}} {{ \\\n    interface bond${{B}} \\\n    \
         virtual_router_id ${{ID}} \\\n    priority 130 \\\n    virtual_ipaddress {{ \\\n        \
         192.0.2.${{ID}}/24 \\\n    }} \\\n}}\n~SEQ(B,0,{}) ~SEQ(ID,1,254) $VI\n",
        n / 254 - 1
    )
}

fn bench_medium(c: &mut Criterion) {
    let text = medium(40);
    let opts = Options::default();
    let mut g = c.benchmark_group("medium");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("lb_pair_40_vs", |b| {
        b.iter(|| load_str("medium.conf", black_box(&text), &opts))
    });
    g.finish();
}

fn bench_instances(c: &mut Criterion) {
    let opts = Options::default();
    let mut g = c.benchmark_group("vrrp_instances");
    g.sample_size(10);
    for n in [254, 2032, 8128] {
        let full = expanded(n);
        let short = seq(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("expanded", n), &full, |b, t| {
            b.iter(|| load_str("expanded.conf", black_box(t), &opts))
        });
        g.bench_with_input(BenchmarkId::new("seq", n), &short, |b, t| {
            b.iter(|| load_str("seq.conf", black_box(t), &opts))
        });
    }
    g.finish();
}

criterion_group!(benches, bench_medium, bench_instances);
criterion_main!(benches);
