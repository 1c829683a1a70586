// SPDX-License-Identifier: GPL-2.0
/*
 * The net layer's C helpers (prefix rnet_): wrappers for kernel macros and static inlines that
 * Rust cannot call through bindgen, or fields of structs its bindings keep opaque. Each is a
 * thin, behaviour-free shim that knows no driver; the logic and the ops tables live in Rust (the
 * net layer, netdev/, is the only caller). They keep
 * their ftrace entries: the kernel cannot trace the module's Rust text (no fentry sites), so
 * the shims are where the function tracer sees the driver call the kernel (tests/guest/wire/
 * t82_suspend.sh follows PM through them).
 */
#include <linux/debugfs.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/interrupt.h>
#include <linux/ioport.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <linux/filter.h>
#include <net/netdev_queues.h>
#include <net/xdp.h>
#include <trace/events/xdp.h>

#include "helpers.h"

/* ---- PCI / ports ---- */

/* Claim @extent ports of I/O BAR @bar of @pdev, device-managed (devm_request_region: released
 * when the driver is unbound). Returns 0 and the base port in *@base, -ENODEV if the BAR is
 * not I/O space or too small, -EBUSY if the ports are taken. */
int rnet_request_io(struct pci_dev *pdev, int bar, unsigned long extent, const char *name,
		       unsigned long *base)
{
	resource_size_t start = pci_resource_start(pdev, bar);

	if (!start || !(pci_resource_flags(pdev, bar) & IORESOURCE_IO))
		return -ENODEV;
	if (pci_resource_len(pdev, bar) < extent)
		return -ENODEV;
	if (!devm_request_region(&pdev->dev, start, extent, name))
		return -EBUSY;
	*base = start;
	return 0;
}

/* ---- net_device ---- */

/* The Rust side reads the driver state pointer itself, at RNET_PRIV_OFFSET of the
 * net_device (netdev/ops.rs, Tables::with): where netdev_priv() points (dev->priv), and drv comes
 * first; rnet_alloc_etherdev checks the first against netdev_priv() itself. */
static_assert(offsetof(struct rnet_priv, drv) == 0);

static struct rnet_priv *priv_of(const struct net_device *dev)
{
	return netdev_priv(dev);
}

struct net_device *rnet_alloc_etherdev(struct device *parent)
{
	struct net_device *dev = alloc_etherdev(sizeof(struct rnet_priv));

	if (!dev)
		return NULL;
	/* The offset the Rust side uses must be netdev_priv()'s, or it would read elsewhere. */
	if (WARN_ON_ONCE((u8 *)netdev_priv(dev) != (u8 *)dev + RNET_PRIV_OFFSET)) {
		free_netdev(dev);
		return NULL;
	}
	SET_NETDEV_DEV(dev, parent);
	return dev;
}

void rnet_netdev_setup(struct net_device *dev, const struct rnet_netdev_setup *s)
{
	struct rnet_priv *p = priv_of(dev);

	p->drv = s->drv;
	dev->xdp_features = s->xdp_features;
	dev->netdev_ops = s->ops;
	dev->ethtool_ops = s->ethtool_ops;
	dev->stat_ops = s->stat_ops;
	dev->base_addr = s->base_addr;
	dev->irq = s->irq;
	dev->watchdog_timeo = msecs_to_jiffies(s->watchdog_ms);
	eth_hw_addr_set(dev, s->mac);
	netif_napi_add_weight(dev, &p->napi, s->poll, s->weight);
}

void rnet_napi_del(struct net_device *dev)
{
	netif_napi_del(&priv_of(dev)->napi);
}

void rnet_napi_enable(struct net_device *dev)
{
	napi_enable(&priv_of(dev)->napi);
}

void rnet_napi_disable(struct net_device *dev)
{
	napi_disable(&priv_of(dev)->napi);
}

void rnet_netif_start_queue(struct net_device *dev)
{
	netif_start_queue(dev);
}

void rnet_netif_stop_queue(struct net_device *dev)
{
	netif_stop_queue(dev);
}

void rnet_netif_wake_queue(struct net_device *dev)
{
	netif_wake_queue(dev);
}

/* Byte queue limits of the one TX queue (static inlines of netdevice.h). */
void rnet_netdev_sent_queue(struct net_device *dev, unsigned int bytes)
{
	netdev_sent_queue(dev, bytes);
}

void rnet_netdev_completed_queue(struct net_device *dev, unsigned int pkts,
				    unsigned int bytes)
{
	netdev_completed_queue(dev, pkts, bytes);
}

void rnet_netdev_reset_queue(struct net_device *dev)
{
	netdev_reset_queue(dev);
}

bool rnet_netif_queue_stopped(struct net_device *dev)
{
	return netif_queue_stopped(dev);
}

bool rnet_netif_running(const struct net_device *dev)
{
	return netif_running(dev);
}

unsigned int rnet_netdev_flags(const struct net_device *dev)
{
	return READ_ONCE(dev->flags);
}

/* Copies up to @max multicast addresses into @out; returns how many the list holds.
 * Called from ndo_set_rx_mode, i.e. with netif_addr_lock held. */
int rnet_netdev_mc_list(struct net_device *dev, u8 (*out)[6], int max)
{
	struct netdev_hw_addr *ha;
	int n = 0;

	netdev_for_each_mc_addr(ha, dev) {
		if (n < max)
			memcpy(out[n], ha->addr, ETH_ALEN);
		n++;
	}
	return n;
}

void rnet_eth_hw_addr_set(struct net_device *dev, const u8 *mac)
{
	eth_hw_addr_set(dev, mac);
}

const char *rnet_netdev_name(const struct net_device *dev)
{
	return netdev_name(dev);
}

