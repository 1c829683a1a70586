# test: explore
# The lock's release does not look at the deferred flag: the line stays masked.
s=open('datapath.rs').read()
a='''        if self.deferred.swap(false, Ordering::SeqCst) {
            self.lock.unmask_line();
        }'''
assert a in s; s=s.replace(a,'''        let _ = self.deferred;''')
open('datapath.rs','w').write(s)
