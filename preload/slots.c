// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * slots.c: a file of statistics slots read (fa.h), by fnaccel when its
 * COMMAND has ended and by fnstat while it runs.  Not in libfnaccel.so,
 * which only writes its own slot.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fa.h"

/* A slot's block is far shorter: some 60 lines of "key number" */
#define FA_SLOT_TEXT_MAX 8192

bool fa_slots_valid(const struct fa_slots_head *head, size_t len)
{
	return len >= FA_SLOTS_START && head->magic == FA_SLOTS_MAGIC &&
	       head->slot_size == sizeof(struct fa_slot);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a;
	int y = *(const int *)b;

	return (x > y) - (x < y);
}

int fa_slots_read(const struct fa_slots_head *head, size_t len,
		  struct fa_slots_text *out)
{
	unsigned int claimed = atomic_load(&head->claimed);
	unsigned int n = MIN(claimed, head->n_slots);
	const struct fa_slot *slot;
	size_t cap, pos = 0;
	unsigned int i;
	int *pids;

	/* the slots the mapping holds, were n_slots ever wrong */
	n = (unsigned int)MIN((size_t)n, (len - FA_SLOTS_START) / FA_SLOT_SIZE);
	memset(out, 0, sizeof(*out));
	out->lost = claimed - n;
	cap = (size_t)n * FA_SLOT_TEXT_MAX;
	out->text = malloc(cap ? cap : 1);
	pids = malloc((n ? n : 1) * sizeof(*pids));
	if (out->text == NULL || pids == NULL) {
		free(out->text);
		free(pids);
		out->text = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		slot = (const void *)((const char *)head + FA_SLOT_OFF(i));
		pids[i] = atomic_load(&slot->pid);
		if (pids[i] == 0) {
			out->lost++;	/* claimed, never filled: no counts */
			continue;
		}
		fa_slot_text(slot, out->text, cap, &pos);
	}
	if (pos > cap) {
		free(out->text);
		free(pids);
		out->text = NULL;
		return -ENOBUFS;
	}
	out->len = pos;
	/* A process is one pid: an exec keeps it and claims a new slot */
	qsort(pids, n, sizeof(*pids), cmp_int);
	for (i = 0; i < n; i++)
		if (pids[i] && (i == 0 || pids[i] != pids[i - 1]))
			out->procs++;
	free(pids);
	return 0;
}

int fa_slots_sum(const struct fa_slots_text *st, struct fn_keys *t)
{
	/* a block's first two lines name its process */
	static const char *const skip[] = { "pid", "argv0", NULL };

	return fn_keys_add_text(t, st->text, st->len, skip);
}

static uint64_t fa_load(const atomic_uint_fast64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/*
 * A few counters of every slot, read in place: fnaccel --progress reads
 * them each second while the processes count, with no text made
 */
void fa_slots_progress(const struct fa_slots_head *head, size_t len,
		       struct fa_progress *out)
{
	unsigned int n = MIN(atomic_load(&head->claimed), head->n_slots);
	const struct fa_stats_live *p;
	const struct fa_slot *slot;
	unsigned int i;

	n = (unsigned int)MIN((size_t)n, (len - FA_SLOTS_START) / FA_SLOT_SIZE);
	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		slot = (const void *)((const char *)head + FA_SLOT_OFF(i));
		if (atomic_load_explicit(&slot->pid, memory_order_acquire) == 0)
			continue;
		p = &slot->preload;
		out->substituted += fa_load(&p->preload_write_substituted_bytes) +
				    fa_load(&p->preload_sendfile_bytes);
		out->passed += fa_load(&p->preload_write_passthrough_bytes) +
			       fa_load(&p->preload_sendfile_passthrough_bytes);
		out->offload += fa_load(&p->preload_offload_bytes);
	}
}
