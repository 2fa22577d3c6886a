#include "lamina/arena.h"

#include <assert.h>
#include <string.h>

void lm_arena_init(lm_arena *a, void *buf, size_t cap)
{
    a->base = buf;
    a->cap = cap;
    a->used = 0;
    a->high_water = 0;
}

void *lm_arena_alloc(lm_arena *a, size_t size, size_t align)
{
    assert(align && (align & (align - 1)) == 0 && align <= 64);
    uintptr_t start = (uintptr_t)a->base + a->used;
    size_t pad = (size_t)((align - (start & (align - 1))) & (align - 1));
    if (pad > a->cap - a->used || size > a->cap - a->used - pad)
        return NULL;
    void *p = a->base + a->used + pad;
    a->used += pad + size;
    if (a->used > a->high_water)
        a->high_water = a->used;
    return p;
}

void *lm_arena_zalloc(lm_arena *a, size_t size)
{
    void *p = lm_arena_alloc(a, size, 16);
    if (p)
        memset(p, 0, size);
    return p;
}

void lm_arena_rewind(lm_arena *a, size_t mark)
{
    assert(mark <= a->used);
    a->used = mark;
}

void lm_arena_reset(lm_arena *a) { a->used = 0; }
