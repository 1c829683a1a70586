// SPDX-License-Identifier: GPL-2.0
/*
 * make bench's XDP_DROP workload (scripts/guest/bench-lib.sh: drop_flood): drop every IPv4 UDP
 * datagram, pass everything else (ARP, the TCP control connection of the iperf3 that floods).
 * The same frames an `iptables -t raw -A PREROUTING -p udp -j DROP` rule drops. Self-contained
 * (no kernel or libbpf headers): `clang -O2 -target bpf -c xdp_drop_udp.bpf.c`; attach with
 * `ip link set dev DEV xdpdrv obj xdp_drop_udp.bpf.o sec xdp`.
 */

struct xdp_md {
	unsigned int data;
	unsigned int data_end;
	unsigned int data_meta;
	unsigned int ingress_ifindex;
	unsigned int rx_queue_index;
	unsigned int egress_ifindex;
};

enum { XDP_ABORTED, XDP_DROP, XDP_PASS };

__attribute__((section("xdp"), used))
int xdp_drop_udp(struct xdp_md *ctx)
{
	const unsigned char *data = (const unsigned char *)(unsigned long)ctx->data;
	const unsigned char *end = (const unsigned char *)(unsigned long)ctx->data_end;

	/* Ethernet header (14 bytes), then the IPv4 header up to its protocol byte (offset 9) */
	if (data + 14 + 10 > end)
		return XDP_PASS;
	if (data[12] != 0x08 || data[13] != 0x00)	/* EtherType IPv4 */
		return XDP_PASS;
	return data[14 + 9] == 17 ? XDP_DROP : XDP_PASS;	/* IPPROTO_UDP */
}

char _license[] __attribute__((section("license"), used)) = "GPL";
