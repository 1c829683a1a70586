/* SPDX-License-Identifier: GPL-2.0 */
/* A mark for scripts/profile/insnprof.c: a program that only exits, linked so that its first
 * instruction is at the plugin's MARK_VADDR (ld -Ttext=0x5a5a1000). Each run of it makes the
 * plugin write the kernel's instruction counts so far. */
	.globl _start
	.text
_start:
	mov $60, %eax		/* exit(0) */
	xor %edi, %edi
	syscall
