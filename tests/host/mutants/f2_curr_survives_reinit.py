# test: a_tx_timeout_during_a_poll_does_not_replay_the_ring
s=open('dp8390.rs').read()
a='''        self.rx.next = r.rx_start;
        self.rx.curr_seen = None;'''
assert a in s; s=s.replace(a,'''        self.rx.next = r.rx_start;''')
open('dp8390.rs','w').write(s)
