// outb PORT VALUE: writes one byte to an I/O port from user space (ioperm(2); root and
// CONFIG_X86_IOPL_IOPERM). The Bochs lab's fault injector: tests/guest/wire/t81_tx_timeout.sh
// stops the card behind the driver's back (CMD = STOP) to drive the transmit watchdog.
// PORT and VALUE in C notation (0x.. for hex). Exit status 2 on bad arguments, 1 if ioperm fails.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>

static int parse(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    *out = strtoul(s, &end, 0);
    return errno == 0 && *s && !*end && *out <= max;
}

int main(int argc, char **argv)
{
    unsigned long port, value;
    if (argc != 3 || !parse(argv[1], 0xffff, &port) || !parse(argv[2], 0xff, &value)) {
        fprintf(stderr, "usage: outb PORT VALUE   (PORT <= 0xffff, VALUE <= 0xff)\n");
        return 2;
    }
    if (ioperm(port, 1, 1) != 0) {
        fprintf(stderr, "outb: ioperm(%#lx): %s\n", port, strerror(errno));
        return 1;
    }
    outb((unsigned char)value, (unsigned short)port);
    return 0;
}
