# test: a_card_that_vanishes_is_left_alone
# Issue #28, item 2: all-ones read as a chip's state: a card that is gone has every interrupt
# cause pending (the hard IRQ claims the shared line's interrupts), and the overrun path waits
# for a transmitter that reads busy for ever.
s=open('dp8390.rs').read()
a='''    fn vanished(&mut self) -> bool {
        if self.rd(CR).bits() != 0xff {'''
assert a in s; s=s.replace(a,'''    fn vanished(&mut self) -> bool {
        if true {''')
open('dp8390.rs','w').write(s)
