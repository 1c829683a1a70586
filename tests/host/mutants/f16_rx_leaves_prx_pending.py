# test: a_frame_received_during_the_poll_does_not_leave_its_interrupt_pending
# explore: no (the explorer checks what is delivered, not when)
# Found in Bochs (issue #13), and since issue #26 the rule that replaced its fix: the poll acks
# the receive causes and must then read CURR before it calls the ring empty. Here the ack at
# the poll's start keeps the CURR seen before it: the frame that interrupted is behind that
# CURR, so the poll finds nothing and the frame waits, unannounced, for the next interrupt.
s=open('dp8390.rs').read()
a="""            if ack.intersects(Isr::PRX | Isr::RXE) {
                // Frames stored before this ack are found by a CURR read after it.
                self.rx.curr_seen = None;
            }
"""
assert a in s
s=s.replace(a,"")
open('dp8390.rs','w').write(s)
