//! A software DP8390 + NE2000 ASIC, modelled on the DP8390D datasheet: paged registers,
//! reset port, station-address PROM, packet RAM with remote DMA through the data port, ISR/IMR
//! semantics (write-1-to-clear, RDC when the byte count runs out). It implements `RegisterBus`
//! so the driver's chip logic runs against it unchanged; tests can also poke it directly.
//!
//! Two modes. By default it behaves as QEMU's `ne2k_pci`: a transmit completes inside the
//! command write, a frame that does not fit the ring is dropped silently. With
//! [`Model::with_wire`] it keeps a clock and behaves as a DP8390 on a 10 Mbit/s wire: every
//! register access and data-port word takes time; a transmit completes after its wire time
//! (preamble, frame, CRC, inter-frame gap), reading the slot as it goes, so a slot rewritten
//! mid-send goes out torn; frames arrive from a schedule at any access, also while a poll runs
//! or the chip is stopped; a frame that does not fit raises OVW and the receiver rejects
//! frames until OVW is cleared; STOP lets a transmit in progress finish before RST. Protocol
//! errors a real chip would punish are recorded in `violations`.

use std::mem::MaybeUninit;
use crate::hw::regs::{self, p0, p1, CR, RESET, Cr, Isr, Rsr, Rcr, Tsr};
use crate::hw::RegisterBus;

/// Packet RAM starts at 16 KiB (page 0x40), as on every NE2000.
pub const PMEM_START: usize = 0x4000;

pub struct Model {
    pub cmd: u8,
    pub isr: u8,
    pub imr: u8,
    pub dcr: u8,
    pub rcr: u8,
    pub tcr: u8,
    pub pstart: u8,
    pub pstop: u8,
    pub bnry: u8,
    pub curr: u8,
    pub tpsr: u8,
    pub tbcr: u16,
    pub rsar: u16,
    pub rbcr: u16,
    pub par: [u8; 6],
    pub mar: [u8; 8],
    pub counters: [u8; 3],
    /// PROM bytes (16), and the packet RAM.
    pub prom: [u8; 16],
    pub mem: Vec<u8>,
    /// Every register/data-port access, for protocol assertions.
    pub log: Vec<Access>,
    /// If set, ISR.RST never comes up after a reset (a dead card).
    pub dead_reset: bool,
    /// If set, every register read returns 0xff (nothing on the bus).
    pub floating: bool,
    /// Frames the chip transmitted.
    pub sent: Vec<Vec<u8>>,
    /// Bumps on every `cycles()` call so the fake clock is strictly increasing.
    pub clock: u64,
    /// If set, the remote-DMA address runs on past PSTOP instead of wrapping to PSTART (as
    /// some clones do): the driver must split a read that wraps the ring itself.
    pub dma_no_wrap: bool,
    /// The wire (timing mode), if any.
    pub wire: Option<Wire>,
    /// Protocol errors the driver made (timing mode).
    pub violations: Vec<String>,
    /// The receive byte count includes the frame check sequence, stored after the frame, as
    /// the DP8390 datasheet says and real cards do (the default); QEMU's and Bochs' cards leave
    /// it out (`fcs = false`). Taken by [`Self::receive`]; the wire's arrivals
    /// ([`Self::receive_dp8390`], timing mode: the explorer) are stored without it as yet.
    pub fcs: bool,
    /// The card is gone (removed under the driver, or powered down): every register and the
    /// data port read all-ones, writes go nowhere, no frame is stored, the line stays low.
    pub gone: bool,
}

/// The timing mode's state: a clock in nanoseconds, the frame on the wire, the frames to come.
#[derive(Debug, Default)]
pub struct Wire {
    pub now_ns: u64,
    /// Cost of one register access, and of one data-port word (a PCI I/O cycle on an RTL8029
    /// is about a microsecond).
    pub reg_ns: u64,
    pub word_ns: u64,
    /// The transmit in progress: (its start page, its length, when it ends).
    pub tx: Option<(u8, u16, u64)>,
    /// STOP was written during a transmit: RST comes when it ends.
    pub stop_pending: bool,
    /// Frames to arrive: (when, bytes), in time order.
    pub arrivals: std::collections::VecDeque<(u64, Vec<u8>)>,
    /// Frames that arrived and were stored on the ring, in order.
    pub stored: Vec<Vec<u8>>,
    /// Frames that arrived and were dropped (chip stopped, filter, overflow).
    pub dropped: u64,
    pub overflows: u64,
}

