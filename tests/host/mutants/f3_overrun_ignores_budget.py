# test: an_overrun_honours_the_budget_and_netpoll_does_no_receive_work
s=open('datapath.rs').read()
# (netpoll's budget-0 poll goes down the receive path: isr_take, the overrun recovery)
a='''        if budget == 0 {
            self.poll_netpoll::<TIMED, D, N>(dev, napi);
            return 0;
        }'''
assert a in s; s=s.replace(a,'')
a='take(budget.min(OVERRUN_RX_MAX))'
assert a in s; s=s.replace(a,'take(OVERRUN_RX_MAX)')
open('datapath.rs','w').write(s)
