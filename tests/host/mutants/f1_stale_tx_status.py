# test: a_completion_reaped_by_start_xmit_is_not_completed_again_by_the_poll
# 69c1c75's logic: the hard IRQ keeps its ISR snapshot in `pending`; the poll completes a
# transmit from it.
s=open('datapath.rs').read()
a='''    t_rx_irq: u64,
    rx_seq: u32,
}'''
assert a in s; s=s.replace(a,'''    t_rx_irq: u64,
    rx_seq: u32,
    pending: Isr,
}''',1)
a='''            t_rx_irq: 0,
            rx_seq: 0,
        }'''
assert a in s; s=s.replace(a,'''            t_rx_irq: 0,
            rx_seq: 0,
            pending: Isr::empty(),
        }''',1)
a='''        st.irqs = st.irqs.wrapping_add(1);'''
assert a in s; s=s.replace(a,'''        st.irqs = st.irqs.wrapping_add(1);
        st.pending |= status;''',1)
a='''        let mut done = if !status.is_empty() {'''
assert a in s; s=s.replace(a,'''        let stale = core::mem::take(&mut st.pending);
        if stale.intersects(Isr::PTX | Isr::TXE) {
            if st.chip.tx_complete_old(stale) { acc.tx += 1; }
        }
        let mut done = if !status.is_empty() {''',1)
open('datapath.rs','w').write(s)
d=open('dp8390.rs').read()
# 69c1c75's tx_complete(status): completes whatever slot is on the wire, if any.
a='''    fn tx_complete<const TIMED: bool>(&mut self, slot: usize, status: Isr) -> TxDone {'''
assert a in d; d=d.replace(a,'''    pub fn tx_complete_old(&mut self, status: Isr) -> bool {
        match self.tx.on_wire {
            Some(slot) => {
                self.tx_complete::<true>(slot, status);
                true
            }
            None => false,
        }
    }
    fn tx_complete<const TIMED: bool>(&mut self, slot: usize, status: Isr) -> TxDone {''')
open('dp8390.rs','w').write(d)
