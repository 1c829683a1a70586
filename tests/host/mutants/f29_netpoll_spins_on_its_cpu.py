# test: netpoll_nested_in_a_lock_hold_on_its_cpu_never_spins
# Issue #28, item 1: netpoll (netconsole) takes the chip lock as every other path does, so a
# transmit or budget-0 poll nested in a hold on its own CPU (a hard IRQ that printed) spins on
# the lock that CPU holds.
s=open('datapath.rs').read()
a='''        match self.lock.try_lock_irq() {
            Some(g) => Some(self.held(g, dev)),
            None => self.contended(dev),
        }'''
assert a in s; s=s.replace(a,'''        Some(self.hold_bh_off(dev))''')
open('datapath.rs','w').write(s)
