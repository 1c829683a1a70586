//! Host tests of the datapath chip logic: ring sizing, init, transmit, receive ring walk,
//! hostile headers, receive filter, overrun.

use ne2k_host::dp8390::{self, ChipFlags, Dp8390, Ring, RxMode, RxPeek, PCI_CHIPS};
use ne2k_host::hw::regs::{self, isr};
use ne2k_host::model::{self, Model};

const MAC: [u8; 6] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];

fn up(mem_kib: usize, flags: ChipFlags) -> Dp8390<Model> {
    let mut chip = Dp8390::new(Model::new(MAC, mem_kib), flags);
    chip.probe().expect("probe");
    chip.set_rx_mode(RxMode::compute(false, false, [].iter()));
    chip.init(true);
    chip
}

/// Drains the ring the way the driver's NAPI poll does; returns the frames delivered.
fn drain(chip: &mut Dp8390<Model>, budget: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut curr = chip.rx_curr();
    while out.len() < budget {
        match chip.rx_peek(curr) {
            RxPeek::Empty => {
                curr = chip.rx_curr();
                if let RxPeek::Empty = chip.rx_peek(curr) {
                    break;
                }
            }
            RxPeek::BadHeader => {
                let c = chip.rx_curr();
                chip.rx_reset_ring(c);
                break;
            }
            RxPeek::Frame(f) => {
                let mut buf = vec![0u8; f.len];
                if f.ok() {
                    chip.rx_read(&f, &mut buf);
                    out.push(buf);
                }
                chip.rx_account(&f, f.ok());
                chip.rx_advance(&f);
            }
        }
    }
    out
}

fn frame(dst: [u8; 6], len: usize, seed: u8) -> Vec<u8> {
    let mut f = Vec::with_capacity(len);
    f.extend_from_slice(&dst);
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, 1]);
    f.extend_from_slice(&[0x08, 0x00]);
    while f.len() < len {
        f.push(seed.wrapping_add(f.len() as u8));
    }
    f
}

#[test]
fn memory_test_sizes_the_ring_from_the_card() {
    assert_eq!(up(32, ChipFlags::NONE).ring(), Ring { tx_start: 0x40, rx_start: 0x4c, stop: 0xc0 });
    assert_eq!(up(16, ChipFlags::NONE).ring(), Ring { tx_start: 0x40, rx_start: 0x4c, stop: 0x80 });
    // Holtek HT80229 stops at page 0x60 whatever the test finds.
    assert_eq!(up(32, PCI_CHIPS[9].2.flags).ring().stop, 0x60);
    // A card whose RAM does not hold data fails the probe.
    let mut m = Model::new(MAC, 0);
    m.mem.clear();
    let mut chip = Dp8390::new(m, ChipFlags::NONE);
    assert_eq!(chip.probe(), Err(dp8390::ChipError::MemoryTest));
}

#[test]
fn init_programs_ring_address_and_interrupts() {
    let mut chip = up(16, ChipFlags::NONE);
    let m = chip.bus();
    assert_eq!((m.pstart, m.pstop, m.bnry, m.curr, m.tpsr), (0x4c, 0x80, 0x7f, 0x4c, 0x40));
    assert_eq!(m.par, MAC);
    assert_eq!(m.imr, isr::ALL);
    assert_eq!(m.dcr, 0x49);
    assert_eq!(m.tcr, 0);
    assert_eq!(m.rcr, regs::rcr::AB);
    assert_eq!(m.cmd & (regs::cmd::START | regs::cmd::STOP), regs::cmd::START);
}

#[test]
fn xmit_sends_exact_bytes_and_pads_runts_with_zeros() {
    for flags in [ChipFlags::NONE, ChipFlags::ONLY_16BIT_IO, ChipFlags::ONLY_32BIT_IO] {
        let mut chip = up(32, flags);
        chip.bus().mem.iter_mut().for_each(|b| *b = 0xee); // stale data must not leak
        for len in [14usize, 42, 59, 60, 61, 63, 100, 1000, 1513, 1514] {
            let f = frame([0xff; 6], len, len as u8);
            chip.xmit(&f).unwrap();
            let st = chip.bus().isr;
            chip.tx_complete(st);
            chip.bus().isr = 0;
            let sent = chip.bus().sent.pop().unwrap();
            assert_eq!(sent.len(), len.max(60), "len {len} flags {flags:?}");
            assert_eq!(&sent[..len], &f[..]);
            assert!(sent[len..].iter().all(|&b| b == 0), "runt padding leaked card memory");
        }
        assert_eq!(chip.stats.tx_packets, 10);
        assert_eq!(chip.stats.tx_padded, 3);
    }
}

