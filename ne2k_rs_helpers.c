// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for ne2k_rs: wrappers for kernel macros and static inlines that Rust cannot call
 * through bindgen. Each is a thin, behaviour-free shim; the logic lives in Rust (netdev.rs is
 * the only caller).
 */
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/interrupt.h>
#include <linux/ioport.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/skbuff.h>

#include "ne2k_rs_helpers.h"

/* ---- PCI / ports ---- */

/* Claim BAR @bar of @pdev as an I/O-port window of @extent bytes (request_region).
 * Returns 0 and the base port in *@base, -ENODEV if the BAR is not I/O space or too small,
 * -EBUSY if the ports are taken. */
int ne2k_rs_request_io(struct pci_dev *pdev, int bar, unsigned long extent, const char *name,
		       unsigned long *base)
{
	resource_size_t start = pci_resource_start(pdev, bar);

	if (!start || !(pci_resource_flags(pdev, bar) & IORESOURCE_IO))
		return -ENODEV;
	if (pci_resource_len(pdev, bar) < extent)
		return -ENODEV;
	if (!request_region(start, extent, name))
		return -EBUSY;
	*base = start;
	return 0;
}

void ne2k_rs_release_io(unsigned long base, unsigned long extent)
{
	release_region(base, extent);
}

unsigned int ne2k_rs_pci_irq(struct pci_dev *pdev)
{
	return pdev->irq;
}

unsigned short ne2k_rs_pci_subsystem_vendor(struct pci_dev *pdev)
{
	return pdev->subsystem_vendor;
}

const char *ne2k_rs_pci_name(struct pci_dev *pdev)
{
	return pci_name(pdev);
}

struct device *ne2k_rs_pci_device(struct pci_dev *pdev)
{
	return &pdev->dev;
}

/* ---- net_device ---- */

struct ne2k_rs_priv {
	const void *drv;		/* the Rust driver state (an Arc's data) */
	struct napi_struct napi;
};

static struct ne2k_rs_priv *priv_of(const struct net_device *dev)
{
	return netdev_priv(dev);
}

struct net_device *ne2k_rs_alloc_etherdev(struct device *parent)
{
	struct net_device *dev = alloc_etherdev(sizeof(struct ne2k_rs_priv));

	if (dev)
		SET_NETDEV_DEV(dev, parent);
	return dev;
}

/* ---- the ops tables: thin wrappers around the Rust callbacks (netdev.rs) ---- */

static netdev_tx_t ndo_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	return ne2k_rs_ndo_start_xmit(skb, dev) ? NETDEV_TX_BUSY : NETDEV_TX_OK;
}

static void ndo_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *s)
{
	struct ne2k_rs_link_stats r = {};

	ne2k_rs_ndo_get_stats(dev, &r);
	s->rx_packets = r.rx_packets;
	s->tx_packets = r.tx_packets;
	s->rx_bytes = r.rx_bytes;
	s->tx_bytes = r.tx_bytes;
	s->rx_errors = r.rx_errors;
	s->tx_errors = r.tx_errors;
	s->rx_dropped = r.rx_dropped;
	s->tx_dropped = r.tx_dropped;
	s->multicast = r.multicast;
	s->collisions = r.collisions;
	s->rx_length_errors = r.rx_length_errors;
	s->rx_over_errors = r.rx_over_errors;
	s->rx_crc_errors = r.rx_crc_errors;
	s->rx_frame_errors = r.rx_frame_errors;
	s->rx_fifo_errors = r.rx_fifo_errors;
	s->rx_missed_errors = r.rx_missed_errors;
	s->tx_aborted_errors = r.tx_aborted_errors;
	s->tx_carrier_errors = r.tx_carrier_errors;
	s->tx_fifo_errors = r.tx_fifo_errors;
	s->tx_heartbeat_errors = r.tx_heartbeat_errors;
	s->tx_window_errors = r.tx_window_errors;
}

static const struct net_device_ops ne2k_rs_netdev_ops = {
	.ndo_open		= ne2k_rs_ndo_open,
	.ndo_stop		= ne2k_rs_ndo_stop,
	.ndo_start_xmit		= ndo_start_xmit,
	.ndo_tx_timeout		= ne2k_rs_ndo_tx_timeout,
	.ndo_set_rx_mode	= ne2k_rs_ndo_set_rx_mode,
	.ndo_set_mac_address	= ne2k_rs_ndo_set_mac_address,
	.ndo_get_stats64	= ndo_get_stats64,
	.ndo_validate_addr	= eth_validate_addr,
};

static void ethtool_get_drvinfo(struct net_device *dev, struct ethtool_drvinfo *info)
{
	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
	strscpy(info->version, NE2K_RS_VERSION, sizeof(info->version));
	if (dev->dev.parent)
		strscpy(info->bus_info, dev_name(dev->dev.parent), sizeof(info->bus_info));
}

static int ethtool_stats_count(void)
{
	int n = 0;

	while (ne2k_rs_ethtool_stat_name(n))
		n++;
	return n;
}

static int ethtool_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? ethtool_stats_count() : -EOPNOTSUPP;
}

static void ethtool_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	const char *name;
	int i;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; (name = ne2k_rs_ethtool_stat_name(i)); i++)
		ethtool_puts(&data, name);
}

static void ethtool_get_stats(struct net_device *dev, struct ethtool_stats *stats, u64 *data)
{
	ne2k_rs_ethtool_stats_fill(dev, data);
}

