import type { Command } from '../command.js';
import { compareCommand } from './compare.js';
import { compressCommand } from './compress.js';
import { demoCommand } from './demo.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { info } from './info.js';
import { inspect } from './inspect.js';
import { inspectOnnxCommand } from './inspect_onnx.js';
import { modelsCommand } from './models.js';
import { predictCommand } from './predict.js';
import { serveCommand } from './serve.js';
import { synth } from './synth.js';
import { trainCommand } from './train.js';

/** Every CLI command, in the order `slimctr --help` lists them. */
export const commands: Command[] = [
  demoCommand,
  info,
  inspect,
  synth,
  trainCommand,
  evalCommand,
  compressCommand,
  compareCommand,
  predictCommand,
  exportCommand,
  serveCommand,
  modelsCommand,
  inspectOnnxCommand,
];
