/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The net layer's C shims (rnet_*), and what bindgen reads to write the Rust side's declarations of them
 * (Kbuild: netdev/bindings_generated.rs, used through netdev/sys.rs). Each shim wraps a kernel macro,
 * a static inline or a field of a struct the kernel crate's bindings keep opaque; none holds
 * driver logic. The ops tables are built in Rust (netdev/ops.rs).
 */
#ifndef RNET_HELPERS_H
#define RNET_HELPERS_H

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
int rnet_request_io(struct pci_dev *pdev, int bar, unsigned long extent, const char *name,
		       unsigned long *base);

/* net_device with our private area: { driver state pointer, napi_struct } */
struct net_device *rnet_alloc_etherdev(struct device *parent);
/* What rnet_netdev_setup installs in a fresh net_device (netdev/device.rs, EtherDev::register). */
struct rnet_netdev_setup {
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
void rnet_netdev_setup(struct net_device *dev, const struct rnet_netdev_setup *s);
/* Our private area (netdev_priv). */
struct rnet_priv {
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
	RNET_PRIV_OFFSET = offsetof(struct net_device, priv),
	RNET_NAPI_IN_PRIV = offsetof(struct rnet_priv, napi),
	RNET_XDP_PROG_IN_PRIV = offsetof(struct rnet_priv, xdp_prog),
	/* napi_gro_receive(napi, skb) is gro_receive_skb(&napi->gro, skb). */
	RNET_GRO_IN_NAPI = offsetof(struct napi_struct, gro),
	/* Where eth_type_trans()'s answer goes (a field of an anonymous group in sk_buff). */
	RNET_SKB_PROTOCOL = offsetof(struct sk_buff, protocol),
	/* dev_consume_skb_any(skb) is dev_kfree_skb_any_reason(skb, SKB_CONSUMED). */
	RNET_SKB_CONSUMED = SKB_CONSUMED,
};
void rnet_napi_del(struct net_device *dev);
void rnet_napi_enable(struct net_device *dev);
void rnet_napi_disable(struct net_device *dev);
void rnet_netif_start_queue(struct net_device *dev);
void rnet_netif_stop_queue(struct net_device *dev);
void rnet_netif_wake_queue(struct net_device *dev);
bool rnet_netif_queue_stopped(struct net_device *dev);
bool rnet_netif_running(const struct net_device *dev);
void rnet_netdev_sent_queue(struct net_device *dev, unsigned int bytes);
void rnet_netdev_completed_queue(struct net_device *dev, unsigned int pkts,
				    unsigned int bytes);
void rnet_netdev_reset_queue(struct net_device *dev);
unsigned int rnet_netdev_flags(const struct net_device *dev);
int rnet_netdev_mc_list(struct net_device *dev, u8 (*out)[6], int max);
void rnet_eth_hw_addr_set(struct net_device *dev, const u8 *mac);
const char *rnet_netdev_name(const struct net_device *dev);

/* sk_buff */
const u8 *rnet_skb_linear_data(struct sk_buff *skb, unsigned int *len);
void rnet_kfree_skb(struct sk_buff *skb);

/* XDP */
struct bpf_prog;
struct netdev_bpf;
struct page;
struct xdp_buff;
struct xdp_frame;
struct bpf_prog *rnet_xdp_xchg_prog(struct net_device *dev, struct bpf_prog *prog);
int rnet_bpf_command(const struct netdev_bpf *bpf, struct bpf_prog **prog);
int rnet_xdp_rxq_reg(struct net_device *dev);
void rnet_xdp_rxq_unreg(struct net_device *dev);
void *rnet_page_address(struct page *page);
u32 rnet_xdp_run(struct bpf_prog *prog, struct xdp_buff *xdp, struct net_device *dev,
		    void *hard_start, u32 headroom, u32 len);
void rnet_xdp_frame(const struct xdp_buff *xdp, u32 *off, u32 *len);
void rnet_trace_xdp_exception(struct net_device *dev, struct bpf_prog *prog, u32 act);
struct sk_buff *rnet_xdp_build_skb(void *hard_start, u32 off, u32 len);
const u8 *rnet_xdp_frame_data(const struct xdp_frame *frame, u32 *len);

/* The chip lock's discipline (netdev/lock.rs, BhSpinLockBackend) */
bool rnet_irqs_disabled(void);
void rnet_spin_lock_bh(spinlock_t *lock);
void rnet_spin_unlock_bh(spinlock_t *lock);
bool rnet_spin_trylock_bh(spinlock_t *lock);

/* debugfs: a read/write seq file over Rust data (netdev/debugfs.rs, DebugfsDir). A read shows
 * @show(m, @data); a write of anything calls @write(@data). */
struct dentry;
struct seq_file;
struct rnet_seq_file {
	int (*show)(struct seq_file *m, const void *data);
	void (*write)(const void *data);
	const void *data;
};
void rnet_debugfs_seq_file(struct dentry *dir, const char *name, const struct rnet_seq_file *f);

#endif
