//! The VRRP process's state: the units (instances and sync groups) with their sockets,
//! and the execution of what the state machines ask for. keepalived's `vrrp_scheduler.c`
//! and `vrrp.c` action side; the protocol decisions stay in keepalive-vrrp.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use keepalive_netlink::{Change, Reflector, Rtnl, SysctlGuard, VmacSpec};
use keepalive_vrrp::action::{Action, Notification, NotifyEvent, NotifyScope};
use keepalive_vrrp::sync_group::Origin;
use keepalive_vrrp::tracker::{TrackerId, TrackerState};
use keepalive_vrrp::unit::Unit;
use keepalive_vrrp::{Instance, State, SyncGroup};
use mio::{Interest, Registry, Token};

use super::garp::GarpPacer;
use super::mapping::{self, InstancePlan, Plan, Source, UnitPlan};
use super::netspec;
use super::spec::{GarpSettings, LinkDelay, VmacRequest};
use crate::deadlines::Deadlines;
use crate::vrrp_net::link::{Link, LinkSender};
use crate::vrrp_net::pool::{Delivery, SockId, SocketPool};
use crate::vrrp_net::socket::{SockKey, TxOpts};

mod ipvlan;

/// First mio token of the VRRP sockets (lower ones are the loop's own sources).
pub const SOCKET_TOKEN_BASE: usize = 16;

/// (unit, member) — the pool's handle for an instance.
pub type Handle = (usize, usize);

/// Per-instance runtime data the protocol crate does not hold.
#[derive(Debug)]
struct Member {
    sock: Option<SockId>,
    tx: TxOpts,
    /// The interface VIPs are on (its VMAC with `use_vmac`), for GARP/NA.
    link: Option<Link>,
    /// The state last reported, for keepalived's "(init)" wording and the dumps.
    state: State,
    /// When that state was entered.
    since: std::time::SystemTime,
}

/// A unit and its plan.
#[derive(Debug)]
struct Running {
    unit: Unit,
    plan: UnitPlan,
    members: Vec<Member>,
    /// Scheduled `handle_timeout`, as held in `Router::timers`.
    deadline: Option<Instant>,
}

/// The VRRP process.
#[derive(Debug)]
pub struct Router {
    units: Vec<Running>,
    by_name: HashMap<String, (usize, usize)>,
    timers: Deadlines,
    pool: SocketPool<Handle>,
    sender: LinkSender,
    rtnl: Rtnl,
    /// Mirror of links and addresses.
    pub reflector: Reflector,
    trackers: mapping::Trackers,
    /// Last state of each tracked object.
    tracker_states: HashMap<TrackerId, TrackerState>,
    garp: GarpPacer,
    no_accept: super::nft::NoAccept,
    /// Rate limit for logging dropped packets (a flood must not become a log flood).
    drop_log: RateLimit,
    /// Datagrams on VRRP sockets that were not VRRP at all.
    pub malformed: u64,
    /// `interface_up_down_delays`: (down, up) per interface.
    link_delays: HashMap<String, (Duration, Duration)>,
    /// Link changes waiting out their delay: (when, up).
    link_pending: HashMap<String, (Instant, bool)>,
    vmacs: Vec<(u32, String)>,
    sysctls: SysctlGuard,
    /// `-V`/`--dont-release-vrrp`: leave the VIPs in place on exit.
    pub dont_release: bool,
    stopping: bool,
    /// Within [`Router::start`]'s first drain: the state changes of the start itself.
    starting: bool,
    /// VIPs this process added or removed whose netlink echo has not come back yet: the
    /// reflector's `-D` lines leave them out, as keepalived's do.
    own_changes: std::collections::HashSet<IpAddr>,
    seed: u64,
    /// Notifications for the notify scripts / FIFOs / SMTP, drained by the loop.
    pub notifications: Vec<(Notification, usize, Option<usize>)>,
}

impl Router {
    /// An empty router using these netlink sockets.
    pub fn new(reflector: Reflector, rtnl: Rtnl, seed: u64) -> Router {
        Router {
            units: Vec::new(),
            by_name: HashMap::new(),
            timers: Deadlines::default(),
            pool: SocketPool::new(None),
            sender: LinkSender::new(),
            rtnl,
            reflector,
            trackers: mapping::Trackers::default(),
            tracker_states: HashMap::new(),
            garp: GarpPacer::default(),
            no_accept: super::nft::NoAccept::default(),
            link_delays: HashMap::new(),
            drop_log: RateLimit::default(),
            malformed: 0,
            link_pending: HashMap::new(),
            vmacs: Vec::new(),
            sysctls: SysctlGuard::new(),
            dont_release: false,
            stopping: false,
            starting: false,
            own_changes: std::collections::HashSet::new(),
            seed,
            notifications: Vec::new(),
        }
    }

    /// `vrrp_garp_interval` / `vrrp_gna_interval` pace GARP/NA rounds.
    pub fn set_garp_intervals(&mut self, g: GarpSettings) {
        self.garp.garp_interval = g.garp_interval;
        self.garp.gna_interval = g.gna_interval;
        self.garp.round_interval = self.garp.garp_interval.max(self.garp.gna_interval);
    }

    /// Adds a static address; false if it was there already (so it is not ours to remove).
    pub fn rtnl_add_address(&mut self, spec: &keepalive_netlink::AddressSpec) -> bool {
        report_add(self.rtnl.add_address(spec))
    }

    /// Adds a static route; false if it was there already or failed.
    pub fn rtnl_add_route(&mut self, spec: &keepalive_netlink::RouteSpec) -> bool {
        report_add(self.rtnl.add_route(spec))
    }

