# test: nothing_runs_inside_the_overrun_recovery
# 69c1c75's logic: the lock is dropped during the overrun recovery and the ring drained with
# deliveries in between, then the lock is taken again to leave loopback.
s=open('datapath.rs').read()
a='''                if status & isr::OVW != 0 {
                    let resend = st.chip.rx_overrun_begin();
                    for slot in held.iter_mut().take(budget.min(OVERRUN_RX_MAX)) {
                        match self.rx_one(st, napi, timed, &mut log) {
                            RxOne::Empty | RxOne::Reset => break,
                            RxOne::Skipped => {}
                            RxOne::Frame(buf, times) => *slot = Some((buf, times)),
                        }
                        work += 1;
                    }
                    st.chip.rx_overrun_finish(resend);
                }'''
assert a in s; s=s.replace(a,'''                if status & isr::OVW != 0 {
                    let resend = st.chip.rx_overrun_begin();
                    ovw = Some(resend);
                }''')
a='''        let (t_ref, timed);
        {
            let mut st = self.hold(dev);'''
assert a in s; s=s.replace(a,'''        let (t_ref, timed);
        let mut ovw = None;
        {
            let mut st = self.hold(dev);''')
a='''        for (buf, times) in held.iter_mut().filter_map(Option::take) {'''
assert a in s; s=s.replace(a,'''        if let Some(resend) = ovw {
            for _ in 0..budget.min(OVERRUN_RX_MAX) {
                let mut st = self.hold(dev);
                let r = self.rx_one(&mut st, napi, timed, &mut log);
                drop(st);
                match r {
                    RxOne::Empty | RxOne::Reset => break,
                    RxOne::Skipped => {}
                    RxOne::Frame(buf, times) => self.hand_up(napi, buf, times, t_ref, &mut stack),
                }
                work += 1;
            }
            self.hold(dev).chip.rx_overrun_finish(resend);
        }
        for (buf, times) in held.iter_mut().filter_map(Option::take) {''')
open('datapath.rs','w').write(s)
