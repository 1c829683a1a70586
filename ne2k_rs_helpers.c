// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for ne2k_rs: wrappers for kernel macros and static inlines that Rust cannot call
 * through bindgen. Each is a thin, behaviour-free shim; the logic lives in Rust.
 */
#include <linux/ioport.h>
#include <linux/pci.h>

#include "ne2k_rs_helpers.h"

/* Claim BAR @bar of @pdev as an I/O-port window of @extent bytes (request_region).
 * Returns 0 and the base port in *@base, -ENODEV if the BAR is not I/O space, -EBUSY if the
 * ports are taken. */
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