/// Time on a 10 Mbit/s wire for a frame of `len` bytes (padded to 60) plus CRC, preamble and
/// inter-frame gap: 100 ns a bit.
pub fn wire_ns(len: usize) -> u64 {
    ((8 + len.max(60) + 4 + 12) * 8 * 100) as u64
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read(u8, u8),
    Write(u8, u8),
    DataIn { width: u8, count: usize },
    DataOut { width: u8, count: usize },
}

impl Model {
    /// A card with `mem_kib` KiB of packet RAM (16 for a real RTL8029, 32 for QEMU's model)
    /// and the given station address in its PROM.
    pub fn new(mac: [u8; 6], mem_kib: usize) -> Self {
        let mut prom = [0u8; 16];
        prom[..6].copy_from_slice(&mac);
        prom[14] = 0x57;
        prom[15] = 0x57;
        Self {
            cmd: Cr::NODMA.bits() | Cr::STP.bits(),
            isr: Isr::RST.bits(),
            imr: 0,
            dcr: 0,
            rcr: 0,
            tcr: 0,
            pstart: 0,
            pstop: 0,
            bnry: 0,
            curr: 0,
            tpsr: 0,
            tbcr: 0,
            rsar: 0,
            rbcr: 0,
            par: [0; 6],
            mar: [0; 8],
            counters: [0; 3],
            prom,
            mem: vec![0; mem_kib * 1024],
            log: Vec::new(),
            dead_reset: false,
            floating: false,
            sent: Vec::new(),
            clock: 0,
            dma_no_wrap: false,
            wire: None,
            violations: Vec::new(),
            fcs: true,
            gone: false,
        }
    }

    /// The same card on a 10 Mbit/s wire (timing mode, see the module's documentation).
    pub fn with_wire(mac: [u8; 6], mem_kib: usize) -> Self {
        let mut m = Self::new(mac, mem_kib);
        m.wire = Some(Wire { reg_ns: 1000, word_ns: 1000, ..Wire::default() });
        m
    }

    /// Timing mode: lets `ns` pass and runs what falls due: the end of a transmit, arrivals.
    pub fn advance(&mut self, ns: u64) {
        let Some(w) = self.wire.as_mut() else { return };
        let until = w.now_ns + ns;
        loop {
            let w = self.wire.as_mut().unwrap();
            let tx_end = w.tx.map(|t| t.2).filter(|&t| t <= until);
            let arrival = w.arrivals.front().map(|a| a.0).filter(|&t| t <= until);
            match (tx_end, arrival) {
                (Some(t), a) if a.is_none_or(|a| t <= a) => {
                    w.now_ns = w.now_ns.max(t);
                    self.tx_done();
                }
                (_, Some(a)) => {
                    w.now_ns = w.now_ns.max(a);
                    let (_, f) = w.arrivals.pop_front().unwrap();
                    self.arrive(&f);
                }
                _ => break,
            }
        }
        self.wire.as_mut().unwrap().now_ns = until;
    }

    /// The transmit in progress ends: the frame goes out as the slot holds it now.
    fn tx_done(&mut self) {
        let w = self.wire.as_mut().unwrap();
        let Some((page, len, _)) = w.tx.take() else { return };
        let stop = core::mem::take(&mut w.stop_pending);
        let start = u16::from(page) << 8;
        let frame: Vec<u8> = (0..len).map(|i| self.mem_read(start + i)).collect();
        self.sent.push(frame);
        self.isr |= Isr::PTX.bits();
        self.cmd &= !Cr::TXP.bits();
        if stop && !self.dead_reset {
            self.isr |= Isr::RST.bits();
        }
    }

