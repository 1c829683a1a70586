# test: explore
# The lock's release does not look at the deferred flag: the line stays masked.
s=open('datapath.rs').read()
a='''            if !dp.irq_deferred.load(Ordering::Relaxed) {
                return;
            }'''
assert a in s; s=s.replace(a,'''            if !dp.irq_deferred.load(Ordering::Relaxed) || true {
                return;
            }''')
open('datapath.rs','w').write(s)
