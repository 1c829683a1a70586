# test: explore
# The hard IRQ masks the line and leaves without trying the lock again: a holder that let go
# just before the flag was raised never unmasks it (a lost interrupt, the line masked for good).
s=open('datapath.rs').read()
a='''                match self.lock.try_lock_irq() {
                    // The holder's release takes it (and records the interrupt's event).
                    None => return true,
                    // Released in between: the flag is ours to clear (`Held` does it).
                    Some(g) => self.held(g, dev),
                }'''
assert a in s; s=s.replace(a,'''                return true;''')
open('datapath.rs','w').write(s)