    /// A frame arrives from the wire (timing mode): stored as a DP8390 stores it, or dropped.
    fn arrive(&mut self, frame: &[u8]) {
        let stored = self.receive_dp8390(frame);
        let w = self.wire.as_mut().unwrap();
        if stored {
            let mut f = frame.to_vec();
            f.resize(f.len().max(60), 0);
            w.stored.push(f);
        } else {
            w.dropped += 1;
        }
    }

    /// Schedules a frame to arrive `after_ns` from now (timing mode).
    pub fn schedule_arrival(&mut self, after_ns: u64, frame: Vec<u8>) {
        let w = self.wire.as_mut().expect("timing mode");
        let at = w.now_ns + after_ns;
        let i = w.arrivals.partition_point(|a| a.0 <= at);
        w.arrivals.insert(i, (at, frame));
    }

    /// Frames scheduled that have not arrived yet (timing mode).
    pub fn arrivals_pending(&self) -> usize {
        self.wire.as_ref().map_or(0, |w| w.arrivals.len())
    }

    /// Whether a transmit is in progress.
    pub fn transmitting(&self) -> bool {
        self.wire.as_ref().is_some_and(|w| w.tx.is_some())
    }

    /// Whether the receiver is on the wire: started, not in loopback, not in overflow, not in
    /// monitor mode.
    fn receiving(&self) -> bool {
        self.cmd & Cr::STP.bits() == 0
            && self.cmd & Cr::STA.bits() != 0
            && self.tcr & 0x06 == 0
            && self.isr & Isr::OVW.bits() == 0
            && self.rcr & Rcr::MON.bits() == 0
            && self.pstop > self.pstart
    }

    /// Address filter by RCR/PAR/MAR.
    fn accepts(&self, frame: &[u8]) -> bool {
        let bcast = frame.len() >= 6 && frame[..6] == [0xff; 6];
        let mcast = !frame.is_empty() && frame[0] & 1 != 0;
        if self.rcr & Rcr::PRO.bits() != 0 {
            return true;
        }
        if bcast {
            return self.rcr & Rcr::AB.bits() != 0;
        }
        if mcast {
            if self.rcr & Rcr::AM.bits() == 0 {
                return false;
            }
            let mut a = [0u8; 6];
            a.copy_from_slice(&frame[..6]);
            let bit = ne2k_mc_bit(&a);
            return self.mar[(bit >> 3) as usize] & (1 << (bit & 7)) != 0;
        }
        frame.len() >= 6 && frame[..6] == self.par
    }

    /// Stores a frame as the DP8390 does: at CURR, never onto BNRY; a frame that does not fit
    /// sets OVW and counts as missed (CNTR2). Returns whether it was stored.
    pub fn receive_dp8390(&mut self, frame: &[u8]) -> bool {
        if !self.receiving() || !self.accepts(frame) {
            return false;
        }
        let mut buf = frame.to_vec();
        buf.resize(buf.len().max(60), 0);
        let ring = u16::from(self.pstop - self.pstart);
        let total = buf.len() + 4;
        let need = total.div_ceil(256) as u16;
        let in_ring = |p: u8| p >= self.pstart && p < self.pstop;
        let free = if in_ring(self.curr) && in_ring(self.bnry) {
            (u16::from(self.bnry) + ring - u16::from(self.curr)) % ring
        } else {
            0
        };
        // The chip never writes the BNRY page: the pages from CURR up to it are free.
        if need > free {
            // DP8390D, ISR.RST: "also set when a Receive Buffer Ring overflow occurs".
            self.isr |= Isr::OVW.bits() | Isr::RST.bits();
            self.counters[2] = self.counters[2].saturating_add(1);
            self.overflow_count();
            return false;
        }
        let mcast = buf[0] & 1 != 0;
        let start = usize::from(self.pstart) << 8;
        let stop = usize::from(self.pstop) << 8;
        let index = usize::from(self.curr) << 8;
        let mut next = index + (need as usize) * 256;
        if next >= stop {
            next -= stop - start;
        }
        self.store(&buf, mcast, next);
        true
    }

