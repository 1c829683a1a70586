# test: a_frame_received_during_the_poll_does_not_leave_its_interrupt_pending
# explore: no (a spurious interrupt is slow, not wrong: the explorer checks what is delivered)
# Found in Bochs (issue #13): the poll acks the receive causes only at its start; a frame that
# lands during the poll is taken but its PRX stays set, and the unmask at completion raises
# the line again for nothing (a second hard IRQ, a take and an empty poll per such frame).
s=open('dp8390.rs').read()
a="""        if peek == RxPeek::Empty && self.rx_ack() {
            let curr = self.rx_curr();
            peek = self.rx_peek(curr);
        }
"""
assert a in s
s=s.replace(a,"")
open('dp8390.rs','w').write(s)