    /// Adds a static rule; false if it was there already or failed.
    pub fn rtnl_add_rule(&mut self, spec: &keepalive_netlink::RuleSpec) -> bool {
        report_add(self.rtnl.add_rule(spec))
    }

    /// Removes a static address.
    pub fn rtnl_del_address(&mut self, spec: &keepalive_netlink::AddressSpec) {
        if let Err(e) = self.rtnl.del_address(spec) {
            log_debug!("{e}");
        }
    }

    /// Removes a static route.
    pub fn rtnl_del_route(&mut self, spec: &keepalive_netlink::RouteSpec) {
        if let Err(e) = self.rtnl.del_route(spec) {
            log_debug!("{e}");
        }
    }

    /// Removes a static rule.
    pub fn rtnl_del_rule(&mut self, spec: &keepalive_netlink::RuleSpec) {
        if let Err(e) = self.rtnl.del_rule(spec) {
            log_debug!("{e}");
        }
    }

    /// Creates the `use_vmac` interfaces of `vmacs` that do not exist yet, and the
    /// `use_ipvlan` ones (`create_ipvlan`); keepalived creates them before looking
    /// for addresses.
    pub fn create_vmacs(&mut self, vmacs: &[VmacRequest]) {
        let mut created = false;
        for vm in vmacs {
            let (ifname, vrid, ipv6) = (&vm.parent, vm.vrid, vm.ipv6);
            let Some(parent) = self.reflector.table().link_by_name(ifname).map(|l| l.index) else {
                log_err!(
                    "({}) interface {} for use_vmac does not exist",
                    vm.instance,
                    ifname
                );
                continue;
            };
            if let Some(ip) = &vm.ipvlan {
                created |= self.create_ipvlan(vm, ip, parent);
                continue;
            }
            let mut spec = VmacSpec::for_vrid(vrid, ipv6, parent);
            if let Some(n) = &vm.name {
                spec.name.clone_from(n);
            }
            if let Some(mac) = vm.mac {
                spec.mac = mac;
            }
            if self.reflector.table().link_by_name(&spec.name).is_some() {
                continue;
            }
            match self.rtnl.create_vmac(&spec) {
                Ok(index) => {
                    log_info!(
                        "({}) Success creating VMAC interface {}",
                        vm.instance,
                        spec.name
                    );
                    let settings = keepalive_netlink::vmac::vmac_sysctls(&spec.name, ifname);
                    if !ipv6 {
                        if let Err(e) = self.sysctls.set_all(settings.iter()) {
                            log_warn!("({}) VMAC sysctls: {e}", vm.instance);
                        }
                        let names: Vec<String> = self
                            .reflector
                            .table()
                            .links()
                            .map(|l| l.name.clone())
                            .collect();
                        if let Err(e) = keepalive_netlink::vmac::relax_all_rp_filter(
                            &mut self.sysctls,
                            names.iter().map(String::as_str),
                        ) {
                            log_warn!("({}) rp_filter: {e}", vm.instance);
                        }
                    }
                    if ipv6 {
                        // addr_gen_mode none left the VMAC without a link-local address; the
                        // adverts need one as their source. keepalived's set_link_local_address:
                        // the parent's link-local address, else an EUI-64 one from the parent's
                        // MAC (never the virtual MAC, which both routers share).
                        let table = self.reflector.table();
                        let parent_mac = table
                            .link(parent)
                            .and_then(|l| <[u8; 6]>::try_from(l.mac.as_slice()).ok())
                            .unwrap_or(spec.mac);
                        let ll = match super::mapping::primary_address(table, ifname, true) {
                            Some(IpAddr::V6(a)) => a,
                            _ => keepalive_netlink::vmac::eui64_link_local(parent_mac),
                        };
                        let mut a = keepalive_netlink::AddressSpec::new(index, IpAddr::V6(ll), 64);
                        a.scope = keepalive_netlink::Scope::Link;
                        if let Err(e) = self.rtnl.add_address(&a) {
                            log_warn!("({}) link-local address on {}: {e}", vm.instance, spec.name);
                        }
                    }
                    self.vmacs.push((index, spec.name.clone()));
                    created = true;
                }
                Err(e) => log_err!("({}) Unable to create VMAC {}: {e}", vm.instance, spec.name),
            }
        }
        if created {
            if let Err(e) = self.reflector.resync() {
                log_warn!("netlink resync after creating VMACs: {e}");
            }
        }
    }

    /// Starts every unit of `plan` (first start, or after a reload with no old state).
    pub fn start(&mut self, registry: &Registry, plan: Plan, now: Instant, previous: &Previous) {
        for e in &plan.errors {
            log_err!("{e}");
        }
        self.trackers = plan.trackers;
        let first = self.units.is_empty();
        self.starting = true;
        for unit_plan in plan.units {
            self.add_unit(registry, unit_plan, now, previous);
        }
        if first && crate::logger::detail() {
            self.log_start_detail();
        }
        self.refresh_interface_trackers(now);
        for u in 0..self.units.len() {
            self.drain(u, now);
        }
        self.starting = false;
        if first && crate::logger::detail() {
            for line in self.pool.describe() {
                log_info!("{line}");
            }
        }
    }

    /// keepalived's `-D` start-up lines: its channels, and the addresses the netlink
    /// reflector found.
    fn log_start_detail(&self) {
        log_info!("Registering Kernel netlink reflector");
        log_info!("Registering Kernel netlink command channel");
        self.log_addresses();
        let families = || self.units.iter().flat_map(|r| r.plan.members.iter());
        if families().any(|p| !p.config.primary_addr.is_ipv6()) {
            log_info!("Registering gratuitous ARP shared channel");
        }
        if families().any(|p| p.config.primary_addr.is_ipv6()) {
            log_info!("Registering gratuitous NDISC shared channel");
        }
        // vrrp_init_state() restores the interface of each instance that does not start as
        // the address owner.
        for p in families().filter(|p| p.config.priority.0 != 255) {
            log_info!("({}) removing VIPs.", p.config.name);
        }
    }

