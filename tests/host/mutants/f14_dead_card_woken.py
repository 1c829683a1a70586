# test: a_tx_timeout_on_a_dead_card_stops_it
# explore: no
# A TX timeout whose reset fails wakes the queue of a card that is still marked running
# (review of the issue #12 rework, finding 4).
s=open('datapath.rs').read()
a='''        if res.is_err() {
            st.chip.quiesce();
        }'''
assert a in s; s=s.replace(a,'')
a='''        if let Err(e) = res {
            dev.log(true, Log::TxTimeoutReset(e));
            dev.carrier_off();
        }'''
assert a in s; s=s.replace(a,'''        if let Err(e) = res {
            dev.log(true, Log::TxTimeoutReset(e));
            dev.wake_queue();
        }''')
open('datapath.rs','w').write(s)
