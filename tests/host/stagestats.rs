//! The stage statistics (`stagestats.rs`, the module's own file): buckets, percentiles, the
//! join of a hard IRQ to its poll, and the debugfs text.

use ne2k_host::datapath::PollReport;
use ne2k_host::dp8390::TxStages;
use ne2k_host::sim::Rng;
use ne2k_host::stagestats::{bucket, bucket_range, class, Hist, StageStats, Unit, BUCKETS, CLASSES};

/// The percentile as the event tables compute it (scripts/report.py `pct`, numpy's default):
/// interpolated between the samples of rank floor and ceil of (n - 1) * p / 100.
fn exact(sorted: &[u64], p: u64) -> u64 {
    let k = (sorted.len() - 1) as f64 * p as f64 / 100.0;
    let (lo, hi) = (k.floor() as usize, (k.floor() as usize + 1).min(sorted.len() - 1));
    (sorted[lo] as f64 + (sorted[hi] as f64 - sorted[lo] as f64) * (k - k.floor())).round() as u64
}

#[test]
fn every_value_falls_in_its_bucket_and_a_bucket_is_at_most_an_eighth_of_its_values() {
    let mut last = 0;
    let mut v = 0u64;
    while v < 1 << 28 {
        let i = bucket(v);
        assert!(i >= last, "buckets grow with the value ({v})");
        last = i;
        let (lo, width) = bucket_range(i);
        assert!(lo <= v && v < lo + width, "{v} in bucket {i} = [{lo}, {})", lo + width);
        assert!(width == 1 || width * 8 <= lo, "bucket {i}: width {width} at {lo}");
        v = v + 1 + v / 13;
    }
    assert_eq!(bucket(1 << 28), BUCKETS - 1, "larger values count in the last bucket");
    assert_eq!(bucket(u64::MAX), BUCKETS - 1);
    assert_eq!(bucket_range(BUCKETS - 1).0 + bucket_range(BUCKETS - 1).1, 1 << 28);
    // Consecutive buckets tile the values.
    for i in 1..BUCKETS {
        let (plo, pw) = bucket_range(i - 1);
        assert_eq!(plo + pw, bucket_range(i).0, "bucket {i} starts where {} ends", i - 1);
    }
}

#[test]
fn size_classes_are_the_issues() {
    assert_eq!(CLASSES, [64, 128, 512, 1024, 1518]);
    for (len, c) in [(0, 0), (60, 0), (64, 0), (65, 1), (128, 1), (129, 2), (512, 2), (513, 3),
                     (1024, 3), (1025, 4), (1514, 4), (1518, 4), (9000, 4)] {
        assert_eq!(class(len), c, "a {len}-byte frame");
    }
}

#[test]
fn percentiles_are_within_a_sixteenth_of_the_samples_they_stand_for() {
    let mut rng = Rng(7);
    // Shapes of the stage figures: narrow (a copy), wide (a NIC stage with wire waits), two
    // modes (cached / cold), a few huge outliers, and small counts.
    let shapes: [(&str, Box<dyn Fn(&mut Rng) -> u64>); 5] = [
        ("narrow", Box::new(|r: &mut Rng| 2000 + r.next() % 200)),
        ("wide", Box::new(|r: &mut Rng| 10_000 + r.next() % 5_000_000)),
        ("two modes", Box::new(|r: &mut Rng| if r.next() % 3 == 0 { 90_000 + r.next() % 900 } else { 4_000 + r.next() % 40 })),
        ("outliers", Box::new(|r: &mut Rng| if r.next() % 50 == 0 { 5_000_000 } else { 484_700 + r.next() % 300 })),
        ("tiny", Box::new(|r: &mut Rng| r.next() % 12)),
    ];
    for (name, f) in &shapes {
        for n in [1usize, 2, 3, 10, 101, 5000] {
            let h = Hist::new();
            let mut xs: Vec<u64> = (0..n).map(|_| f(&mut rng)).collect();
            for &x in &xs {
                h.record(x);
            }
            xs.sort_unstable();
            let s = h.summary();
            assert_eq!(s.count, n as u64);
            assert_eq!(s.sum, xs.iter().sum::<u64>(), "{name}: the sum is exact");
            for (p, got) in [(5, s.p5), (50, s.p50), (95, s.p95)] {
                let want = exact(&xs, p);
                let err = (got as f64 - want as f64).abs() / want.max(1) as f64;
                assert!(err <= 1.0 / 16.0 || got.abs_diff(want) <= 1, "{name}, n={n}: p{p} {got} for {want} ({:.1} %)", err * 100.0);
            }
        }
    }
    assert_eq!(Hist::new().summary().p50, 0, "an empty histogram says 0");
}

fn tx(len: u32, driver: u64, dma: u64, nic: u64) -> TxStages {
    TxStages { seq: 1, len, driver, dma, queued: 0, nic, total: driver + dma + nic }
}

/// A row of the debugfs text: (count, mean, p5, p50, p95), or None if it is not there.
fn row(text: &str, what: &str, stage: &str, class: &str) -> Option<[u64; 5]> {
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.len() == 8 && f[0] == what && f[1] == stage && f[2] == class)
            .then(|| std::array::from_fn(|i| f[3 + i].parse().unwrap()))
    })
}