    /// Writes a received frame at CURR: the 4-byte header (status, next page, count), then the
    /// frame, wrapping at PSTOP; moves CURR to `next` (a byte address) and raises PRX.
    fn store(&mut self, buf: &[u8], mcast: bool, next: usize) {
        let start = usize::from(self.pstart) << 8;
        let stop = usize::from(self.pstop) << 8;
        let total = buf.len() + 4;
        let status = Rsr::PRX.bits() | if mcast { Rsr::PHY.bits() } else { 0 };
        let hdr = [status, (next >> 8) as u8, total as u8, (total >> 8) as u8];
        let mut a = usize::from(self.curr) << 8;
        for &b in hdr.iter().chain(buf.iter()) {
            self.mem_write(a as u16, b);
            a += 1;
            if a == stop {
                a = start;
            }
        }
        self.curr = (next >> 8) as u8;
        self.isr |= Isr::PRX.bits();
    }

    /// Records a protocol error (timing mode), at most 64 of them.
    pub fn violation(&mut self, what: String) {
        if self.violations.len() < 64 {
            let at = self.wire.as_ref().map_or(0, |w| w.now_ns);
            self.violations.push(format!("t={at}ns: {what}"));
        }
    }

    fn overflow_count(&mut self) {
        if let Some(w) = self.wire.as_mut() {
            w.overflows += 1;
        }
    }

    /// A frame arrives from the wire. Follows the datasheet (and QEMU's model): address filter
    /// by RCR/PAR/MAR, runts padded to 60 bytes, a 4-byte header (status, next page, count =
    /// frame + 4) at CURR, the frame after it wrapping at PSTOP, CURR advanced (rounding
    /// frame + header + CRC up to pages), ISR.PRX. A frame that does not fit between CURR and
    /// BNRY is dropped silently (QEMU's behaviour; no OVW). Returns whether it was stored.
    pub fn receive(&mut self, frame: &[u8]) -> bool {
        if self.gone {
            return false;
        }
        if self.cmd & Cr::STP.bits() != 0 || self.pstop <= self.pstart {
            return false;
        }
        let bcast = frame.len() >= 6 && frame[..6] == [0xff; 6];
        let mcast = !frame.is_empty() && frame[0] & 1 != 0;
        if self.rcr & Rcr::PRO.bits() == 0 {
            if bcast {
                if self.rcr & Rcr::AB.bits() == 0 {
                    return false;
                }
            } else if mcast {
                if self.rcr & Rcr::AM.bits() == 0 {
                    return false;
                }
                let mut a = [0u8; 6];
                a.copy_from_slice(&frame[..6]);
                let bit = ne2k_mc_bit(&a);
                if self.mar[(bit >> 3) as usize] & (1 << (bit & 7)) == 0 {
                    return false;
                }
            } else if frame.len() < 6 || frame[..6] != self.par {
                return false;
            }
        }
        let mut buf = frame.to_vec();
        if buf.len() < 60 {
            buf.resize(60, 0);
        }
        if self.fcs {
            let fcs = ethernet_fcs(&buf);
            buf.extend_from_slice(&fcs.to_le_bytes());
        }
        let start = usize::from(self.pstart) << 8;
        let stop = usize::from(self.pstop) << 8;
        let ring = stop - start;
        let index = usize::from(self.curr) << 8;
        let boundary = usize::from(self.bnry) << 8;
        let avail = if index < boundary { boundary - index } else { ring - (index - boundary) };
        let total = buf.len() + 4;
        if avail < 1514 + 4 {
            return false;
        }
        let mut next = index + ((total + 4 + 255) & !0xff);
        if next >= stop {
            next -= ring;
        }
        self.store(&buf, mcast, next);
        true
    }

    /// Writes raw bytes into packet RAM (for hostile-header tests).
    pub fn poke(&mut self, addr: u16, bytes: &[u8]) {
        for (i, &b) in bytes.iter().enumerate() {
            self.mem_write(addr.wrapping_add(i as u16), b);
        }
    }