#[test]
fn xmit_rejects_oversize_and_empty_frames() {
    let mut chip = up(32, ChipFlags::NONE);
    assert!(chip.xmit(&vec![0u8; 1515]).is_err());
    assert!(chip.xmit(&[]).is_err());
    assert!(chip.bus().sent.is_empty());
    assert_eq!(chip.tx_free(), 2);
}

#[test]
fn two_tx_slots_ping_pong() {
    let mut chip = up(32, ChipFlags::NONE);
    let a = frame([0xff; 6], 100, 1);
    let b = frame([0xff; 6], 200, 2);
    assert_eq!(chip.xmit(&a), Ok(1)); // on the wire
    assert_eq!(chip.xmit(&b), Ok(0)); // loaded, waiting
    assert!(chip.xmit(&a).is_err()); // full: the driver stops its queue at 0
    assert_eq!(chip.bus().sent.len(), 1);
    let done = chip.tx_complete(isr::PTX);
    assert!(done.freed);
    assert_eq!(done.bytes, 100);
    assert_eq!(chip.bus().sent.len(), 2, "the loaded slot starts when the first completes");
    assert_eq!(chip.bus().sent[1], b);
    chip.tx_complete(isr::PTX);
    assert_eq!(chip.tx_free(), 2);
    assert_eq!(chip.stats.tx_bytes, 300);
    // A completion with nothing on the wire is ignored.
    assert!(!chip.tx_complete(isr::PTX).freed);
}

#[test]
fn tx_error_is_counted_not_delivered_as_packet() {
    let mut chip = up(32, ChipFlags::NONE);
    chip.xmit(&frame([0xff; 6], 100, 1)).unwrap();
    chip.tx_complete(isr::TXE);
    assert_eq!(chip.stats.tx_errors, 1);
    assert_eq!(chip.stats.tx_packets, 0);
    assert_eq!(chip.tx_free(), 2);
}

#[test]
fn receive_ring_walk_with_wrap_and_boundary() {
    for (kib, flags) in [(16, ChipFlags::NONE), (32, ChipFlags::NONE), (16, ChipFlags::ONLY_16BIT_IO)] {
        let mut chip = up(kib, flags);
        let mut sent = Vec::new();
        // Enough traffic to wrap the ring several times; drain in small batches.
        for i in 0..300usize {
            let len = [60, 61, 62, 63, 64, 255, 256, 257, 1000, 1514][i % 10];
            let f = frame(MAC, len, i as u8);
            assert!(chip.bus().receive(&f), "ring full at frame {i}");
            sent.push(f);
            if i % 7 == 6 {
                let got = drain(&mut chip, 64);
                let base = sent.len() - got.len();
                assert_eq!(&got[..], &sent[base..], "kib {kib}");
                sent.clear();
            }
        }
        let got = drain(&mut chip, 1000);
        assert_eq!(got, sent);
        assert_eq!(chip.stats.rx_packets, 300);
        assert_eq!(chip.stats.rx_errors, 0);
    }
}

#[test]
fn receive_budget_is_respected() {
    let mut chip = up(32, ChipFlags::NONE);
    for i in 0..10 {
        chip.bus().receive(&frame(MAC, 100, i));
    }
    assert_eq!(drain(&mut chip, 4).len(), 4);
    assert_eq!(drain(&mut chip, 64).len(), 6);
}

#[test]
fn full_ring_drops_and_recovers_after_drain() {
    let mut chip = up(16, ChipFlags::NONE);
    let mut stored = 0;
    for i in 0..100 {
        if chip.bus().receive(&frame(MAC, 1514, i)) {
            stored += 1;
        }
    }
    assert!(stored > 0 && stored < 100, "stored {stored}");
    assert_eq!(drain(&mut chip, 1000).len(), stored);
    assert!(chip.bus().receive(&frame(MAC, 1514, 0)), "ring space not returned via BNRY");
    assert_eq!(drain(&mut chip, 1000).len(), 1);
}

