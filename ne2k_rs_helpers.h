/* SPDX-License-Identifier: GPL-2.0 */
/* Prototypes of the C shims the Rust side of ne2k_rs calls (see netdev.rs). */
#ifndef NE2K_RS_HELPERS_H
#define NE2K_RS_HELPERS_H

struct pci_dev;

int ne2k_rs_request_io(struct pci_dev *pdev, int bar, unsigned long extent, const char *name,
		       unsigned long *base);
void ne2k_rs_release_io(unsigned long base, unsigned long extent);
unsigned int ne2k_rs_pci_irq(struct pci_dev *pdev);

#endif
