/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ne2k_rs stage tracepoints: TSC cycle counts for each stage of each packet, per interrupt and
 * per NAPI poll. Read them with ftrace (/sys/kernel/tracing/events/ne2k_rs/) or perf
 * (perf record -e 'ne2k_rs:*'). Stage boundaries are documented in README.md ("Stage
 * tracepoints") and at the timestamps in dp8390.rs / ne2k_rs.rs.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ne2k_rs

#if !defined(_NE2K_RS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _NE2K_RS_TRACE_H

#include <linux/tracepoint.h>

/* Every event counts its listeners into one static key (ne2k_rs_listen_key, with the stage
 * statistics' switch): the datapath asks that one key at each entry point, and while it is off
 * runs a copy of its code without the stage clock (datapath.rs, Probe::enabled). */
int ne2k_rs_listener_reg(void);
void ne2k_rs_listener_unreg(void);

/* One transmitted frame, fired when its completion has been handled:
 * total = driver + dma + queued + nic. */
TRACE_EVENT_FN(ne2k_rs_tx,
	TP_PROTO(u32 seq, u32 len, u64 driver, u64 dma, u64 queued, u64 nic, u64 total),
	TP_ARGS(seq, len, driver, dma, queued, nic, total),
	TP_STRUCT__entry(
		__field(u32, seq)
		__field(u32, len)
		__field(u64, driver_cycles)
		__field(u64, dma_cycles)
		__field(u64, queued_cycles)
		__field(u64, nic_cycles)
		__field(u64, total_cycles)
	),
	TP_fast_assign(
		__entry->seq = seq;
		__entry->len = len;
		__entry->driver_cycles = driver;
		__entry->dma_cycles = dma;
		__entry->queued_cycles = queued;
		__entry->nic_cycles = nic;
		__entry->total_cycles = total;
	),
	TP_printk("seq=%u len=%u driver=%llu dma=%llu queued=%llu nic=%llu total=%llu",
		  __entry->seq, __entry->len, __entry->driver_cycles, __entry->dma_cycles,
		  __entry->queued_cycles, __entry->nic_cycles, __entry->total_cycles),
	ne2k_rs_listener_reg, ne2k_rs_listener_unreg
);

/* One received frame, fired just before it is handed to the stack:
 * total = nic + dma + driver. */
TRACE_EVENT_FN(ne2k_rs_rx,
	TP_PROTO(u32 seq, u32 len, u32 page, u64 nic, u64 dma, u64 driver, u64 total),
	TP_ARGS(seq, len, page, nic, dma, driver, total),
	TP_STRUCT__entry(
		__field(u32, seq)
		__field(u32, len)
		__field(u32, page)
		__field(u64, nic_cycles)
		__field(u64, dma_cycles)
		__field(u64, driver_cycles)
		__field(u64, total_cycles)
	),
	TP_fast_assign(
		__entry->seq = seq;
		__entry->len = len;
		__entry->page = page;
		__entry->nic_cycles = nic;
		__entry->dma_cycles = dma;
		__entry->driver_cycles = driver;
		__entry->total_cycles = total;
	),
	TP_printk("seq=%u len=%u page=0x%02x nic=%llu dma=%llu driver=%llu total=%llu",
		  __entry->seq, __entry->len, __entry->page, __entry->nic_cycles,
		  __entry->dma_cycles, __entry->driver_cycles, __entry->total_cycles),
	ne2k_rs_listener_reg, ne2k_rs_listener_unreg
);

/* One hard interrupt that was ours: the ISR causes it took and the handler's cycles. */
TRACE_EVENT_FN(ne2k_rs_irq,
	TP_PROTO(u32 isr, u64 cycles),
	TP_ARGS(isr, cycles),
	TP_STRUCT__entry(
		__field(u32, isr)
		__field(u64, cycles)
	),
	TP_fast_assign(
		__entry->isr = isr;
		__entry->cycles = cycles;
	),
	TP_printk("isr=0x%02x%s%s cycles=%llu", __entry->isr,
		  __entry->isr & 0x01 ? " rx" : "", __entry->isr & 0x02 ? " tx" : "",
		  __entry->cycles),
	ne2k_rs_listener_reg, ne2k_rs_listener_unreg
);

/* One NAPI poll: frames received, transmits completed, budget, cycles; stack_cycles of them
 * were spent in the stack, not in the driver: handing frames up (napi_gro_receive) and
 * completing (napi_complete_done, which flushes GRO and delivers what it batched). */
TRACE_EVENT_FN(ne2k_rs_poll,
	TP_PROTO(u32 rx, u32 tx, u32 budget, u64 cycles, u64 stack_cycles),
	TP_ARGS(rx, tx, budget, cycles, stack_cycles),
	TP_STRUCT__entry(
		__field(u32, rx)
		__field(u32, tx)
		__field(u32, budget)
		__field(u64, cycles)
		__field(u64, stack_cycles)
	),
	TP_fast_assign(
		__entry->rx = rx;
		__entry->tx = tx;
		__entry->budget = budget;
		__entry->cycles = cycles;
		__entry->stack_cycles = stack_cycles;
	),
	TP_printk("rx=%u tx=%u budget=%u cycles=%llu stack_cycles=%llu", __entry->rx, __entry->tx,
		  __entry->budget, __entry->cycles, __entry->stack_cycles),
	ne2k_rs_listener_reg, ne2k_rs_listener_unreg
);

#endif /* _NE2K_RS_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE ne2k_rs_trace
#include <trace/define_trace.h>