/// A tiny deterministic PRNG (xorshift64*), so the property runs need no crates.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// Hostile ring headers: whatever the 4 header bytes (and the chip's CURR) say, the driver
/// never reads outside its buffer, never takes a frame outside 60..=1518 as good, never
/// accepts a next page outside the ring or inconsistent with the length, and recovers (reset) so that valid traffic
/// flows again afterwards.
#[test]
fn hostile_ring_headers_never_corrupt() {
    let cases: u64 = std::env::var("NE2K_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut chip = up(16, ChipFlags::NONE);
    let ring = chip.ring();
    let mut accepted = 0u64;
    for case in 0..cases {
        // Put a random header where the driver expects the next frame, random CURR.
        let page = {
            // The driver's next page: learn it from the boundary.
            let b = chip.bus().bnry;
            if b + 1 >= ring.stop { ring.rx_start } else { b + 1 }
        };
        let hdr = [rng.byte(), rng.byte(), rng.byte(), rng.byte() & if case % 3 == 0 { 0x07 } else { 0xff }];
        chip.bus().poke(u16::from(page) << 8, &hdr);
        chip.bus().curr = if rng.byte() & 1 == 0 { rng.byte() } else { ring.rx_start + rng.byte() % ring.rx_pages() };
        let curr = chip.rx_curr();
        match chip.rx_peek(curr) {
            RxPeek::Empty => assert_eq!(page, curr),
            RxPeek::BadHeader => chip.rx_reset_ring(curr),
            RxPeek::Frame(f) => {
                accepted += 1;
                // A consistent header of a frame outside 60..=1518 is skipped, never read.
                if f.ok() {
                    assert!((60..=1518).contains(&f.len), "length {} taken as a good frame", f.len);
                }
                assert!(f.next >= ring.rx_start && f.next < ring.stop, "next page {:#x} outside ring", f.next);
                if f.len_ok() {
                    let mut buf = vec![0u8; f.len];
                    chip.rx_read(&f, &mut buf);
                }
                chip.rx_account(&f, f.ok());
                chip.rx_advance(&f);
            }
        }
        let b = chip.bus().bnry;
        assert!(b >= ring.rx_start && b < ring.stop, "boundary {b:#x} left the ring");
    }
    assert!(accepted > 0, "no random header was ever plausible: the property did not exercise reads");
    // Valid traffic still flows.
    let c = chip.bus().curr.clamp(ring.rx_start, ring.stop - 1);
    chip.rx_reset_ring(c);
    let m = chip.bus();
    m.curr = m.bnry.wrapping_add(1);
    if m.curr >= ring.stop { m.curr = ring.rx_start; }
    let f = frame(MAC, 300, 7);
    assert!(chip.bus().receive(&f));
    assert_eq!(drain(&mut chip, 64), vec![f]);
}

#[test]
fn errored_frames_are_counted_not_delivered() {
    let mut chip = up(32, ChipFlags::NONE);
    chip.bus().receive(&frame(MAC, 100, 1));
    // Corrupt the status byte: CRC error.
    let page = chip.ring().rx_start;
    chip.bus().poke(u16::from(page) << 8, &[regs::rsr::CRC]);
    chip.bus().receive(&frame(MAC, 100, 2));
    let got = drain(&mut chip, 64);
    assert_eq!(got.len(), 1);
    assert_eq!(chip.stats.rx_crc_errors, 1);
    assert_eq!(chip.stats.rx_errors, 1);
}

#[test]
fn ether_crc_matches_reflected_crc32_and_qemu_hash() {
    let mut rng = Rng(42);
    for _ in 0..1000 {
        let a: [u8; 6] = core::array::from_fn(|_| rng.byte());
        // Reflected CRC-32 without final xor, bit-reversed, is the big-endian Ethernet CRC.
        let mut c: u32 = 0xffff_ffff;
        for &b in &a {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 { (c >> 1) ^ 0xedb8_8320 } else { c >> 1 };
            }
        }
        assert_eq!(dp8390::ether_crc(&a), c.reverse_bits());
        assert_eq!(dp8390::mc_hash_bit(&a), model::ne2k_mc_bit(&a));
    }
}

#[test]
fn rx_filter_modes() {
    let group = [0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb];
    let other = [0x01, 0x00, 0x5e, 0x7f, 0x12, 0x34];
    let stranger = [0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc];
    let mut chip = up(32, ChipFlags::NONE);
    // Default: unicast to us and broadcast only.
    assert!(chip.bus().receive(&frame(MAC, 60, 0)));
    assert!(chip.bus().receive(&frame([0xff; 6], 60, 0)));
    assert!(!chip.bus().receive(&frame(group, 60, 0)));
    assert!(!chip.bus().receive(&frame(stranger, 60, 0)));
    // A multicast list: its group passes (another group passes only on a hash collision).
    chip.set_rx_mode(RxMode::compute(false, false, [group].iter()));
    assert!(chip.bus().receive(&frame(group, 60, 0)));
    assert_eq!(chip.bus().receive(&frame(other, 60, 0)), dp8390::mc_hash_bit(&other) == dp8390::mc_hash_bit(&group));
    // Allmulti: every group; still no strangers.
    chip.set_rx_mode(RxMode::compute(false, true, [].iter()));
    assert!(chip.bus().receive(&frame(other, 60, 0)));
    assert!(!chip.bus().receive(&frame(stranger, 60, 0)));
    // Promiscuous: everything.
    chip.set_rx_mode(RxMode::compute(true, false, [].iter()));
    assert!(chip.bus().receive(&frame(stranger, 60, 0)));
    assert_eq!(chip.bus().rcr & regs::rcr::PRO, regs::rcr::PRO);
    drain(&mut chip, 1000);
    assert!(chip.stats.multicast >= 3);
}

