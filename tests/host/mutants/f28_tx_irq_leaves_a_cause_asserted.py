# test: explore
# Issue #26's hard-IRQ transmit completion, without the ISR read after the reap: a receive that
# came between the handler's ISR read and its ack of PTX keeps the card's line asserted with no
# new edge, and an edge-triggered controller (Bochs' I/O APIC) never delivers it: frames are
# stranded on the ring, the waiting transmit with them. lib8390's handler loops on ISR.
s=open('datapath.rs').read()
a='''            match st.chip.irq_peek() {
                None => {'''
assert a in s; s=s.replace(a,'''            match None::<u8> {
                None => {''')
open('datapath.rs','w').write(s)
