/** A tiny trained DeepFM run folder for the predict / export / serve tests, plus in-process reference predictions. */
import { after } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getEngine } from '../../src/kernels/engine.js';
import { PredictionServer, SERVE_DEFAULTS, type ServeOptions } from '../../src/serve/http.js';
import { loadModel, type LoadedModel } from '../../src/persist/model_file.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { predictLogits, sigmoid64 } from '../../src/models/predict.js';
import { ProgressReporter } from '../../src/train/progress.js';
import { train } from '../../src/train/trainer.js';
import { scratchDir, toySetup } from '../train/toy_data.js';

export interface ToyRun {
  dir: string;
  /** The labelled CSV (header label,I1,I2,C1..C4). */
  file: string;
  runDir: string;
  modelPath: string;
}

/** Trains the toy DeepFM for one epoch (well under a second). */
export async function toyRun(tag = 'serve'): Promise<ToyRun> {
  await getEngine();
  const dir = scratchDir(tag);
  const { file, config } = toySetup(dir);
  config.training.epochs = 1;
  config.model.hidden = [8];
  await train(parseTrainConfig(config), {
    progress: new ProgressReporter({ mode: 'json', stream: { write: () => true } }),
  });
  return { dir, file, runDir: config.run.dir, modelPath: join(config.run.dir, 'model.safetensors') };
}

/** The CSV's data rows as objects by column name (label included). */
export function csvRows(file: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

/** slimctr's own probabilities for raw rows, encoded with the model's encoders, in this thread. */
export function referenceProbs(loaded: LoadedModel, rows: Record<string, string | number | null>[]): number[] {
  const enc = loaded.encoders!;
  const nc = enc.numCategorical,
    nd = enc.numDense;
  const ids = new Int32Array(rows.length * nc),
    dense = new Float32Array(rows.length * nd);
  rows.forEach((r, i) =>
    enc.encodeRow(r, { ids: ids.subarray(i * nc, (i + 1) * nc), dense: dense.subarray(i * nd, (i + 1) * nd) }),
  );
  return Array.from(predictLogits(loaded.model, { rows: rows.length, ids, dense }), sigmoid64);
}

export const loadToy = (run: ToyRun): LoadedModel => loadModel(run.modelPath);

export function maxGap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let g = 0;
  for (let i = 0; i < a.length; i++) g = Math.max(g, Math.abs(a[i] - b[i]));
  return g;
}

/** Starts servers on 127.0.0.1 port 0 with `workers` workers; every one is closed when the test file's tests are done. */
export function serverStarter(
  workers: number,
): (modelPath: string, opts?: Partial<ServeOptions>) => Promise<PredictionServer> {
  const servers: PredictionServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  return async (modelPath, opts = {}) => {
    const s = await PredictionServer.start(modelPath, { ...SERVE_DEFAULTS, port: 0, workers, ...opts });
    servers.push(s);
    return s;
  };
}

/** A request to a server: GET without a body, else POST of `body` (JSON-encoded unless a string); the answer parsed. */
export async function call(
  s: PredictionServer,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: any; headers: Headers }> {
  const r = await fetch(
    `${s.url}${path}`,
    body === undefined ? {} : { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) },
  );
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null, headers: r.headers };
}
