# test: explore
# 69c1c75's overrun wait: ISR.RST after STOP, which an overflow has set already, so a transmit
# still in progress is taken for one that never started and is sent twice (review of the
# issue #12 rework, finding 1).
s=open('dp8390.rs').read()
a='''            let cr = self.rd(CR);
            if !cr.contains(Cr::TXP) || waited >= OVERRUN_TX_WAIT_US {'''
assert a in s; s=s.replace(a,'''            let cr = self.rd(CR);
            if self.rd(p0::ISR).contains(Isr::RST) || waited >= OVERRUN_TX_WAIT_US {''')
open('dp8390.rs','w').write(s)
