// SPDX-License-Identifier: GPL-2.0
/* Instantiates the ne2k_rs tracepoints and their rust_do_trace_* entry points. */
#define CREATE_TRACE_POINTS
#define CREATE_RUST_TRACE_POINTS
#include "ne2k_rs_trace.h"