    /// "Assigned address" for each address keepalived's reflector would report (`-D`).
    fn log_addresses(&self) {
        for link in self.reflector.table().links() {
            for a in &link.addresses {
                if self.reported_address(a.addr) {
                    log_info!("Assigned address {} for interface {}", a.addr, link.name);
                }
            }
        }
    }

    /// keepalived's reflector keeps an interface's IPv4 addresses and its IPv6 link-local
    /// one, never loopback ones, and leaves out the VIPs it sets itself.
    fn reported_address(&self, addr: IpAddr) -> bool {
        let kept = match addr {
            IpAddr::V4(a) => !a.is_loopback(),
            IpAddr::V6(a) => a.segments()[0] & 0xffc0 == 0xfe80,
        };
        kept && !self.is_vip(addr) && !self.own_changes.contains(&addr)
    }

    /// Whether `addr` is one of the configured virtual addresses.
    fn is_vip(&self, addr: IpAddr) -> bool {
        self.units
            .iter()
            .flat_map(|r| r.plan.members.iter())
            .any(|p| p.addresses.iter().any(|a| a.addr.addr == addr))
    }

    /// Interface and source-address trackers from the kernel's view.
    fn refresh_interface_trackers(&mut self, now: Instant) {
        let addrs: Vec<(TrackerId, IpAddr)> = self
            .trackers
            .iter()
            .filter_map(|(id, s)| match s {
                Source::Address(a) => Some((id, *a)),
                _ => None,
            })
            .collect();
        for (id, a) in addrs {
            let present = self.reflector.table().find_address(a).is_some();
            let st = if present {
                TrackerState::Up
            } else {
                TrackerState::Down
            };
            self.set_tracker(now, id, st);
        }
        let ifaces: Vec<(TrackerId, String)> = self
            .trackers
            .iter()
            .filter_map(|(id, s)| match s {
                Source::Interface(n) => Some((id, n.clone())),
                _ => None,
            })
            .collect();
        for (id, name) in ifaces {
            let up = self
                .reflector
                .table()
                .link_by_name(&name)
                .is_some_and(|l| l.is_up());
            self.set_tracker(
                now,
                id,
                if up {
                    TrackerState::Up
                } else {
                    TrackerState::Down
                },
            );
        }
    }

    fn add_unit(&mut self, registry: &Registry, plan: UnitPlan, now: Instant, previous: &Previous) {
        let u = self.units.len();
        self.seed = self
            .seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let configs: Vec<_> = plan.members.iter().map(|m| m.config.clone()).collect();
        let unit = match &plan.group {
            None => {
                let c = configs.into_iter().next().expect("one member");
                let inst = match previous.states.get(&c.name) {
                    Some(&st) => Instance::reloaded(c, now, self.seed, st),
                    None => Instance::new(c, now, self.seed),
                };
                Unit::Single(Box::new(inst))
            }
            Some(g) => Unit::Group(SyncGroup::new(g.config.clone(), configs, now, self.seed)),
        };
        let mut members = Vec::new();
        for (m, p) in plan.members.iter().enumerate() {
            self.by_name.insert(p.config.name.clone(), (u, m));
            if !previous.states.contains_key(&p.config.name) {
                self.remove_stale_vips(p);
            }
            let sock = self.open_socket(registry, p, (u, m));
            members.push(Member {
                sock,
                tx: TxOpts::for_instance(&p.config),
                link: Link::by_name(p.vrrp_interface()).ok(),
                state: previous
                    .states
                    .get(&p.config.name)
                    .copied()
                    .unwrap_or(State::Init),
                since: std::time::SystemTime::now(),
            });
        }
        self.units.push(Running {
            unit,
            plan,
            members,
            deadline: None,
        });
    }

    /// A new instance starts as backup, so its VIPs must not be on the interface: they may
    /// be left there by a VRRP process that was killed (keepalived's "removing VIPs." at
    /// start-up). Kept instances of a reload are not touched.
    fn remove_stale_vips(&mut self, p: &InstancePlan) {
        let table = self.reflector.table();
        let stale: Vec<keepalive_netlink::AddressSpec> = p
            .addresses
            .iter()
            .filter_map(|a| netspec::address(table, a, p.vrrp_interface()).ok())
            .filter(|spec| {
                table
                    .link(spec.ifindex)
                    .is_some_and(|l| l.addresses.iter().any(|x| x.addr == spec.addr))
            })
            .collect();
        // "removing VIPs." is logged (under -D) with the instance's initial state change.
        for spec in stale {
            if let Err(e) = self.rtnl.del_address(&spec) {
                log_warn!("({}) {e}", p.config.name);
            }
        }
    }

    fn open_socket(&mut self, registry: &Registry, p: &InstancePlan, h: Handle) -> Option<SockId> {
        let ifname = p.socket_interface();
        let link = match Link::by_name(ifname) {
            Ok(l) => l,
            Err(e) => {
                log_err!("({}) {e}", p.config.name);
                return None;
            }
        };
        let key = SockKey::for_instance(&p.config, link.ifindex);
        let existed = self.pool.find(&key).is_some();
        match self.pool.register(&link, key, p.config.vrid, h) {
            Ok(id) => {
                if !existed {
                    if let Some(rx) = self.pool.rx_mut(id) {
                        if let Err(e) = registry.register(
                            rx,
                            Token(SOCKET_TOKEN_BASE + id.0),
                            Interest::READABLE,
                        ) {
                            log_err!("({}) cannot poll its socket: {e}", p.config.name);
                        }
                    }
                }
                Some(id)
            }
            Err(e) => {
                log_err!(
                    "({}) cannot open VRRP socket on {ifname}: {e}",
                    p.config.name
                );
                None
            }
        }
    }

