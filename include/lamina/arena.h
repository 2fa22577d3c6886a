/* A bump allocator over one caller-provided buffer.
 *
 * Scratch memory for a bounded task (decoding a batch, hashing a typed-data
 * message) comes from an arena the caller owns; everything allocated from it
 * lives until lm_arena_reset or until the buffer goes away. No malloc. */
#ifndef LAMINA_ARENA_H
#define LAMINA_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct lm_arena {
    uint8_t *base;
    size_t cap;
    size_t used;
    size_t high_water; /* the most ever used, for sizing */
} lm_arena;

/* Makes an arena over buf[0..cap). buf must outlive every allocation. */
void lm_arena_init(lm_arena *a, void *buf, size_t cap);

/* Returns: size bytes aligned to align (a power of two, at most 64), or NULL
 * when the arena is full (nothing is changed then). */
void *lm_arena_alloc(lm_arena *a, size_t size, size_t align);

/* Like lm_arena_alloc with alignment 16, and the memory zeroed. */
void *lm_arena_zalloc(lm_arena *a, size_t size);

/* A position to come back to with lm_arena_rewind. */
static inline size_t lm_arena_mark(const lm_arena *a) { return a->used; }
void lm_arena_rewind(lm_arena *a, size_t mark);

/* Frees everything at once. */
void lm_arena_reset(lm_arena *a);

#endif
