# test: a_frame_arriving_during_start_xmit_is_taken_by_it_without_a_deferral
# Issue #26: start_xmit takes an interrupt cause that came during the transmit and leaves the
# chip masked for the poll; here it forgets to schedule that poll: the chip stays masked with
# nobody to unmask it (a lost interrupt, the receive side dead).
s=open('datapath.rs').read()
a='''                if quiet && st.chip.xmit_unmask(isr) {
                    // Under the lock, as the deferred take does: the masked chip has its poll.
                    dev.napi_schedule();
                }'''
assert a in s
s=s.replace(a,'''                if quiet && st.chip.xmit_unmask(isr) {}''')
open('datapath.rs','w').write(s)
