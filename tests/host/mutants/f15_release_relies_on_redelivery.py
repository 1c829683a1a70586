# test: a_deferred_interrupt_is_taken_at_the_release_without_a_second_delivery
# Found in Bochs (issue #13): the release only unmasks the line and counts on the interrupt,
# still asserted, being delivered again. Bochs' I/O APIC does not deliver a level that stayed
# asserted through the handler's mask: the card is never serviced again (no RX, TX stuck).
s=open('datapath.rs').read()
a=s[s.index("    fn take_deferred(&self, dev: &dyn NetIf) {\n"):s.index("/// The net_device side of the datapath")]
s=s.replace(a,'''    fn take_deferred(&self, _dev: &dyn NetIf) {
        if self.irq_deferred.swap(false, Ordering::SeqCst) {
            self.lock.unmask_line();
        }
    }
}

''')
open('datapath.rs','w').write(s)
