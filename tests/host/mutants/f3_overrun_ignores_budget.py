# test: an_overrun_honours_the_budget_and_netpoll_does_no_receive_work
s=open('datapath.rs').read()
a='''        if budget > 0 {
            status = st.chip.isr_take();'''
assert a in s; s=s.replace(a,'''        if true {
            status = st.chip.isr_take();''')
a='take(budget.min(OVERRUN_RX_MAX))'
assert a in s; s=s.replace(a,'take(OVERRUN_RX_MAX)')
open('datapath.rs','w').write(s)