    /// Reads every datagram waiting on socket `token` and hands it to its instance.
    pub fn socket_ready(&mut self, token: Token, now: Instant, buf: &mut [u8]) {
        let id = SockId(token.0 - SOCKET_TOKEN_BASE);
        loop {
            match self.pool.recv(id, buf) {
                Ok(None) => break,
                Ok(Some(Delivery::Instance { handle, len, meta })) => {
                    let (u, m) = handle;
                    let Some(r) = self.units.get_mut(u) else {
                        continue;
                    };
                    let zeros = r.unit.member(m).stats().rx.pri_zero_rcvd;
                    let result = r.unit.handle_packet(now, m, &buf[..len], &meta);
                    if crate::logger::detail()
                        && r.unit.member(m).stats().rx.pri_zero_rcvd > zeros
                        && r.unit.member(m).state() == State::Backup
                    {
                        log_info!(
                            "({}) Backup received priority 0 advertisement",
                            r.unit.member(m).name()
                        );
                    }
                    if let Err(e) = result {
                        if self.drop_log.allow(now) {
                            log_info!(
                                "({}) dropped advert from {}: {e}",
                                r.unit.member(m).name(),
                                meta.src
                            );
                        }
                    }
                    self.drain(u, now);
                }
                Ok(Some(Delivery::UnknownVrid { vrid, meta })) => {
                    if crate::logger::enabled(crate::logger::Level::Debug)
                        && self.drop_log.allow(now)
                    {
                        log_debug!(
                            "Unknown VRID({vrid}) received from {}. ignoring...",
                            meta.src
                        );
                    }
                }
                Ok(Some(Delivery::Malformed { error, meta })) => {
                    self.malformed += 1;
                    if self.drop_log.allow(now) {
                        log_info!("malformed VRRP packet from {}: {error}", meta.src);
                    }
                }
                Err(e) if e.is_would_block() => break,
                Err(e) => {
                    log_debug!("VRRP receive: {e}");
                }
            }
        }
    }

