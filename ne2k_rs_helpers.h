/* SPDX-License-Identifier: GPL-2.0 */
/* Prototypes of the C shims the Rust side of ne2k_rs calls (see netdev.rs). Each wraps a kernel
 * macro or static inline that bindgen cannot expose; none holds driver logic. */
#ifndef NE2K_RS_HELPERS_H
#define NE2K_RS_HELPERS_H

#include <linux/types.h>
#include <linux/spinlock_types.h>

struct device;
struct net_device;
struct net_device_ops;
struct ethtool_ops;
struct napi_struct;
struct pci_dev;
struct sk_buff;

/* PCI / ports */
int ne2k_rs_request_io(struct pci_dev *pdev, int bar, unsigned long extent, const char *name,
		       unsigned long *base);
void ne2k_rs_release_io(unsigned long base, unsigned long extent);
unsigned int ne2k_rs_pci_irq(struct pci_dev *pdev);
unsigned short ne2k_rs_pci_subsystem_vendor(struct pci_dev *pdev);
const char *ne2k_rs_pci_name(struct pci_dev *pdev);
struct device *ne2k_rs_pci_device(struct pci_dev *pdev);

/* net_device with our private area: { driver state pointer, napi_struct } */
struct net_device *ne2k_rs_alloc_etherdev(struct device *parent);
void ne2k_rs_netdev_setup(struct net_device *dev, const void *drv, const u8 *mac,
			  unsigned long base_addr, int irq, int watchdog_ms,
			  int (*poll)(struct napi_struct *, int), int weight);
int ne2k_rs_register_netdev(struct net_device *dev);
void ne2k_rs_unregister_netdev(struct net_device *dev);
void ne2k_rs_free_netdev(struct net_device *dev);
void ne2k_rs_netif_carrier(struct net_device *dev, bool on);
const void *ne2k_rs_drv(const struct net_device *dev);
void ne2k_rs_napi_del(struct net_device *dev);
struct net_device *ne2k_rs_napi_dev(struct napi_struct *napi);
void ne2k_rs_napi_enable(struct net_device *dev);
void ne2k_rs_napi_disable(struct net_device *dev);
void ne2k_rs_napi_schedule(struct net_device *dev);
bool ne2k_rs_napi_complete_done(struct napi_struct *napi, int work_done);
void ne2k_rs_netif_start_queue(struct net_device *dev);
void ne2k_rs_netif_stop_queue(struct net_device *dev);
void ne2k_rs_netif_wake_queue(struct net_device *dev);
bool ne2k_rs_netif_queue_stopped(struct net_device *dev);
unsigned int ne2k_rs_netdev_flags(const struct net_device *dev);
int ne2k_rs_netdev_mc_list(struct net_device *dev, u8 (*out)[6], int max);
void ne2k_rs_eth_hw_addr_set(struct net_device *dev, const u8 *mac);
const char *ne2k_rs_netdev_name(const struct net_device *dev);
void ne2k_rs_sockaddr_mac(const void *sockaddr, u8 *mac);

/* sk_buff */
const u8 *ne2k_rs_skb_linear_data(struct sk_buff *skb, unsigned int *len);
struct sk_buff *ne2k_rs_napi_alloc_skb(struct napi_struct *napi, unsigned int len);
u8 *ne2k_rs_skb_put(struct sk_buff *skb, unsigned int len);
bool ne2k_rs_irqs_disabled(void);
void ne2k_rs_spin_lock_bh(spinlock_t *lock);
void ne2k_rs_spin_unlock_bh(spinlock_t *lock);
bool ne2k_rs_spin_trylock_bh(spinlock_t *lock);
void ne2k_rs_gro_receive(struct napi_struct *napi, struct sk_buff *skb);
void ne2k_rs_consume_skb(struct sk_buff *skb);
void ne2k_rs_kfree_skb(struct sk_buff *skb);

/* Implemented in Rust (netdev.rs, export_netdev_ops!), called from the C ops tables. */
struct ne2k_rs_link_stats {	/* field order = netdev::LinkStats64 */
	u64 rx_packets, tx_packets, rx_bytes, tx_bytes, rx_errors, tx_errors, rx_dropped,
	    tx_dropped, multicast, collisions, rx_length_errors, rx_over_errors, rx_crc_errors,
	    rx_frame_errors, rx_fifo_errors, rx_missed_errors, tx_aborted_errors,
	    tx_carrier_errors, tx_fifo_errors, tx_heartbeat_errors, tx_window_errors;
};
int ne2k_rs_ndo_open(struct net_device *dev);
int ne2k_rs_ndo_stop(struct net_device *dev);
bool ne2k_rs_ndo_start_xmit(struct sk_buff *skb, struct net_device *dev);
void ne2k_rs_ndo_tx_timeout(struct net_device *dev, unsigned int txqueue);
void ne2k_rs_ndo_set_rx_mode(struct net_device *dev);
int ne2k_rs_ndo_set_mac_address(struct net_device *dev, void *addr);
void ne2k_rs_ndo_get_stats(struct net_device *dev, struct ne2k_rs_link_stats *s);
u32 ne2k_rs_ethtool_get_msglevel(struct net_device *dev);
void ne2k_rs_ethtool_set_msglevel(struct net_device *dev, u32 level);
const char *ne2k_rs_ethtool_stat_name(int i);
void ne2k_rs_ethtool_stats_fill(struct net_device *dev, u64 *data);

#endif