/* ---- sk_buff ---- */

/* The skb's bytes as one linear buffer (linearising a fragmented skb; NULL if that fails). */
const u8 *rnet_skb_linear_data(struct sk_buff *skb, unsigned int *len)
{
	if (skb_linearize(skb))
		return NULL;
	*len = skb->len;
	return skb->data;
}

/* The chip lock's discipline (netdev/lock.rs, BhSpinLockBackend): macros and static inlines. */
bool rnet_irqs_disabled(void)
{
	return irqs_disabled();
}

void rnet_spin_lock_bh(spinlock_t *lock)
{
	spin_lock_bh(lock);
}

void rnet_spin_unlock_bh(spinlock_t *lock)
{
	spin_unlock_bh(lock);
}

bool rnet_spin_trylock_bh(spinlock_t *lock)
{
	return spin_trylock_bh(lock);
}

void rnet_kfree_skb(struct sk_buff *skb)
{
	dev_kfree_skb_any(skb);
}

/* ---- XDP ---- */


/* ndo_bpf (RTNL held): install @prog (the caller's reference passes to us), return the old. */
struct bpf_prog *rnet_xdp_xchg_prog(struct net_device *dev, struct bpf_prog *prog)
{
	return xchg(&priv_of(dev)->xdp_prog, prog);
}

/* The command of an ndo_bpf call, and for XDP_SETUP_PROG its program. */
int rnet_bpf_command(const struct netdev_bpf *bpf, struct bpf_prog **prog)
{
	if (bpf->command == XDP_SETUP_PROG)
		*prog = bpf->prog;
	return bpf->command;
}

/* The receive queue's XDP info, with the page-per-frame memory model (a frame's page is
 * freed with put_page wherever it ends: an skb's head, a redirect target's xdp_return_frame). */
int rnet_xdp_rxq_reg(struct net_device *dev)
{
	struct rnet_priv *p = priv_of(dev);
	int err = xdp_rxq_info_reg(&p->xdp_rxq, dev, 0, p->napi.napi_id);

	if (err)
		return err;
	err = xdp_rxq_info_reg_mem_model(&p->xdp_rxq, MEM_TYPE_PAGE_SHARED, NULL);
	if (err)
		xdp_rxq_info_unreg(&p->xdp_rxq);
	return err;
}

void rnet_xdp_rxq_unreg(struct net_device *dev)
{
	struct rnet_priv *p = priv_of(dev);

	if (xdp_rxq_info_is_reg(&p->xdp_rxq))
		xdp_rxq_info_unreg(&p->xdp_rxq);
}

void *rnet_page_address(struct page *page)
{
	return page_address(page);
}

/* Runs @prog on the @len-byte frame at @headroom in the page at @hard_start (xdp_init_buff,
 * xdp_prepare_buff, bpf_prog_run_xdp: static inlines); @xdp is the caller's. */
u32 rnet_xdp_run(struct bpf_prog *prog, struct xdp_buff *xdp, struct net_device *dev,
		    void *hard_start, u32 headroom, u32 len)
{
	xdp_init_buff(xdp, PAGE_SIZE, &priv_of(dev)->xdp_rxq);
	xdp_prepare_buff(xdp, hard_start, headroom, len, false);
	return bpf_prog_run_xdp(prog, xdp);
}

/* Where the frame is after the program (it may have moved its head or tail): offset of its
 * first byte from the page start, and its length. */
void rnet_xdp_frame(const struct xdp_buff *xdp, u32 *off, u32 *len)
{
	*off = xdp->data - xdp->data_hard_start;
	*len = xdp->data_end - xdp->data;
}

void rnet_trace_xdp_exception(struct net_device *dev, struct bpf_prog *prog, u32 act)
{
	trace_xdp_exception(dev, prog, act);
}

/* An skb over a whole receive page (napi_build_skb), the frame at @off, @len long. */
struct sk_buff *rnet_xdp_build_skb(void *hard_start, u32 off, u32 len)
{
	struct sk_buff *skb = napi_build_skb(hard_start, PAGE_SIZE);

	if (!skb)
		return NULL;
	skb_reserve(skb, off);
	__skb_put(skb, len);
	return skb;
}

/* A frame handed to ndo_xdp_xmit: its bytes. */
const u8 *rnet_xdp_frame_data(const struct xdp_frame *frame, u32 *len)
{
	*len = frame->len;
	return frame->data;
}

/* ---- debugfs: a read/write seq file over Rust data (netdev/debugfs.rs, DebugfsDir) ---- */

static int rnet_seq_show(struct seq_file *m, void *v)
{
	const struct rnet_seq_file *f = m->private;

	return f->show(m, f->data);
}

static int rnet_seq_open(struct inode *inode, struct file *file)
{
	return single_open(file, rnet_seq_show, inode->i_private);
}

static ssize_t rnet_seq_write(struct file *file, const char __user *buf, size_t count,
				 loff_t *ppos)
{
	const struct rnet_seq_file *f = file_inode(file)->i_private;

	f->write(f->data);
	return count;
}

/* .owner: an open file pins the module (kernel::debugfs' files do not; see netdev/debugfs.rs). */
static const struct file_operations rnet_seq_fops = {
	.owner = THIS_MODULE,
	.open = rnet_seq_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = rnet_seq_write,
	.release = single_release,
};

/* Creates @dir/@name (0644) over @f, which must outlive the file (an error @dir makes nothing). */
void rnet_debugfs_seq_file(struct dentry *dir, const char *name, const struct rnet_seq_file *f)
{
	debugfs_create_file(name, 0644, dir, (void *)f, &rnet_seq_fops);
}
