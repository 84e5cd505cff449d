/** Timing for the inference benchmarks: robust to a shared, noisy machine. */

/**
 * For each of `fns`, the median over groups (each lasting ~0.2 s) of the mean seconds per call of
 * `fn(offset)`; offsets walk the test rows. The functions take turns group by group, so a change
 * in the machine's load during the run hits them alike and their ratios stay fair.
 */
export async function timeCalls(
  fns: ((offset: number) => unknown)[],
  batch: number,
  rows: number,
  seconds: number,
): Promise<number[]> {
  const groups: number[][] = fns.map(() => []);
  let offset = 0;
  const next = (): number => (offset = offset + 2 * batch > rows ? 0 : offset + batch);
  for (const fn of fns) for (let i = 0; i < 3; i++) await fn(next());
  const end = performance.now() + seconds * 1000 * fns.length;
  while (performance.now() < end || groups[0].length < 5) {
    for (let f = 0; f < fns.length; f++) {
      let calls = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < 200) {
        await fns[f](next());
        calls++;
      }
      groups[f].push((performance.now() - t0) / 1000 / calls);
    }
  }
  return groups.map((g) => g.sort((a, b) => a - b)[g.length >> 1]);
}