    fn page(&self) -> u8 {
        self.cmd >> 6
    }

    /// The interrupt line: any unmasked cause.
    pub fn irq_pending(&self) -> bool {
        !self.gone && self.isr & self.imr & 0x7f != 0
    }

    /// Byte at a packet-buffer address: PROM (doubled: each byte in both halves of its word)
    /// below 32, packet RAM from 0x4000, 0xff elsewhere (nothing decoded there).
    pub fn mem_read(&self, addr: u16) -> u8 {
        let a = addr as usize;
        if a < 32 {
            self.prom[a / 2]
        } else if a >= PMEM_START && a < PMEM_START + self.mem.len() {
            self.mem[a - PMEM_START]
        } else {
            0xff
        }
    }

    pub fn mem_write(&mut self, addr: u16, v: u8) {
        let a = addr as usize;
        if a >= PMEM_START && a < PMEM_START + self.mem.len() {
            self.mem[a - PMEM_START] = v;
        }
    }

    fn dma_step(&mut self) {
        self.rsar = self.rsar.wrapping_add(1);
        // The remote DMA address wraps at the ring's stop page, as the datasheet describes.
        if !self.dma_no_wrap && self.pstop != 0 && self.rsar == u16::from(self.pstop) << 8 {
            self.rsar = u16::from(self.pstart) << 8;
        }
        if self.rbcr > 0 {
            self.rbcr -= 1;
            if self.rbcr == 0 {
                self.isr |= Isr::RDC.bits();
            }
        }
    }

    fn data_read_byte(&mut self) -> u8 {
        let v = self.mem_read(self.rsar);
        self.dma_step();
        v
    }

    fn data_write_byte(&mut self, v: u8) {
        if self.rbcr == 0 {
            return;
        }
        if let Some(w) = &self.wire {
            if let Some((page, len, _)) = w.tx {
                let start = u16::from(page) << 8;
                if self.rsar >= start && self.rsar < start + len {
                    self.violation(format!(
                        "remote write to {:#x}: the TX slot at page {page:#x} is on the wire",
                        self.rsar
                    ));
                }
            }
        }
        self.mem_write(self.rsar, v);
        self.dma_step();
    }

    fn reg_read(&mut self, reg: u8) -> u8 {
        if self.floating {
            return 0xff;
        }
        if reg == RESET::OFFSET {
            if !self.dead_reset {
                self.isr |= Isr::RST.bits();
            }
            self.cmd = Cr::NODMA.bits() | Cr::STP.bits();
            if let Some(w) = self.wire.as_mut() {
                // A hardware reset cuts a transmit off: it never completes.
                w.tx = None;
                w.stop_pending = false;
            }
            return 0;
        }
        if reg == CR::OFFSET {
            return self.cmd | if self.transmitting() { Cr::TXP.bits() } else { 0 };
        }
        match (self.page(), reg) {
            (0, p0::BNRY::OFFSET) => self.bnry,
            (0, p0::TSR::OFFSET) => Tsr::PTX.bits(),
            (0, p0::ISR::OFFSET) => self.isr,
            (0, p0::CRDA0::OFFSET) => self.rsar as u8,
            (0, p0::CRDA1::OFFSET) => (self.rsar >> 8) as u8,
            (0, p0::CNTR0::OFFSET..=p0::CNTR2::OFFSET) => {
                let i = (reg - p0::CNTR0::OFFSET) as usize;
                let v = self.counters[i];
                self.counters[i] = 0;
                v
            }
            (1, 0x01..=0x06) => self.par[(reg - 1) as usize],
            (1, p1::CURR::OFFSET) => self.curr,
            (1, 0x08..=0x0f) => self.mar[(reg - 8) as usize],
            (2, 0x01) => self.pstart,
            (2, 0x02) => self.pstop,
            _ => 0,
        }
    }