#[test]
fn irq_take_masks_and_acks_only_when_ours() {
    let mut chip = up(32, ChipFlags::NONE);
    assert_eq!(chip.irq_take(), None, "nothing pending: IRQ_NONE on a shared line");
    chip.bus().receive(&frame(MAC, 100, 1));
    assert!(chip.bus().irq_pending());
    assert_eq!(chip.irq_take(), Some(isr::PRX));
    assert_eq!(chip.bus().imr, 0);
    assert!(!chip.bus().irq_pending());
    chip.irq_unmask();
    assert_eq!(chip.bus().imr, isr::ALL);
    chip.quiesce();
    chip.bus().isr |= isr::PRX;
    assert_eq!(chip.irq_take(), None, "a stopped chip never claims the line");
}

#[test]
fn overrun_recovery_resends_cut_transmit() {
    let mut chip = up(32, ChipFlags::NONE);
    chip.bus().cmd |= regs::cmd::TRANS; // a transmit in progress when the overrun hit
    chip.bus().isr = isr::OVW;
    let resend = chip.rx_overrun_begin();
    assert!(resend);
    assert_eq!(chip.bus().tcr, regs::tcr::LOOPBACK);
    assert_eq!(chip.bus().rbcr, 0);
    chip.rx_overrun_finish(resend);
    assert_eq!(chip.bus().tcr, 0);
    assert_eq!(chip.bus().isr & isr::OVW, 0);
    assert_eq!(chip.stats.rx_overruns, 1);
}

#[test]
fn tx_timeout_reinitialises_and_frees_slots() {
    let mut chip = up(32, ChipFlags::NONE);
    chip.xmit(&frame([0xff; 6], 100, 1)).unwrap();
    chip.xmit(&frame([0xff; 6], 100, 2)).unwrap();
    assert_eq!(chip.tx_free(), 0);
    chip.tx_timeout().unwrap();
    assert_eq!(chip.tx_free(), 2);
    assert_eq!(chip.stats.tx_timeouts, 1);
    assert_eq!(chip.bus().imr, isr::ALL);
    chip.xmit(&frame([0xff; 6], 100, 3)).unwrap();
}

#[test]
fn port_accesses_are_counted() {
    let mut chip = up(32, ChipFlags::NONE);
    let before = chip.stats.port_accesses;
    chip.xmit(&frame([0xff; 6], 1000, 1)).unwrap();
    let used = chip.stats.port_accesses - before;
    // 250 data-port dwords plus a bounded register protocol.
    assert!(used >= 250 && used < 290, "port accesses for a 1000-byte send: {used}");
}

#[test]
fn tx_stages_add_up_and_dma_grows_with_size() {
    let mut chip = up(32, ChipFlags::NONE);
    let mut last_dma = 0;
    for len in [60usize, 200, 600, 1514] {
        let t0 = chip.cycles();
        chip.xmit_timed(&frame([0xff; 6], len, 1), Some(t0)).unwrap();
        let done = chip.tx_complete(isr::PTX);
        let s = done.stages.expect("a timed frame reports its stages");
        assert_eq!(s.len as usize, len.max(60));
        assert!(s.driver > 0 && s.dma > 0 && s.nic > 0, "{s:?}");
        assert_eq!(s.queued, 0, "the transmitter was idle");
        assert_eq!(s.driver + s.dma + s.queued + s.nic, s.total, "{s:?}");
        assert!(s.dma > last_dma, "DMA stage must grow with frame size: {s:?}");
        last_dma = s.dma;
    }
    // An untimed frame reports nothing.
    chip.xmit(&frame([0xff; 6], 100, 1)).unwrap();
    assert_eq!(chip.tx_complete(isr::PTX).stages, None);
}

