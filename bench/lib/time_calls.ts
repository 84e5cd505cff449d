/** Timing for the inference benchmarks: robust to a shared, noisy machine. */

/** Median over groups of the mean seconds per call of `fn(offset)` (offsets walk the test rows). */
export async function timeCalls(
  fn: (offset: number) => unknown,
  batch: number,
  rows: number,
  seconds: number,
): Promise<number> {
  const groups: number[] = [];
  let offset = 0;
  const next = (): number => (offset = offset + 2 * batch > rows ? 0 : offset + batch);
  for (let i = 0; i < 3; i++) await fn(next());
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end || groups.length < 5) {
    let calls = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 200) {
      await fn(next());
      calls++;
    }
    groups.push((performance.now() - t0) / 1000 / calls);
  }
  groups.sort((a, b) => a - b);
  return groups[groups.length >> 1];
}