    fn reg_write(&mut self, reg: u8, v: u8) {
        if reg == RESET::OFFSET {
            return; // end of the reset pulse
        }
        if reg == CR::OFFSET && self.wire.is_some() {
            self.cmd = v & !Cr::TXP.bits();
            if v & Cr::STP.bits() == 0 {
                self.isr &= !Isr::RST.bits();
            }
            if v & Cr::STP.bits() != 0 && !self.dead_reset {
                // A transmit in progress finishes first (DP8390D: STP).
                if self.transmitting() {
                    self.wire.as_mut().unwrap().stop_pending = true;
                } else {
                    self.isr |= Isr::RST.bits();
                }
            }
            if v & Cr::TXP.bits() != 0 && v & Cr::STA.bits() != 0 && v & Cr::STP.bits() == 0 {
                if self.transmitting() {
                    self.violation("TRANS written while a transmit is in progress".into());
                } else {
                    if self.tcr & 0x06 != 0 {
                        self.violation("transmit started in loopback: the frame never reaches the wire".into());
                    }
                    let w = self.wire.as_mut().unwrap();
                    w.tx = Some((self.tpsr, self.tbcr, w.now_ns + wire_ns(usize::from(self.tbcr))));
                }
            }
            return;
        }
        if reg == CR::OFFSET {
            self.cmd = v & !Cr::TXP.bits();
            if v & Cr::STP.bits() == 0 {
                self.isr &= !Isr::RST.bits();
            }
            if v & Cr::STP.bits() != 0 && !self.dead_reset {
                self.isr |= Isr::RST.bits();
            }
            if v & Cr::TXP.bits() != 0 && v & Cr::STA.bits() != 0 {
                let start = u16::from(self.tpsr) << 8;
                let frame: Vec<u8> = (0..self.tbcr).map(|i| self.mem_read(start + i)).collect();
                self.sent.push(frame);
                self.isr |= Isr::PTX.bits();
            }
            return;
        }
        match (self.page(), reg) {
            (0, p0::PSTART::OFFSET) => self.pstart = v,
            (0, p0::PSTOP::OFFSET) => self.pstop = v,
            (0, p0::BNRY::OFFSET) => self.bnry = v,
            (0, p0::TPSR::OFFSET) => self.tpsr = v,
            (0, p0::TBCR0::OFFSET) => self.tbcr = (self.tbcr & 0xff00) | u16::from(v),
            (0, p0::TBCR1::OFFSET) => self.tbcr = (self.tbcr & 0x00ff) | (u16::from(v) << 8),
            (0, p0::ISR::OFFSET) => self.isr &= !(v & 0x7f),
            (0, p0::RSAR0::OFFSET) => self.rsar = (self.rsar & 0xff00) | u16::from(v),
            (0, p0::RSAR1::OFFSET) => self.rsar = (self.rsar & 0x00ff) | (u16::from(v) << 8),
            (0, p0::RBCR0::OFFSET) => self.rbcr = (self.rbcr & 0xff00) | u16::from(v),
            (0, p0::RBCR1::OFFSET) => self.rbcr = (self.rbcr & 0x00ff) | (u16::from(v) << 8),
            (0, p0::RCR::OFFSET) => self.rcr = v,
            (0, p0::TCR::OFFSET) => self.tcr = v,
            (0, p0::DCR::OFFSET) => self.dcr = v,
            (0, p0::IMR::OFFSET) => self.imr = v,
            (1, 0x01..=0x06) => self.par[(reg - 1) as usize] = v,
            (1, p1::CURR::OFFSET) => self.curr = v,
            (1, 0x08..=0x0f) => self.mar[(reg - 8) as usize] = v,
            _ => {}
        }
    }
}

impl Model {
    /// Timing mode: the cost of `n` register accesses (or data-port words).
    fn tick(&mut self, n: u64, data: bool) {
        if let Some(w) = &self.wire {
            let ns = n * if data { w.word_ns } else { w.reg_ns };
            self.advance(ns);
        }
    }
}

