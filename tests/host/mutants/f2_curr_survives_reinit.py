# test: a_tx_timeout_during_a_poll_does_not_replay_the_ring
s=open('dp8390.rs').read()
a='''        self.rx.curr_seen = None;
        self.rx.dma = None;'''
assert a in s; s=s.replace(a,'''        self.rx.dma = None;''')
open('dp8390.rs','w').write(s)