    /// The earliest deadline of any unit or paced GARP round.
    pub fn next_deadline(&self) -> Option<Instant> {
        [
            self.timers.next(),
            self.garp.next_deadline(),
            self.link_pending.values().map(|(t, _)| *t).min(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Fires what is due.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(u) = self.timers.pop_due(now) {
            self.units[u].deadline = None;
            self.units[u].unit.handle_timeout(now);
            self.drain(u, now);
        }
        let Router { garp, sender, .. } = self;
        garp.fire(now, sender);
        if !self.link_pending.is_empty() {
            self.fire_link_delays(now);
        }
    }

    /// A tracked object changed state.
    pub fn set_tracker(&mut self, now: Instant, id: TrackerId, state: TrackerState) {
        if self.tracker_states.insert(id, state) == Some(state) {
            return;
        }
        for u in 0..self.units.len() {
            self.units[u].unit.set_tracker(now, id, state);
            self.drain(u, now);
        }
    }

    /// The id of a tracked object.
    pub fn tracker(&self, source: &Source) -> Option<TrackerId> {
        self.trackers.get(source)
    }

    /// Netlink events: interface state feeds the interface trackers; a VIP removed by
    /// someone else from a master is put back (unless `no_track`).
    pub fn netlink_ready(&mut self, now: Instant) {
        let changes = match self.reflector.process() {
            Ok(c) => c,
            Err(e) => {
                log_warn!("netlink monitor: {e}");
                return;
            }
        };
        for ch in changes {
            match ch {
                Change::LinkUp { name, .. } => {
                    log_info!("Netlink reports {name} up");
                    self.interface_changed(now, &name, true);
                }
                Change::LinkDown { name, .. } => {
                    log_info!("Netlink reports {name} down");
                    self.interface_changed(now, &name, false);
                }
                Change::LinkAdded { name, up, .. } => {
                    self.refresh_links(&name);
                    self.interface_changed(now, &name, up);
                }
                Change::LinkRemoved { name, index } => {
                    self.sender.forget(index);
                    self.interface_changed(now, &name, false);
                }
                Change::AddrRemoved { index, addr, .. } => {
                    self.log_address(index, addr, false);
                    self.source_address(now, addr, false);
                    self.address_removed(now, index, addr);
                }
                Change::AddrAdded { index, addr, .. } => {
                    self.log_address(index, addr, true);
                    self.source_address(now, addr, true);
                }
                _ => {}
            }
        }
    }

    /// keepalived's reflector lines under `-D` (`netlink_if_address_filter`).
    fn log_address(&mut self, index: u32, addr: IpAddr, added: bool) {
        if self.own_changes.remove(&addr)
            || !crate::logger::detail()
            || !self.reported_address(addr)
        {
            return;
        }
        let Some(link) = self.reflector.table().link(index) else {
            return;
        };
        if added {
            log_info!("Assigned address {addr} for interface {}", link.name);
        } else {
            log_info!("Deassigned address {addr} from interface {}", link.name);
        }
    }

    fn source_address(&mut self, now: Instant, addr: IpAddr, present: bool) {
        if let Some(id) = self.trackers.get(&Source::Address(addr)) {
            if !present {
                log_info!("Source address {addr} removed - instances using it go to FAULT");
            }
            let st = if present {
                TrackerState::Up
            } else {
                TrackerState::Down
            };
            self.set_tracker(now, id, st);
        }
    }

    fn refresh_links(&mut self, name: &str) {
        for r in &mut self.units {
            for (m, p) in r.plan.members.iter().enumerate() {
                if p.vrrp_interface() == name {
                    r.members[m].link = Link::by_name(name).ok();
                }
            }
        }
    }

    /// `interface_up_down_delays`: a link change counts only once it has lasted the
    /// interface's delay; the opposite change before that cancels it.
    fn interface_changed(&mut self, now: Instant, name: &str, up: bool) {
        let delay = self
            .link_delays
            .get(name)
            .map_or(Duration::ZERO, |(down, upd)| if up { *upd } else { *down });
        if delay.is_zero() {
            self.link_pending.remove(name);
            self.apply_link(now, name, up);
        } else {
            self.link_pending.insert(name.to_owned(), (now + delay, up));
        }
    }

    /// Sets `interface_up_down_delays`.
    pub fn set_link_delays(&mut self, delays: &[LinkDelay]) {
        self.link_delays = delays
            .iter()
            .map(|d| (d.interface.clone(), (d.down, d.up)))
            .collect();
    }

    fn fire_link_delays(&mut self, now: Instant) {
        let due: Vec<(String, bool)> = self
            .link_pending
            .iter()
            .filter(|(_, (t, _))| *t <= now)
            .map(|(n, (_, up))| (n.clone(), *up))
            .collect();
        for (name, up) in due {
            self.link_pending.remove(&name);
            self.apply_link(now, &name, up);
        }
    }

    fn apply_link(&mut self, now: Instant, name: &str, up: bool) {
        if let Some(id) = self.trackers.get(&Source::Interface(name.to_owned())) {
            self.set_tracker(
                now,
                id,
                if up {
                    TrackerState::Up
                } else {
                    TrackerState::Down
                },
            );
        }
    }

    fn address_removed(&mut self, now: Instant, index: u32, addr: IpAddr) {
        let table = self.reflector.table();
        let mut restore = Vec::new();
        for r in &self.units {
            for (m, p) in r.plan.members.iter().enumerate() {
                let inst = r.unit.member(m);
                if inst.state() != State::Master || !inst.vips_installed() {
                    continue;
                }
                for a in p
                    .addresses
                    .iter()
                    .filter(|a| a.addr.addr == addr && !a.no_track)
                {
                    if let Ok(spec) = netspec::address(table, a, p.vrrp_interface()) {
                        if spec.ifindex == index {
                            restore.push((p.config.name.clone(), spec));
                        }
                    }
                }
            }
        }
        let _ = now;
        for (name, spec) in restore {
            log_info!("({name}) VIP {} was removed - restoring it", spec.addr);
            if let Err(e) = self.rtnl.add_address(&spec) {
                log_warn!("({name}) restoring {}: {e}", spec.addr);
            }
        }
    }

    /// Runs the actions unit `u` has queued, then reschedules its timer.
    fn drain(&mut self, u: usize, now: Instant) {
        // keepalived logs a state change ("Entering MASTER STATE", "sent 0 priority") before
        // what the change does ("setting VIPs.", GARPs, "removing VIPs."): the notifications
        // of a batch go first. Their scripts still run after the addresses change, since
        // notifications are only queued here and dispatched later.
        let mut batch = Vec::new();
        while let Some(item) = self.units[u].unit.poll_action() {
            batch.push(item);
        }
        let (notes, rest): (Vec<_>, Vec<_>) = batch
            .into_iter()
            .partition(|(_, a)| matches!(a, Action::Notify(_)));
        for (origin, action) in notes.into_iter().chain(rest) {
            self.execute(u, origin, action, now);
        }
        let next = self.units[u].unit.poll_timeout();
        self.timers.rearm(u, &mut self.units[u].deadline, next);
    }

    fn execute(&mut self, u: usize, origin: Origin, action: Action, now: Instant) {
        let m = match origin {
            Origin::Member(m) => m,
            Origin::Group => {
                if let Action::Notify(n) = action {
                    self.group_notification(u, n);
                }
                return;
            }
        };
        let table = self.reflector.table();
        let r = &mut self.units[u];
        let p = &r.plan.members[m];
        let name = &p.config.name;
        match action {
            Action::SendAdvert { bytes, dst, .. } => {
                let Some(sock) = r.members[m].sock else {
                    return;
                };
                if let Err(e) = self.pool.send_advert(sock, &bytes, dst, &r.members[m].tx) {
                    // A link that is down refuses sends; the instance is going to FAULT, which
                    // is what the log says (keepalived logs nothing for the failed send).
                    if !e.is_link_down() && !e.is_would_block() {
                        log_warn!("({name}) send advert to {dst}: {e}");
                    }
                }
            }
            Action::AddVips { addrs, no_accept } => {
                if no_accept {
                    self.no_accept.add(&addrs);
                }
                if crate::logger::enabled(crate::logger::Level::Debug) {
                    log_info!("({name}) setting VIPs.");
                }
                for a in p.addresses.iter().filter(|a| addrs.contains(&a.addr.addr)) {
                    match netspec::address(table, a, p.vrrp_interface()) {
                        Ok(spec) => match self.rtnl.add_address(&spec) {
                            Ok(()) => {
                                self.own_changes.insert(a.addr.addr);
                            }
                            Err(keepalive_netlink::Error::Kernel {
                                errno: nix::errno::Errno::EEXIST,
                                ..
                            }) => {}
                            Err(e) => log_err!("({name}) {e}"),
                        },
                        Err(e) => log_err!("({name}) VIP {}: {e}", a.addr.addr),
                    }
                }
            }
            Action::DelVips { addrs, no_accept } => {
                if self.stopping && self.dont_release {
                    return;
                }
                if no_accept {
                    self.no_accept.del(&addrs);
                }
                if crate::logger::enabled(crate::logger::Level::Debug) {
                    log_info!("({name}) removing VIPs.");
                }
                for a in p.addresses.iter().filter(|a| addrs.contains(&a.addr.addr)) {
                    if let Ok(spec) = netspec::address(table, a, p.vrrp_interface()) {
                        match self.rtnl.del_address(&spec) {
                            Ok(()) => {
                                self.own_changes.insert(a.addr.addr);
                            }
                            Err(keepalive_netlink::Error::Kernel { errno, .. })
                                if errno == nix::errno::Errno::EADDRNOTAVAIL
                                    || errno == nix::errno::Errno::ENODEV => {}
                            Err(e) => log_warn!("({name}) {e}"),
                        }
                    }
                }
            }
            Action::AddRoutes => {
                for rt in &p.routes {
                    match netspec::route(table, rt).map(|s| self.rtnl.add_route(&s)) {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => log_err!("({name}) {e}"),
                        Err(e) => log_err!("({name}) route: {e}"),
                    }
                }
            }
            Action::DelRoutes => {
                if self.stopping && self.dont_release {
                    return;
                }
                for rt in &p.routes {
                    if let Ok(s) = netspec::route(table, rt) {
                        let _ = self.rtnl.del_route(&s);
                    }
                }
            }
            Action::AddRules => {
                for rl in &p.rules {
                    match netspec::rule(rl).map(|s| self.rtnl.add_rule(&s)) {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => log_err!("({name}) {e}"),
                        Err(e) => log_err!("({name}) rule: {e}"),
                    }
                }
            }
            Action::DelRules => {
                if self.stopping && self.dont_release {
                    return;
                }
                for rl in &p.rules {
                    if let Ok(s) = netspec::rule(rl) {
                        let _ = self.rtnl.del_rule(&s);
                    }
                }
            }
            Action::Garp { addrs, repeat, .. } => {
                if let Some(link) = &r.members[m].link {
                    if crate::logger::detail() {
                        for a in &addrs {
                            log_info!(
                                "({name}) Sending/queueing gratuitous ARPs on {} for {a}",
                                link.name
                            );
                        }
                    }
                    let ips = addrs.into_iter().map(IpAddr::V4).collect();
                    self.garp
                        .queue(now, link.clone(), ips, repeat, &mut self.sender);
                }
            }
            Action::UnsolicitedNa { addrs, repeat, .. } => {
                if let Some(link) = &r.members[m].link {
                    if crate::logger::detail() {
                        for a in &addrs {
                            log_info!(
                                "({name}) Sending/queueing Unsolicited Neighbour Adverts on {} \
                                 for {a}",
                                link.name
                            );
                        }
                    }
                    let ips = addrs.into_iter().map(IpAddr::V6).collect();
                    self.garp
                        .queue(now, link.clone(), ips, repeat, &mut self.sender);
                }
            }
            Action::Notify(n) => self.instance_notification(u, m, n),
            _ => {}
        }
    }

    fn instance_notification(&mut self, u: usize, m: usize, n: Notification) {
        let member = &mut self.units[u].members[m];
        if let NotifyEvent::State(state) = n.event {
            let prev = member.state;
            member.state = state;
            member.since = std::time::SystemTime::now();
            // keepalived says "(init)" only for a state taken as it starts; an instance
            // waiting for its trackers' first results enters it later without.
            let init = if prev == State::Init && self.starting {
                " (init)"
            } else {
                ""
            };
            match state {
                // A master leaving for FAULT sends priority 0 as it goes (keepalived logs it
                // even when the link is down and nothing leaves).
                State::Fault if prev == State::Master => {
                    log_info!("({}) Entering FAULT STATE", n.name);
                    log_info!("({}) sent 0 priority", n.name)
                }
                State::Master => {
                    // Backup → master is the master-down timer's expiry.
                    if prev == State::Backup && crate::logger::detail() {
                        log_info!("({}) Receive advertisement timeout", n.name);
                    }
                    log_info!("({}) Entering MASTER STATE", n.name)
                }
                State::Backup | State::Fault => {
                    let word = if state == State::Backup {
                        "BACKUP"
                    } else {
                        "FAULT"
                    };
                    log_info!("({}) Entering {word} STATE{init}", n.name)
                }
                // Only a master sends the priority-0 advert (RFC 5798 §6.4.3).
                State::Stopped if prev == State::Master => {
                    log_info!("({}) sent 0 priority", n.name)
                }
                _ => {}
            }
        }
        self.notifications.push((n, u, Some(m)));
    }

    fn group_notification(&mut self, u: usize, n: Notification) {
        if n.scope == NotifyScope::Group {
            if let NotifyEvent::State(state) = n.event {
                if matches!(state, State::Master | State::Backup | State::Fault) {
                    log_info!(
                        "VRRP_Group({}) Syncing instances to {} state",
                        n.name,
                        state.keyword()
                    );
                }
            }
        }
        self.notifications.push((n, u, None));
    }

    /// SIGTERM: every instance sends priority 0 and releases its VIPs (unless `-V`).
    pub fn shutdown(&mut self, now: Instant) {
        self.stopping = true;
        for u in 0..self.units.len() {
            self.units[u].unit.shutdown(now);
            self.drain(u, now);
        }
    }

    /// Removes the VMACs kad created and restores the sysctls it changed.
    pub fn cleanup(&mut self) {
        if !self.dont_release {
            self.no_accept.remove();
        }
        for (index, name) in std::mem::take(&mut self.vmacs) {
            if let Err(e) = self.rtnl.delete_link(index) {
                log_warn!("deleting VMAC/ipvlan {name}: {e}");
            }
        }
        if let Err(e) = self.sysctls.restore() {
            log_warn!("restoring sysctls: {e}");
        }
    }

    /// The state of every instance, for a reload to carry over.
    pub fn previous(&self) -> Previous {
        let mut states = HashMap::new();
        for r in &self.units {
            if r.plan.group.is_some() {
                continue;
            }
            for m in 0..r.unit.len() {
                let i = r.unit.member(m);
                states.insert(i.name().to_owned(), i.state());
            }
        }
        Previous { states }
    }

    /// SIGHUP with a valid configuration: instances that stay keep their state and VIPs,
    /// removed ones are deleted (their VIPs go), new ones start. A sync group whose
    /// settings did not change is kept as it is; a changed one restarts. Create the new
    /// plan's VMACs first ([`Router::create_vmacs`]).
    pub fn reload(&mut self, registry: &Registry, plan: Plan, now: Instant) {
        let detail = crate::logger::detail();
        if detail {
            self.log_addresses();
        }
        self.starting = true;
        let previous = self.previous();
        let mut old: Vec<Option<Running>> = Vec::new();
        for u in 0..self.units.len() {
            let r = &self.units[u];
            let stays = match &r.plan.group {
                None => plan.units.iter().any(|n| {
                    n.group.is_none() && n.members[0].config.name == r.plan.members[0].config.name
                }),
                Some(g) => plan.units.iter().any(|n| same_group(n, &r.plan, g)),
            };
            if !stays {
                for (m, p) in r.plan.members.iter().enumerate() {
                    if r.unit.member(m).state() == State::Master {
                        log_info!("({}) sent 0 priority", p.config.name);
                    }
                }
                self.units[u].unit.delete(now);
                self.drain(u, now);
            }
        }
        // Addresses dropped from an instance that stays master go now.
        for r in &self.units {
            if r.plan.group.is_some() || r.unit.member(0).state() != State::Master {
                continue;
            }
            let Some(newp) = plan
                .units
                .iter()
                .filter(|u| u.group.is_none())
                .map(|u| &u.members[0])
                .find(|m| m.config.name == r.plan.members[0].config.name)
            else {
                continue;
            };
            for a in &r.plan.members[0].addresses {
                if !newp.addresses.iter().any(|b| b.addr == a.addr) {
                    let dev = r.plan.members[0].vrrp_interface();
                    if let Ok(spec) = netspec::address(self.reflector.table(), a, dev) {
                        let _ = self.rtnl.del_address(&spec);
                    }
                }
            }
        }
        for r in self.units.drain(..) {
            old.push(Some(r));
        }
        self.by_name.clear();
        self.timers.clear();
        for id in self.pool.ids().collect::<Vec<_>>() {
            if let Some(rx) = self.pool.rx_mut(id) {
                let _ = registry.deregister(rx);
            }
        }
        self.pool = SocketPool::new(None);
        for e in &plan.errors {
            log_err!("{e}");
        }
        let carried: Vec<(Source, TrackerState)> = self
            .trackers
            .iter()
            .filter_map(|(id, src)| self.tracker_states.get(&id).map(|st| (src.clone(), *st)))
            .collect();
        self.tracker_states.clear();
        self.trackers = plan.trackers;
        for unit_plan in plan.units {
            let reuse = unit_plan.group.as_ref().and_then(|g| {
                old.iter_mut()
                    .find(|o| {
                        o.as_ref()
                            .is_some_and(|o| same_group(&unit_plan, &o.plan, g))
                    })
                    .and_then(Option::take)
            });
            match reuse {
                Some(r) => self.add_existing(registry, r),
                None => self.add_unit(registry, unit_plan, now, &previous),
            }
        }
        // Tracked objects keep their last known state across the reload.
        for (src, st) in carried {
            if let Some(id) = self.trackers.get(&src) {
                self.set_tracker(now, id, st);
            }
        }
        self.refresh_interface_trackers(now);
        for u in 0..self.units.len() {
            self.drain(u, now);
        }
        self.starting = false;
        if detail {
            for line in self.pool.describe() {
                log_info!("{line}");
            }
        }
    }

    fn add_existing(&mut self, registry: &Registry, mut r: Running) {
        let u = self.units.len();
        for (m, p) in r.plan.members.iter().enumerate() {
            self.by_name.insert(p.config.name.clone(), (u, m));
            r.members[m].sock = self.open_socket(registry, p, (u, m));
        }
        r.deadline = None;
        self.units.push(r);
    }

    /// The socket pool for the data dump's `VRRP Sockpool` section, and each instance's
    /// descriptors (`fd_in, fd_out`), by instance name.
    pub fn socket_views(
        &self,
    ) -> (
        Vec<super::dump::SocketView>,
        std::collections::HashMap<String, (i32, i32)>,
    ) {
        use std::os::fd::AsRawFd;
        let mut views = Vec::new();
        let mut fds = std::collections::HashMap::new();
        let table = self.reflector.table();
        for id in self.pool.ids() {
            let (Some(rx), Some(tx)) = (self.pool.rx(id), self.pool.tx(id)) else {
                continue;
            };
            let key = rx.key();
            let pair = (rx.as_raw_fd(), tx.as_raw_fd());
            let mut instances = Vec::new();
            for r in &self.units {
                for (m, p) in r.plan.members.iter().enumerate() {
                    if r.members[m].sock == Some(id) {
                        instances.push((p.config.name.clone(), p.config.vrid));
                        fds.insert(p.config.name.clone(), pair);
                    }
                }
            }
            let (ipv6, unicast_src) = match key.mode {
                crate::vrrp_net::socket::Mode::Multicast { group } => (group.is_ipv6(), None),
                crate::vrrp_net::socket::Mode::Unicast { src } => (src.is_ipv6(), Some(src)),
            };
            views.push(super::dump::SocketView {
                fd_in: pair.0,
                fd_out: pair.1,
                interface: table
                    .link(key.ifindex)
                    .map_or_else(|| key.ifindex.to_string(), |l| l.name.clone()),
                ipv6,
                ah: key.proto == crate::vrrp_net::socket::Proto::Ah,
                unicast_src,
                rx_buf_size: 0,
                instances,
            });
        }
        (views, fds)
    }

    /// Each instance for the state dumps: (plan, protocol state, state-since).
    pub fn instances(
        &self,
    ) -> impl Iterator<Item = (&InstancePlan, &Instance, std::time::SystemTime)> {
        self.units.iter().flat_map(|r| {
            r.plan
                .members
                .iter()
                .enumerate()
                .map(move |(m, p)| (p, r.unit.member(m), r.members[m].since))
        })
    }

    /// Sync groups for the state dumps: (name, state, member names).
    pub fn groups(&self) -> impl Iterator<Item = (&str, State, Vec<&str>)> {
        self.units.iter().filter_map(|r| match &r.unit {
            Unit::Group(g) => Some((
                g.name(),
                g.state(),
                r.plan
                    .members
                    .iter()
                    .map(|m| m.config.name.as_str())
                    .collect(),
            )),
            Unit::Single(_) => None,
        })
    }

    /// The plan of the unit/member a notification came from.
    pub fn plan_of(&self, u: usize, m: Option<usize>) -> (&UnitPlan, Option<&InstancePlan>) {
        let p = &self.units[u].plan;
        (p, m.map(|m| &p.members[m]))
    }

    /// The (unit, member) of the instance named `name`.
    pub fn handle(&self, name: &str) -> Option<Handle> {
        self.by_name.get(name).copied()
    }

    /// How many instances unit `u` has (0 when there is no such unit).
    pub fn unit_len(&self, u: usize) -> usize {
        self.units.get(u).map_or(0, |r| r.unit.len())
    }

    /// The instance at `h`.
    pub fn instance_at(&self, (u, m): Handle) -> Option<&Instance> {
        let r = self.units.get(u)?;
        (m < r.unit.len()).then(|| r.unit.member(m))
    }

    /// The router at `master` is known to be down since `since` (`bfd_takeover`): unit `u`
    /// handles it as its master-down timer's expiry ([`Unit::master_down`]).
    pub fn master_down(
        &mut self,
        now: Instant,
        u: usize,
        master: IpAddr,
        since: Instant,
    ) -> Result<(), keepalive_vrrp::instance::MasterDownIgnored> {
        let Some(r) = self.units.get_mut(u) else {
            return Err(keepalive_vrrp::instance::MasterDownIgnored::NoMaster);
        };
        let result = r.unit.master_down(now, master, since);
        self.drain(u, now);
        result
    }

    /// DBus `SendGarp`: one GARP/NA round for instance `name`'s addresses when they are set
    /// (keepalived's `vrrp_send_link_update(vrrp, 1)`); false when there is no such instance.
    pub fn garp_round(&mut self, name: &str, now: Instant) -> bool {
        for r in &self.units {
            for (m, p) in r.plan.members.iter().enumerate() {
                if p.config.name != name {
                    continue;
                }
                let inst = r.unit.member(m);
                if let (true, Some(link)) = (inst.vips_installed(), &r.members[m].link) {
                    let c = inst.config();
                    let addrs = c.vips.iter().chain(&c.excluded_vips).copied().collect();
                    self.garp
                        .queue(now, link.clone(), addrs, 1, &mut self.sender);
                }
                return true;
            }
        }
        false
    }

    /// DBus `PrintStatsClear`: every instance's counters back to zero.
    pub fn clear_stats(&mut self) {
        for r in &mut self.units {
            r.unit.clear_stats();
        }
    }

    /// The object a tracker id stands for (for metrics).
    pub fn tracker_source(&self, id: TrackerId) -> Option<&Source> {
        self.trackers.source(id)
    }

    /// Number of instances.
    pub fn instance_count(&self) -> usize {
        self.units.iter().map(|r| r.unit.len()).sum()
    }
}

/// At most `RateLimit::PER_SECOND` log lines a second; says how many it held back.
#[derive(Debug, Default)]
struct RateLimit {
    window: Option<Instant>,
    used: u32,
    held: u64,
}

impl RateLimit {
    const PER_SECOND: u32 = 10;

    fn allow(&mut self, now: Instant) -> bool {
        match self.window {
            Some(w) if now.duration_since(w) < Duration::from_secs(1) => {}
            _ => {
                if self.held > 0 {
                    log_info!("{} more dropped VRRP packets were not logged", self.held);
                }
                self.window = Some(now);
                self.used = 0;
                self.held = 0;
            }
        }
        if self.used < Self::PER_SECOND {
            self.used += 1;
            true
        } else {
            self.held += 1;
            false
        }
    }
}

fn report_add(r: keepalive_netlink::Result<()>) -> bool {
    match r {
        Ok(()) => true,
        Err(keepalive_netlink::Error::Kernel {
            errno: nix::errno::Errno::EEXIST,
            ..
        }) => false,
        Err(e) => {
            log_err!("{e}");
            false
        }
    }
}

/// Whether `new` is the group `old` with nothing changed (members' settings included).
fn same_group(new: &UnitPlan, old: &UnitPlan, g: &mapping::GroupPlan) -> bool {
    new.group.as_ref().is_some_and(|n| n.config == g.config)
        && new.members.len() == old.members.len()
        && new
            .members
            .iter()
            .zip(&old.members)
            .all(|(a, b)| a.config == b.config && a.interface == b.interface)
}

/// What a reload carries over: the state of each lone instance by name.
#[derive(Debug, Default)]
pub struct Previous {
    states: HashMap<String, State>,
}
