# test: explore
# The hard IRQ spins on the chip lock (as if interrupts were off in every hold): on the CPU
# whose hold it interrupted, that is a deadlock.
s=open('datapath.rs').read()
a='''        let mut st = match self.lock.try_lock_irq() {'''
assert a in s; s=s.replace(a,'''        let mut st = match Some(self.hold(dev)) {''')
open('datapath.rs','w').write(s)
