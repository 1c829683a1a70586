# test: nothing_runs_inside_the_overrun_recovery
# 69c1c75's logic: the lock is dropped during the overrun recovery and the ring drained with
# deliveries in between, then the lock is taken again to leave loopback.
s=open('datapath.rs').read()
a=s[s.index("        let mut frames: [Option<(N::Buf, RxTimes)>; OVERRUN_RX_MAX] = Default::default();"):s.index("    /// Takes one frame off the ring (one lock hold, the caller's)")]
s=s.replace(a,'''        let mut log = None;
        let resend = held.chip.rx_overrun_begin();
        drop(held);
        for _ in 0..budget.min(OVERRUN_RX_MAX) {
            let mut st = self.hold_bh_off(dev);
            let mut times = RxTimes::default();
            let r = self.rx_one(&mut st, napi, timed, &mut times, &mut log);
            drop(st);
            match r {
                RxOne::Empty | RxOne::Reset => break,
                RxOne::Skipped => {}
                RxOne::Frame(buf) => {
                    self.hand_up(dev, napi, buf, &times, t_ref, poll_timed, acc)
                }
            }
            acc.work += 1;
        }
        let mut held = self.hold_bh_off(dev);
        held.chip.rx_overrun_finish(resend);
        held
    }

''')
open('datapath.rs','w').write(s)
