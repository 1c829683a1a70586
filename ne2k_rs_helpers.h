/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C shims of ne2k_rs, and what bindgen reads to write the Rust side's declarations of them
 * (Kbuild: ne2k_rs_bindings_generated.rs, used through netdev/sys.rs). Each shim wraps a kernel macro,
 * a static inline or a field of a struct the kernel crate's bindings keep opaque; none holds
 * driver logic. The ops tables are built in Rust (netdev/ops.rs).
 */
#ifndef NE2K_RS_HELPERS_H
#define NE2K_RS_HELPERS_H

/* For bindgen: the netdevice.h/etherdevice.h items netdev/sys.rs allowlists (net_device_ops,
 * rtnl_link_stats64, netdev_tx, register_netdev, netdev_stat_ops, ...). */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/spinlock_types.h>
#include <linux/types.h>
#include <net/gro.h>
#include <net/netdev_queues.h>
#include <net/xdp.h>

struct device;
struct pci_dev;

/* PCI / ports */
int ne2k_rs_request_io(struct pci_dev *pdev, int bar, unsigned long extent, const char *name,
		       unsigned long *base);

/* net_device with our private area: { driver state pointer, napi_struct } */
struct net_device *ne2k_rs_alloc_etherdev(struct device *parent);
/* What ne2k_rs_netdev_setup installs in a fresh net_device (netdev/device.rs, EtherDev::register). */
struct ne2k_rs_netdev_setup {
	const void *drv;			/* the driver state: netdev_priv's first field */
	const struct net_device_ops *ops;
	const struct ethtool_ops *ethtool_ops;
	const struct netdev_stat_ops *stat_ops;	/* NULL: no queue statistics */
	u8 mac[6];
	unsigned long base_addr;
	int irq;
	int watchdog_ms;
	int (*poll)(struct napi_struct *, int);
	int weight;				/* the NAPI weight */
	u32 xdp_features;
};
void ne2k_rs_netdev_setup(struct net_device *dev, const struct ne2k_rs_netdev_setup *s);
/* Our private area (netdev_priv). */
struct ne2k_rs_priv {
	const void *drv;		/* the Rust driver state (an Arc's data); first: see below */
	struct napi_struct napi;
	struct bpf_prog *xdp_prog;	/* the attached XDP program (RTNL writes, NAPI reads) */
	struct xdp_rxq_info xdp_rxq;	/* the one receive queue, registered while up */
};

/* For the Rust side's hot paths, which find their state without a call: where netdev_priv()
 * is (the private area's offset in a net_device; the driver state pointer is its first field),
 * where the napi_struct is in it (container_of from the NAPI poll's argument, and the argument
 * of napi_schedule_prep/__napi_schedule), and the XDP program pointer (READ_ONCE'd). */
enum {
	NE2K_RS_PRIV_OFFSET = offsetof(struct net_device, priv),
	NE2K_RS_NAPI_IN_PRIV = offsetof(struct ne2k_rs_priv, napi),
	NE2K_RS_XDP_PROG_IN_PRIV = offsetof(struct ne2k_rs_priv, xdp_prog),
	/* napi_gro_receive(napi, skb) is gro_receive_skb(&napi->gro, skb). */
	NE2K_RS_GRO_IN_NAPI = offsetof(struct napi_struct, gro),
	/* Where eth_type_trans()'s answer goes (a field of an anonymous group in sk_buff). */
	NE2K_RS_SKB_PROTOCOL = offsetof(struct sk_buff, protocol),
	/* dev_consume_skb_any(skb) is dev_kfree_skb_any_reason(skb, SKB_CONSUMED). */
	NE2K_RS_SKB_CONSUMED = SKB_CONSUMED,
};
void ne2k_rs_napi_del(struct net_device *dev);
void ne2k_rs_napi_enable(struct net_device *dev);
void ne2k_rs_napi_disable(struct net_device *dev);
void ne2k_rs_netif_start_queue(struct net_device *dev);
void ne2k_rs_netif_stop_queue(struct net_device *dev);
void ne2k_rs_netif_wake_queue(struct net_device *dev);
bool ne2k_rs_netif_queue_stopped(struct net_device *dev);
bool ne2k_rs_netif_running(const struct net_device *dev);
void ne2k_rs_netdev_sent_queue(struct net_device *dev, unsigned int bytes);
void ne2k_rs_netdev_completed_queue(struct net_device *dev, unsigned int pkts,
				    unsigned int bytes);
void ne2k_rs_netdev_reset_queue(struct net_device *dev);
unsigned int ne2k_rs_netdev_flags(const struct net_device *dev);
int ne2k_rs_netdev_mc_list(struct net_device *dev, u8 (*out)[6], int max);
void ne2k_rs_eth_hw_addr_set(struct net_device *dev, const u8 *mac);
const char *ne2k_rs_netdev_name(const struct net_device *dev);

/* sk_buff */
const u8 *ne2k_rs_skb_linear_data(struct sk_buff *skb, unsigned int *len);
void ne2k_rs_kfree_skb(struct sk_buff *skb);

/* XDP */
struct bpf_prog;
struct netdev_bpf;
struct page;
struct xdp_buff;
struct xdp_frame;
struct bpf_prog *ne2k_rs_xdp_xchg_prog(struct net_device *dev, struct bpf_prog *prog);
int ne2k_rs_bpf_command(const struct netdev_bpf *bpf, struct bpf_prog **prog);
int ne2k_rs_xdp_rxq_reg(struct net_device *dev);
void ne2k_rs_xdp_rxq_unreg(struct net_device *dev);
void *ne2k_rs_page_address(struct page *page);
u32 ne2k_rs_xdp_run(struct bpf_prog *prog, struct xdp_buff *xdp, struct net_device *dev,
		    void *hard_start, u32 headroom, u32 len);
void ne2k_rs_xdp_frame(const struct xdp_buff *xdp, u32 *off, u32 *len);
void ne2k_rs_trace_xdp_exception(struct net_device *dev, struct bpf_prog *prog, u32 act);
struct sk_buff *ne2k_rs_xdp_build_skb(void *hard_start, u32 off, u32 len);
const u8 *ne2k_rs_xdp_frame_data(const struct xdp_frame *frame, u32 *len);

/* The chip lock's discipline (netdev/lock.rs, BhSpinLockBackend) */
bool ne2k_rs_irqs_disabled(void);
void ne2k_rs_spin_lock_bh(spinlock_t *lock);
void ne2k_rs_spin_unlock_bh(spinlock_t *lock);
bool ne2k_rs_spin_trylock_bh(spinlock_t *lock);

/* debugfs: a read/write seq file over Rust data (netdev/debugfs.rs, DebugfsDir). A read shows
 * @show(m, @data); a write of anything calls @write(@data). */
struct dentry;
struct seq_file;
struct ne2k_rs_seq_file {
	int (*show)(struct seq_file *m, const void *data);
	void (*write)(const void *data);
	const void *data;
};
void ne2k_rs_debugfs_seq_file(struct dentry *dir, const char *name, const struct ne2k_rs_seq_file *f);

#endif