#[test]
fn tx_stages_of_a_queued_frame_include_the_wait() {
    let mut chip = up(32, ChipFlags::NONE);
    let t0 = chip.cycles();
    chip.xmit_timed(&frame([0xff; 6], 100, 1), Some(t0)).unwrap();
    let t1 = chip.cycles();
    chip.xmit_timed(&frame([0xff; 6], 100, 2), Some(t1)).unwrap();
    let a = chip.tx_complete(isr::PTX).stages.unwrap();
    let b = chip.tx_complete(isr::PTX).stages.unwrap();
    assert_eq!(b.seq, a.seq + 1);
    assert_eq!(a.queued, 0);
    assert!(b.queued > 0, "the second frame waited for the first: {b:?}");
    for s in [a, b] {
        assert_eq!(s.driver + s.dma + s.queued + s.nic, s.total, "{s:?}");
    }
}

/// A completion that is already there when start_xmit ends (QEMU's model and this one send
/// inside the command write) is taken by `tx_reap` with the transmit interrupt masked; one that
/// is not yet there unmasks the transmit interrupt so the poll gets it.
#[test]
fn tx_reap_completes_inline_or_arms_the_tx_interrupt() {
    let mut chip = up(32, ChipFlags::NONE);
    assert_eq!(chip.tx_reap(), None, "nothing on the wire, nothing to reap");
    chip.xmit(&frame([0xff; 6], 100, 1)).unwrap();
    let done = chip.tx_reap().expect("the model completed the frame synchronously");
    assert!(done.freed);
    assert_eq!(chip.tx_free(), 2);
    assert_eq!(chip.stats.tx_packets, 1);
    let m = chip.bus();
    assert_eq!(m.isr & isr::PTX, 0, "the completion was acked");
    assert_eq!(m.imr & (isr::PTX | isr::TXE), 0, "transmit interrupt masked after an inline completion");
    assert_eq!(m.imr & isr::PRX, isr::PRX, "receive interrupt untouched");
    // Not complete yet (a real chip still sending): the transmit interrupt is unmasked.
    chip.xmit(&frame([0xff; 6], 100, 2)).unwrap();
    chip.bus().isr &= !isr::PTX;
    assert_eq!(chip.tx_reap(), None);
    assert_eq!(chip.bus().imr & isr::PTX, isr::PTX, "transmit interrupt armed for the pending frame");
    assert_eq!(chip.tx_free(), 1);
    // ... and while a poll has the chip masked, the new mask waits for the unmask.
    chip.bus().isr |= isr::PTX;
    assert!(chip.irq_take().is_some());
    assert_eq!(chip.bus().imr, 0);
    let st = chip.isr_take();
    assert!(chip.tx_complete(st).freed);
    chip.xmit(&frame([0xff; 6], 100, 3)).unwrap();
    assert!(chip.tx_reap().is_some());
    assert_eq!(chip.bus().imr, 0, "no IMR write while masked");
    chip.irq_unmask();
    assert_eq!(chip.bus().imr & (isr::PTX | isr::TXE), 0);
    assert_eq!(chip.bus().imr & isr::PRX, isr::PRX);
}

/// The register protocol's cost per frame, in port accesses (the driver's own counter, the
/// one `ethtool -S port_accesses` shows): a received 1514-byte frame takes one remote read for
/// header and body (5 setup writes + 1 abort, 1 + 379 data dwords) and a boundary write; a sent
/// one takes its remote write (6 + 379 + RDC wait and ack), the send command (4) and the inline
/// completion (ISR read, ack, TSR read). Catches any access added to the per-frame path.
#[test]
fn per_frame_port_access_budget() {
    let mut chip = up(32, ChipFlags::NONE);
    let f = frame(MAC, 1514, 3);
    assert!(chip.bus().receive(&f));
    let curr = chip.rx_curr();
    let before = chip.stats.port_accesses;
    let RxPeek::Frame(fr) = chip.rx_peek(curr) else { panic!("no frame") };
    let mut buf = vec![0u8; fr.len];
    chip.rx_read(&fr, &mut buf);
    chip.rx_account(&fr, true);
    chip.rx_advance(&fr);
    assert_eq!(buf, f);
    let rx = chip.stats.port_accesses - before;
    assert_eq!(rx, 6 + 1 + 379 + 1 + 1, "receive accesses per 1514-byte frame");
    // The first inline completion also masks the transmit interrupt (one IMR write, once).
    chip.xmit(&f).unwrap();
    chip.tx_reap().unwrap();
    assert_eq!(chip.bus().imr & isr::PTX, 0);
    let before = chip.stats.port_accesses;
    chip.xmit(&f).unwrap();
    assert!(chip.tx_reap().unwrap().freed);
    let tx = chip.stats.port_accesses - before;
    assert_eq!(tx, 6 + 379 + 2 + 4 + 3, "transmit accesses per 1514-byte frame");
    assert_eq!(chip.bus().sent.last().unwrap(), &f);
}
