/** The model zoo: every model by name, with its option schema (validated at the config edge). */
import type { z } from 'zod';
import type { CTRModel } from './model.js';
import type { FeatureSpec, ModelContext } from '../nn/types.js';
import { autoint } from './autoint.js';
import { autointplus } from './autoint_plus.js';
import { dcn } from './dcn.js';
import { dcnv2 } from './dcnv2.js';
import { deepfm } from './deepfm.js';
import { fibinet } from './fibinet.js';
import { gdcn } from './gdcn.js';
import { ipnn } from './ipnn.js';
import { lr } from './lr.js';
import { nfm } from './nfm.js';
import { widedeep } from './widedeep.js';
import { xdeepfm } from './xdeepfm.js';

export interface ModelEntry<S extends z.ZodType = z.ZodType> {
  name: string;
  summary: string;
  /** zod schema of the model's options (with defaults), the `model` config section minus `name`. */
  options: S;
  create(spec: FeatureSpec, opts: z.infer<S>, ctx: ModelContext): CTRModel;
}

export const MODELS: ModelEntry[] = [
  lr,
  deepfm,
  widedeep,
  dcn,
  dcnv2,
  gdcn,
  nfm,
  ipnn,
  xdeepfm,
  fibinet,
  autoint,
  autointplus,
] as ModelEntry[];

export function findModel(name: string): ModelEntry | undefined {
  return MODELS.find((m) => m.name === name);
}
