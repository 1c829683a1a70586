// SPDX-License-Identifier: GPL-2.0
/* QEMU TCG plugin for scripts/profile.sh: how many kernel instructions the guest executed,
 * per translation block (start address, instructions in it, times executed).
 *   qemu-system-x86_64 -plugin insnprof.so,out=FILE ...   writes "vaddr ninsns execs" lines
 *   for every kernel-space block (vaddr >= 0xffff800000000000) when QEMU exits.
 * Instructions executed = ninsns x execs (TCG leaves a block only at its end, save for a
 * fault). The execution count is not atomic: run the guest with one vCPU.
 * It declares the few functions of QEMU's plugin API it uses (include/qemu/qemu-plugin.h,
 * stable since API version 2), so it builds with gcc alone, without QEMU's headers or glib.
 *
 * Marks: each time the guest runs a user-space instruction at MARK_VADDR (scripts/profile/
 * mark.S, a program linked there that only exits), the counts so far are written to
 * FILE.mark1, FILE.mark2, ... The difference of two marks is what the kernel executed between
 * them in one boot, with nothing of the boot itself in it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <pthread.h>
typedef uint64_t qemu_plugin_id_t;
__attribute__((visibility("default"))) int qemu_plugin_version = 2;
typedef struct { const char *target_name; struct { int min; int cur; } version; bool system_emulation;
  union { struct { int smp_vcpus; int max_vcpus; } system; }; } qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

struct blk { uint64_t vaddr; uint64_t n; uint64_t execs; };
#define NB (1u << 22)
static struct blk *tab;           /* open addressing on (vaddr, n) */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *outpath = "insnprof.txt";

static void exec_cb(unsigned int vcpu, void *ud) { ((struct blk *)ud)->execs++; }

#define MARK_VADDR 0x5a5a1000ull
static unsigned marks;
static void write_counts(const char *path);
static void mark_cb(unsigned int vcpu, void *ud)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s.mark%u", outpath, ++marks);
    write_counts(path);
}

static void trans_cb(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    uint64_t va = qemu_plugin_tb_vaddr(tb);
    if (va == MARK_VADDR) {
        qemu_plugin_register_vcpu_tb_exec_cb(tb, mark_cb, QEMU_PLUGIN_CB_NO_REGS, NULL);
        return;
    }
    if (va < 0xffff800000000000ull)
        return;
    uint64_t n = qemu_plugin_tb_n_insns(tb);
    uint64_t h = (va ^ (n << 48)) * 0x9E3779B97F4A7C15ull;
    static uint32_t used;
    pthread_mutex_lock(&lock);
    if (used >= NB / 2) {   /* table full enough: leave further blocks uncounted */
        pthread_mutex_unlock(&lock);
        return;
    }
    struct blk *b;
    for (uint32_t i = (uint32_t)(h >> 40) & (NB - 1);; i = (i + 1) & (NB - 1)) {
        b = &tab[i];
        if (b->vaddr == va && b->n == n) break;
        if (b->vaddr == 0) { b->vaddr = va; b->n = n; used++; break; }
    }
    pthread_mutex_unlock(&lock);
    qemu_plugin_register_vcpu_tb_exec_cb(tb, exec_cb, QEMU_PLUGIN_CB_NO_REGS, b);
}

static void dump(struct blk *b, FILE *f)
{
    if (b->execs)
        fprintf(f, "%llx %llu %llu\n", (unsigned long long)b->vaddr, (unsigned long long)b->n,
                (unsigned long long)b->execs);
}

static void write_counts(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    pthread_mutex_lock(&lock);
    for (uint32_t i = 0; i < NB; i++) dump(&tab[i], f);
    pthread_mutex_unlock(&lock);
    fclose(f);
}

static void atexit_cb(qemu_plugin_id_t id, void *p)
{
    write_counts(outpath);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strncmp(argv[i], "out=", 4)) outpath = argv[i] + 4;
    tab = calloc(NB, sizeof(*tab));
    if (!tab) return -1;
    qemu_plugin_register_vcpu_tb_trans_cb(id, trans_cb);
    qemu_plugin_register_atexit_cb(id, atexit_cb, NULL);
    return 0;
}