/// Multicast hash bit, computed as QEMU's `compute_mcast_idx` does (an implementation
/// independent of the driver's).
pub fn ne2k_mc_bit(addr: &[u8; 6]) -> u8 {
    let mut crc: u32 = 0xffff_ffff;
    for &byte in addr {
        let mut b = byte;
        for _ in 0..8 {
            let carry = ((crc & 0x8000_0000) != 0) as u32 ^ (b & 1) as u32;
            crc <<= 1;
            b >>= 1;
            if carry != 0 {
                crc = (crc ^ 0x04c1_1db6) | carry;
            }
        }
    }
    (crc >> 26) as u8
}

impl RegisterBus for Model {
    fn read8(&mut self, reg: u8) -> u8 {
        assert!(reg < 0x20, "register offset {reg:#x} outside the NE2000 window");
        self.tick(1, false);
        let v = if self.gone {
            0xff
        } else if reg == regs::DATAPORT {
            self.data_read_byte()
        } else {
            self.reg_read(reg)
        };
        self.log.push(Access::Read(reg, v));
        v
    }

    fn write8(&mut self, reg: u8, val: u8) {
        assert!(reg < 0x20, "register offset {reg:#x} outside the NE2000 window");
        self.tick(1, false);
        if self.gone {
            // Nowhere.
        } else if reg == regs::DATAPORT {
            self.data_write_byte(val);
        } else {
            self.reg_write(reg, val);
        }
        self.log.push(Access::Write(reg, val));
    }

    fn data_in16<'a>(&mut self, dst: &'a mut [MaybeUninit<u8>]) -> &'a mut [u8] {
        // Whole words only, as the bus contract says (a lost byte shows in the frames).
        let whole = dst.len() & !1;
        let dst = &mut dst[..whole];
        self.tick((dst.len() / 2) as u64, true);
        let bytes: Vec<u8> = if self.gone {
            vec![0xff; dst.len()]
        } else {
            (0..dst.len()).map(|_| self.data_read_byte()).collect()
        };
        self.log.push(Access::DataIn { width: 2, count: dst.len() / 2 });
        self.clock += dst.len() as u64;
        dst.write_copy_of_slice(&bytes)
    }

    fn data_in32<'a>(&mut self, dst: &'a mut [MaybeUninit<u8>]) -> &'a mut [u8] {
        let whole = dst.len() & !3;
        let dst = &mut dst[..whole];
        self.tick((dst.len() / 4) as u64, true);
        let bytes: Vec<u8> = if self.gone {
            vec![0xff; dst.len()]
        } else {
            (0..dst.len()).map(|_| self.data_read_byte()).collect()
        };
        self.log.push(Access::DataIn { width: 4, count: dst.len() / 4 });
        self.clock += dst.len() as u64;
        dst.write_copy_of_slice(&bytes)
    }

    fn data_out16(&mut self, src: &[u8]) {
        assert!(src.len() % 2 == 0, "odd-length 16-bit data-port write");
        self.tick((src.len() / 2) as u64, true);
        for &b in src {
            if !self.gone {
                self.data_write_byte(b);
            }
        }
        self.log.push(Access::DataOut { width: 2, count: src.len() / 2 });
        self.clock += src.len() as u64;
    }

    fn data_out32(&mut self, src: &[u8]) {
        assert!(src.len() % 4 == 0, "32-bit data-port write of {} bytes", src.len());
        self.tick((src.len() / 4) as u64, true);
        for &b in src {
            if !self.gone {
                self.data_write_byte(b);
            }
        }
        self.log.push(Access::DataOut { width: 4, count: src.len() / 4 });
        self.clock += src.len() as u64;
    }

    fn delay_us(&mut self, us: u32) {
        self.advance(u64::from(us) * 1000);
    }

    /// One "cycle" per bus access so far, plus the data bytes moved: deterministic, and it grows
    /// with transfer size as the real copy does.
    fn cycles(&mut self) -> u64 {
        self.clock += 1;
        self.clock + self.log.len() as u64 * 10
    }
}

/// The Ethernet frame check sequence (CRC-32, reflected, as it goes on the wire: low byte first).
pub fn ethernet_fcs(frame: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in frame {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
