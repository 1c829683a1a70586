# test: a_deferred_interrupt_is_taken_at_the_release_without_a_second_delivery
# Found in Bochs (issue #13): the release only unmasks the line and counts on the interrupt,
# still asserted, being delivered again. Bochs' I/O APIC does not deliver a level that stayed
# asserted through the handler's mask: the card is never serviced again (no RX, TX stuck).
s=open('datapath.rs').read()
a=s[s.index("            // Never spin (this may be the hard IRQ"):s.index("            guard = Some(st);\n        }\n    }\n}")]
s=s.replace(a,'''            if dp.irq_deferred.swap(false, Ordering::SeqCst) {
                dp.lock.unmask_line();
            }
            return;
''')
s=s.replace("            guard = Some(st);\n        }\n    }\n}","            #[allow(unreachable_code)]\n            {\n                guard = None;\n            }\n        }\n    }\n}",1)
open('datapath.rs','w').write(s)