static const struct ethtool_ops ne2k_rs_ethtool_ops = {
	.get_drvinfo		= ethtool_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_msglevel		= ne2k_rs_ethtool_get_msglevel,
	.set_msglevel		= ne2k_rs_ethtool_set_msglevel,
	.get_sset_count		= ethtool_get_sset_count,
	.get_strings		= ethtool_get_strings,
	.get_ethtool_stats	= ethtool_get_stats,
};

void ne2k_rs_netdev_setup(struct net_device *dev, const void *drv, const u8 *mac,
			  unsigned long base_addr, int irq, int watchdog_ms,
			  int (*poll)(struct napi_struct *, int), int weight)
{
	struct ne2k_rs_priv *p = priv_of(dev);

	p->drv = drv;
	dev->netdev_ops = &ne2k_rs_netdev_ops;
	dev->ethtool_ops = &ne2k_rs_ethtool_ops;
	dev->base_addr = base_addr;
	dev->irq = irq;
	dev->watchdog_timeo = msecs_to_jiffies(watchdog_ms);
	eth_hw_addr_set(dev, mac);
	netif_napi_add_weight(dev, &p->napi, poll, weight);
}

int ne2k_rs_register_netdev(struct net_device *dev)
{
	return register_netdev(dev);
}

void ne2k_rs_unregister_netdev(struct net_device *dev)
{
	unregister_netdev(dev);
}

void ne2k_rs_free_netdev(struct net_device *dev)
{
	free_netdev(dev);
}

void ne2k_rs_netif_carrier(struct net_device *dev, bool on)
{
	if (on)
		netif_carrier_on(dev);
	else
		netif_carrier_off(dev);
}

const void *ne2k_rs_drv(const struct net_device *dev)
{
	return priv_of(dev)->drv;
}

void ne2k_rs_napi_del(struct net_device *dev)
{
	netif_napi_del(&priv_of(dev)->napi);
}

struct net_device *ne2k_rs_napi_dev(struct napi_struct *napi)
{
	return napi->dev;
}

void ne2k_rs_napi_enable(struct net_device *dev)
{
	napi_enable(&priv_of(dev)->napi);
}

void ne2k_rs_napi_disable(struct net_device *dev)
{
	napi_disable(&priv_of(dev)->napi);
}

void ne2k_rs_napi_schedule(struct net_device *dev)
{
	napi_schedule(&priv_of(dev)->napi);
}

bool ne2k_rs_napi_complete_done(struct napi_struct *napi, int work_done)
{
	return napi_complete_done(napi, work_done);
}

void ne2k_rs_netif_start_queue(struct net_device *dev)
{
	netif_start_queue(dev);
}

void ne2k_rs_netif_stop_queue(struct net_device *dev)
{
	netif_stop_queue(dev);
}

void ne2k_rs_netif_wake_queue(struct net_device *dev)
{
	netif_wake_queue(dev);
}

bool ne2k_rs_netif_queue_stopped(struct net_device *dev)
{
	return netif_queue_stopped(dev);
}

unsigned int ne2k_rs_netdev_flags(const struct net_device *dev)
{
	return READ_ONCE(dev->flags);
}

/* Copies up to @max multicast addresses into @out; returns how many the list holds.
 * Called from ndo_set_rx_mode, i.e. with netif_addr_lock held. */
int ne2k_rs_netdev_mc_list(struct net_device *dev, u8 (*out)[6], int max)
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

void ne2k_rs_eth_hw_addr_set(struct net_device *dev, const u8 *mac)
{
	eth_hw_addr_set(dev, mac);
}

const char *ne2k_rs_netdev_name(const struct net_device *dev)
{
	return netdev_name(dev);
}

void ne2k_rs_sockaddr_mac(const void *sockaddr, u8 *mac)
{
	const struct sockaddr *sa = sockaddr;

	memcpy(mac, sa->sa_data, ETH_ALEN);
}

/* ---- sk_buff ---- */

/* The skb's bytes as one linear buffer (linearising a fragmented skb; NULL if that fails). */
const u8 *ne2k_rs_skb_linear_data(struct sk_buff *skb, unsigned int *len)
{
	if (skb_linearize(skb))
		return NULL;
	*len = skb->len;
	return skb->data;
}

struct sk_buff *ne2k_rs_napi_alloc_skb(struct napi_struct *napi, unsigned int len)
{
	return napi_alloc_skb(napi, len);
}

/* The chip lock's discipline (netdev.rs, BhSpinLockBackend): macros and static inlines. */
bool ne2k_rs_irqs_disabled(void)
{
	return irqs_disabled();
}

void ne2k_rs_spin_lock_bh(spinlock_t *lock)
{
	spin_lock_bh(lock);
}

void ne2k_rs_spin_unlock_bh(spinlock_t *lock)
{
	spin_unlock_bh(lock);
}

bool ne2k_rs_spin_trylock_bh(spinlock_t *lock)
{
	return spin_trylock_bh(lock);
}

/* The frame's area of a fresh receive skb, zeroed: Rust gets initialised memory to fill. */
u8 *ne2k_rs_skb_put(struct sk_buff *skb, unsigned int len)
{
	return skb_put(skb, len);
}

void ne2k_rs_gro_receive(struct napi_struct *napi, struct sk_buff *skb)
{
	skb->protocol = eth_type_trans(skb, napi->dev);
	napi_gro_receive(napi, skb);
}

void ne2k_rs_consume_skb(struct sk_buff *skb)
{
	dev_consume_skb_any(skb);
}

void ne2k_rs_kfree_skb(struct sk_buff *skb)
{
	dev_kfree_skb_any(skb);
}
