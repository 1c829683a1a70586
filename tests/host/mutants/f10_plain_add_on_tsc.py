# test: stage_arithmetic_survives_a_clock_that_steps_back
# explore: no
s=open('dp8390.rs').read()
a='t.driver = t.driver.wrapping_add(t.t_trig.wrapping_sub(t_dma));'
assert a in s; s=s.replace(a,'t.driver += t.t_trig.wrapping_sub(t_dma);')
a='t.driver = t.driver.wrapping_add(t_ready.wrapping_sub(t_dma));'
assert a in s; s=s.replace(a,'t.driver += t_ready.wrapping_sub(t_dma);')
a='driver: times.driver.wrapping_add(t_done.wrapping_sub(t_seen)),'
assert a in s; s=s.replace(a,'driver: times.driver + t_done.wrapping_sub(t_seen),')
open('dp8390.rs','w').write(s)
