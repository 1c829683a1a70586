# test: explore
# The lock's release does not look at the deferred flag: the line stays masked.
s=open('datapath.rs').read()
a='''        if self.dp.irq_deferred.load(Ordering::Relaxed) {
            self.dp.take_deferred(self.dev);
        }'''
assert a in s; s=s.replace(a,'''        if self.dp.irq_deferred.load(Ordering::Relaxed) && false {
            self.dp.take_deferred(self.dev);
        }''')
open('datapath.rs','w').write(s)
