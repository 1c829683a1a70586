# test: stop_leaves_the_chip_stopped_even_with_a_poll_in_flight
s=open('datapath.rs').read()
a='''        dev.napi_disable();
        let mut st = self.hold(dev);
        st.chip.quiesce();
        // After the poll is gone (a poll's TX completion may have woken the queue), and under
        // the lock with the chip stopped: a TX timeout's wake, also under it, comes before
        // this, or finds the chip stopped and wakes nothing. (A suspend detaches the device
        // without the tx lock: a watchdog past its check may run `tx_timeout` meanwhile.)
        dev.stop_queue();
        // The frames in the slots will not complete; open starts with empty slots.
        dev.tx_reset();
        drop(st);'''
assert a in s; s=s.replace(a,'''        dev.stop_queue();
        let mut st = self.hold(dev);
        st.chip.quiesce();
        dev.tx_reset();
        drop(st);
        dev.napi_disable();''')
a='''        st.polls = st.polls.wrapping_add(1);
        if !st.chip.running() {'''
assert a in s; s=s.replace(a,'''        st.polls = st.polls.wrapping_add(1);
        if false {''')
a='''        if !st.chip.running() {
            return RxOne::Empty;
        }'''
assert a in s; s=s.replace(a,'')
# (and the check after the poll's ISR read, which a card found gone takes: the same guard)
a='''        let mut status = st.chip.isr_take();
        if !st.chip.running() {'''
assert a in s; s=s.replace(a,'''        let mut status = st.chip.isr_take();
        if false {''')
open('datapath.rs','w').write(s)
# Since the fix, `quiesce` also acks every ISR bit, which alone hides the race from this test:
# the poll let run after the quiesce finds no completion to reap. Undo that too, so that the
# poll completes (and would trigger) frames the stop has already written off: the byte queue
# accounting (reset at stop) sees more completed than sent, and the loaded slot restarts a
# stopped chip.
s=open('dp8390.rs').read()
a='''        self.wr(p0::IMR, Isr::empty());
        self.wr(p0::ISR, Isr::EVERY);
    }'''
assert a in s; s=s.replace(a,'''        self.wr(p0::IMR, Isr::empty());
    }''',1)
open('dp8390.rs','w').write(s)
