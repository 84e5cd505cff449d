/**
 * The browser side of `npm run bench -- web` (served as /harness.js, runs in the page): loads one
 * runtime (`?engine=slimctr`: the slimctr/web bundle; `?engine=ort`: onnxruntime-web's wasm
 * backend) and one model, then times scoring the same encoded test rows (/data/*.bin) at batch 1
 * and batch 256. Leaves its figures in `window.benchResult` (or `window.benchError`).
 */
interface Meta {
  rows: number;
  fields: number;
  numeric: number;
}
type Predict = (start: number, n: number) => Promise<ArrayLike<number>>;

const q = new URLSearchParams(location.search);
const engine = q.get('engine') ?? 'slimctr';
const modelUrl = q.get('model') ?? '';
const w = window as unknown as { benchResult?: unknown; benchError?: string };

async function bytes(url: string): Promise<ArrayBuffer> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

interface Runtime {
  predict: Predict;
  threads: number;
  kernels: string;
}

async function slimctrRuntime(meta: Meta, ids: Int32Array, dense: Float32Array): Promise<Runtime> {
  const lib = '/slimctr/web.js';
  const { openModel, engineInfo } = await import(lib);
  const model = await openModel(modelUrl);
  const F = meta.fields,
    N = meta.numeric;
  const info = engineInfo();
  return {
    threads: info.threads,
    kernels: `slimctr WebAssembly ${info.variant}`,
    predict: async (s, n) =>
      model.predictEncoded({
        rows: n,
        ids: ids.subarray(s * F, (s + n) * F),
        dense: dense.subarray(s * N, (s + n) * N),
      }),
  };
}

async function ortRuntime(meta: Meta, ids: Int32Array, dense: Float32Array): Promise<Runtime> {
  const lib = '/ort/ort.wasm.bundle.min.mjs';
  const ort = await import(lib);
  const threads = globalThis.crossOriginIsolated ? navigator.hardwareConcurrency : 1;
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = threads;
  const session = await ort.InferenceSession.create(modelUrl, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const F = meta.fields,
    N = meta.numeric;
  const big = BigInt64Array.from(ids, (v) => BigInt(v));
  return {
    threads,
    kernels: 'onnxruntime-web wasm',
    predict: async (s, n) => {
      const feeds: Record<string, unknown> = { ids: new ort.Tensor('int64', big.subarray(s * F, (s + n) * F), [n, F]) };
      if (N > 0) feeds.dense = new ort.Tensor('float32', dense.subarray(s * N, (s + n) * N), [n, N]);
      return (await session.run(feeds)).prob.data as Float32Array;
    },
  };
}

/** Unmeasured calls before timing: long enough for V8 to tier the hot WebAssembly up from its baseline compiler. */
const WARM_MS = 1500;

/**
 * Time per call in ms: the median over `groups` groups of the mean of `reps` calls, after WARM_MS
 * of unmeasured calls. Groups, not single calls, because a page without cross-origin isolation only
 * gets a 100 us clock.
 */
async function timePerCall(fn: (i: number) => Promise<unknown>, groups: number, reps: number): Promise<number> {
  let i = 0;
  for (const end = performance.now() + WARM_MS; performance.now() < end; ) await fn(i++);
  const means: number[] = [];
  for (let g = 0; g < groups; g++) {
    const t = performance.now();
    for (let r = 0; r < reps; r++) await fn(i++);
    means.push((performance.now() - t) / reps);
  }
  return means.sort((a, b) => a - b)[Math.floor(groups / 2)];
}

async function main(): Promise<void> {
  const meta = (await (await fetch('/data/meta.json')).json()) as Meta;
  const ids = new Int32Array(await bytes('/data/ids.bin'));
  const dense = new Float32Array(await bytes('/data/dense.bin'));
  const started = performance.now();
  const rt = engine === 'ort' ? await ortRuntime(meta, ids, dense) : await slimctrRuntime(meta, ids, dense);
  await rt.predict(0, 1);
  const firstMs = performance.now() - started;
  const batch1 = await timePerCall((i) => rt.predict(i % meta.rows, 1), 21, 40);
  const B = 256,
    batches = Math.floor(meta.rows / B);
  const batch256 = await timePerCall((i) => rt.predict((i % batches) * B, B), 9, 8);
  const check = Array.from(await rt.predict(0, 8));
  w.benchResult = {
    engine,
    kernels: rt.kernels,
    threads: rt.threads,
    isolated: globalThis.crossOriginIsolated,
    firstMs,
    batch1Ms: batch1,
    batch256RowsPerS: B / (batch256 / 1000),
    check,
  };
}

main().catch((err: unknown) => {
  w.benchError = err instanceof Error ? `${err.message}\n${err.stack}` : String(err);
});
