/* Picks the best instruction set this CPU runs, among those compiled into the addon. */
#include <string.h>
#include "kernels.h"

volatile float peak_sink;

static const isa_kernels *const all[] = {
#if defined(__x86_64__)
  &isa_avx512, &isa_avx2,
#endif
#if defined(__aarch64__)
  &isa_neon,
#endif
  &isa_base,
};

/** The ISAs this CPU runs, best first; returns how many (at most `cap` written). */
int isa_list(const isa_kernels **out, int cap) {
  int n = 0;
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    if (all[i]->supported() && n < cap) out[n++] = all[i];
  return n;
}

/** The named ISA if this CPU runs it, the best one for NULL, else NULL. */
const isa_kernels *isa_pick(const char *name) {
  const isa_kernels *list[8];
  int n = isa_list(list, 8);
  if (!name) return n > 0 ? list[0] : NULL;
  for (int i = 0; i < n; i++)
    if (strcmp(list[i]->name, name) == 0) return list[i];
  return NULL;
}
