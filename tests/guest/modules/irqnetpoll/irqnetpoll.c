// SPDX-License-Identifier: GPL-2.0
/*
 * irqnetpoll: a test module for ne2k-rs (issue #28, item 1). It sends a frame through netpoll
 * from a hard-IRQ hrtimer, every period_us, on the interface dev: what netconsole does for a
 * message printed in hard-IRQ context (a WARN, an RCU stall report, "irq N: nobody cared"),
 * without printing anything. netpoll calls the driver's ndo_start_xmit (and its NAPI poll with
 * budget 0) with interrupts off, on the CPU the timer interrupted, which may be inside a
 * holder of the driver's lock: a driver that spins there locks the CPU up.
 *
 * The frames are broadcasts of the local experimental ethertype 0x88b5, ETH_ZLEN long.
 * Unloading prints how many were handed to netpoll.
 */
#include <linux/atomic.h>
#include <linux/etherdevice.h>
#include <linux/hrtimer.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/netpoll.h>
#include <linux/rtnetlink.h>

static char *dev = "";
module_param(dev, charp, 0444);
MODULE_PARM_DESC(dev, "the interface to send on (required)");
static uint period_us = 500;
module_param(period_us, uint, 0444);
MODULE_PARM_DESC(period_us, "the timer's period, in microseconds (default 500)");

static struct netpoll np = { .name = "irqnetpoll" };
static struct hrtimer timer;
static atomic_t sent = ATOMIC_INIT(0);

static enum hrtimer_restart irqnetpoll_fire(struct hrtimer *t)
{
	struct sk_buff *skb = alloc_skb(ETH_ZLEN + NET_IP_ALIGN, GFP_ATOMIC);

	if (skb) {
		struct ethhdr *eth;

		skb_reserve(skb, NET_IP_ALIGN);
		eth = skb_put_zero(skb, ETH_ZLEN);
		eth_broadcast_addr(eth->h_dest);
		ether_addr_copy(eth->h_source, np.dev->dev_addr);
		eth->h_proto = htons(ETH_P_802_EX1);
		skb_reset_mac_header(skb);
		netpoll_send_skb(&np, skb);
		atomic_inc(&sent);
	}
	hrtimer_forward_now(t, us_to_ktime(period_us));
	return HRTIMER_RESTART;
}

static int __init irqnetpoll_init(void)
{
	struct net_device *ndev;
	int err;

	if (!dev[0] || period_us < 10 || period_us > 1000000) {
		pr_err("irqnetpoll: dev=<interface> required, period_us 10..1000000\n");
		return -EINVAL;
	}
	rtnl_lock();
	ndev = __dev_get_by_name(&init_net, dev);
	if (!ndev || !netif_running(ndev)) {
		rtnl_unlock();
		pr_err("irqnetpoll: %s does not exist or is down\n", dev);
		return -ENODEV;
	}
	netdev_hold(ndev, &np.dev_tracker, GFP_KERNEL);
	err = __netpoll_setup(&np, ndev);
	if (err)
		netdev_put(ndev, &np.dev_tracker);
	rtnl_unlock();
	if (err)
		return err;
	/* NAPI polls that started before dev->npinfo was visible have ended (as netconsole). */
	synchronize_rcu();
	hrtimer_setup(&timer, irqnetpoll_fire, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	hrtimer_start(&timer, us_to_ktime(period_us), HRTIMER_MODE_REL_HARD);
	return 0;
}

static void __exit irqnetpoll_exit(void)
{
	hrtimer_cancel(&timer);
	netpoll_cleanup(&np);
	pr_info("irqnetpoll: %d frames handed to netpoll from hard-IRQ context\n",
		atomic_read(&sent));
}

module_init(irqnetpoll_init);
module_exit(irqnetpoll_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ne2k-rs test: netpoll transmits from a hard-IRQ timer");
