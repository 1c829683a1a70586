// e9out: copies standard input to Bochs' port-0xE9 console (bochsrc `port_e9_hack: enabled=1`),
// which Bochs writes to its standard output as it arrives. The Bochs lab's results channel:
// the guest has no disk and no shared directory, and the serial port is paced at its baud rate
// on the emulated clock, where `rep outsb` to 0xE9 costs a few host instructions per byte and
// does not touch the network under test.
// Needs CONFIG_X86_IOPL_IOPERM (scripts/guest.config) and root. Built static by
// scripts/bochs/rootfs.sh. Exit status: 0, or 1 with a message if ioperm(2) or read(2) fails.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <unistd.h>

int main(void)
{
    static unsigned char buf[65536];
    if (ioperm(0xe9, 1, 1) != 0) {
        fprintf(stderr, "e9out: ioperm(0xe9): %s\n", strerror(errno));
        return 1;
    }
    for (;;) {
        ssize_t n = read(0, buf, sizeof(buf));
        if (n == 0)
            return 0;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "e9out: read: %s\n", strerror(errno));
            return 1;
        }
        outsb(0xe9, buf, (unsigned long)n);
    }
}