#[test]
fn stages_go_to_their_size_class_and_the_text_lists_what_counted() {
    let s = StageStats::new();
    s.tx(&tx(60, 3000, 7000, 12_000));
    s.tx(&tx(60, 3000, 7000, 12_000));
    s.tx(&tx(1042, 3100, 70_000, 462_000));
    s.rx(142, 102_000, 9000, 1300);
    let text = s.to_string();
    assert!(text.starts_with("# "), "{text}");
    assert_eq!(row(&text, "tx", "driver", "64").unwrap()[..2], [2, 3000]);
    assert_eq!(row(&text, "tx", "nic", "1518").unwrap()[..2], [1, 462_000]);
    assert_eq!(row(&text, "rx", "dma", "512").unwrap()[..2], [1, 9000]);
    assert_eq!(row(&text, "rx", "dma", "64"), None, "rows that counted nothing are left out");
    assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), 6 + 3, "{text}");
    s.clear();
    assert_eq!(s.to_string().lines().filter(|l| !l.starts_with('#')).count(), 0);
}

#[test]
fn an_interrupt_is_joined_to_the_poll_it_scheduled_and_to_no_other() {
    let s = StageStats::new();
    // A receive interrupt: 500 cycles; its poll takes 10,000, 4,000 of them in the stack.
    s.irq(0x01, 500);
    s.time_poll(8, 64);
    s.poll(&report(64, 10_000, 4_000, 142, 0));
    // The poll that follows it (budget spent) has no interrupt of its own.
    s.time_poll(8, 64);
    s.poll(&report(64, 7_000, 0, 142, 0));
    // A transmit interrupt (PTX), its poll reaps a 60-byte frame.
    s.irq(0x02, 300);
    s.time_poll(8, 64);
    s.poll(&report(64, 2_000, 0, 0, 60));
    // An interrupt of no Table 10 cause (counter overflow) is not joined.
    s.irq(0x20, 100);
    s.time_poll(8, 64);
    s.poll(&report(64, 900, 0, 0, 0));
    let text = s.to_string();
    assert_eq!(row(&text, "irq", "rx", "512").unwrap()[..2], [1, 500 + 10_000 - 4_000]);
    assert_eq!(row(&text, "irq", "tx", "64").unwrap()[..2], [1, 2_300]);
    assert_eq!(row(&text, "hardirq", "rx", "-").unwrap()[..2], [1, 500]);
    assert_eq!(row(&text, "hardirq", "tx", "-").unwrap()[..2], [1, 300]);
    assert_eq!(text.lines().filter(|l| l.starts_with("irq ")).count(), 2, "{text}");
    // RXE counts as receive, TXE as transmit, receive first.
    assert_eq!(ne2k_host::stagestats::cause(0x04), Some(0));
    assert_eq!(ne2k_host::stagestats::cause(0x08), Some(1));
    assert_eq!(ne2k_host::stagestats::cause(0x03), Some(0));
}

#[test]
fn sampling_takes_about_one_unit_in_the_period_per_kind_at_random() {
    let s = StageStats::new();
    for period in [0u32, 1] {
        assert!((0..10).all(|_| s.sample(Unit::Tx, period)), "period {period}: every unit");
    }
    let s = StageStats::new();
    let n = 80_000;
    let tx = (0..n).filter(|_| s.sample(Unit::Tx, 8)).count();
    assert!(tx.abs_diff(n / 8) < n / 80, "{tx} of {n} at period 8");
    // No stride: an alternating pattern (a ping's PTX, PRX interrupts) is sampled on both sides.
    let (mut even, mut odd) = (0, 0);
    for i in 0..n {
        if s.sample(Unit::Irq, 8) {
            if i % 2 == 0 { even += 1 } else { odd += 1 }
        }
    }
    assert!(even > n / 40 && odd > n / 40, "even {even}, odd {odd}");
}

fn report(budget: u32, cycles: u64, stack: u64, rx_len: u32, tx_len: u32) -> PollReport {
    PollReport { rx: 0, tx: 0, budget, cycles, stack, rx_len, tx_len }
}

#[test]
fn a_poll_takes_over_its_interrupt_when_it_starts() {
    let s = StageStats::new();
    assert!(!s.time_poll(8, 64), "no interrupt recorded: the poll is not timed at period 8");
    assert!(s.time_poll(1, 64), "at period 1 every poll is");
    s.poll(&report(64, 100, 0, 0, 0));
    assert_eq!(s.to_string().lines().filter(|l| l.starts_with("irq ")).count(), 0, "no interrupt, no join");
    // An interrupt, then its poll starts; a second interrupt comes before the first poll
    // reports (raised at its unmask): it waits for its own poll.
    s.irq(0x01, 500);
    assert!(s.time_poll(8, 64));
    s.irq(0x02, 300);
    s.poll(&report(64, 10_000, 4_000, 142, 0));
    assert!(s.time_poll(8, 64), "the second interrupt's poll is timed");
    s.poll(&report(64, 2_000, 0, 0, 60));
    let text = s.to_string();
    assert_eq!(row(&text, "irq", "rx", "512").unwrap()[..2], [1, 6_500]);
    assert_eq!(row(&text, "irq", "tx", "64").unwrap()[..2], [1, 2_300]);
    // A netpoll (budget 0) leaves the interrupt to the poll that follows.
    s.irq(0x01, 50);
    assert!(!s.time_poll(1, 0));
    s.poll(&report(0, 9, 0, 0, 0));
    assert!(s.time_poll(8, 64));
    s.poll(&report(64, 950, 0, 60, 0));
    assert_eq!(row(&s.to_string(), "irq", "rx", "64").unwrap()[..2], [1, 1_000]);
    // Received frames: timed when a timed interrupt announced them, or at period 1, or in a
    // poll timed for its interrupt.
    assert!(s.time_rx(8, true) && s.time_rx(1, false));
    assert!(!s.time_poll(8, 64));
    assert!(!s.time_rx(8, false));
    s.irq(0x01, 1);
    assert!(s.time_poll(8, 64));
    assert!(s.time_rx(8, false));
}
