/**
 * The request bodies `bench serve` sends, built from raw Criteo rows (objects by column name):
 * - json: `{"rows": [...]}` for POST /predict;
 * - binary: Open Inference Protocol infer requests with every input as a binary tensor
 *   (POST /v2/models/NAME/infer): categorical (C) columns as BYTES; numeric (I) columns as FP32, or
 *   as BYTES number text when a row of the request lacks the value (FP32 has no missing value).
 */
import { binaryInferBody, type InferInput, tensorBytes } from '../../test/serve/v2_client.js';

export type BodyForm = 'json' | 'binary';

/** How the results table names each form. */
export const BODY_NAMES: Record<BodyForm, string> = { json: 'JSON rows', binary: 'v2 binary tensors' };

export interface RequestBody {
  body: Buffer;
  headers: Record<string, string | number>;
  /** The Inference-Header-Content-Length sent (null: none). */
  header: string | null;
}

/** One body per request of rows. */
export function requestBodies(form: BodyForm, requests: Record<string, string>[][]): RequestBody[] {
  return requests.map((rows) => (form === 'json' ? jsonBody(rows) : binaryBody(rows)));
}

function jsonBody(rows: Record<string, string>[]): RequestBody {
  return {
    body: Buffer.from(JSON.stringify({ rows })),
    headers: { 'content-type': 'application/json' },
    header: null,
  };
}

function binaryBody(rows: Record<string, string>[]): RequestBody {
  const inputs = Object.keys(rows[0]).map((name): InferInput => {
    const values = rows.map((r) => r[name]);
    const fp32 = name.startsWith('I') && values.every((v) => v !== '');
    const datatype = fp32 ? 'FP32' : 'BYTES';
    return {
      name,
      shape: [rows.length, 1],
      datatype,
      bytes: tensorBytes(datatype, fp32 ? values.map(Number) : values),
    };
  });
  const { body, header } = binaryInferBody(inputs);
  return {
    body: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': header },
    header: String(header),
  };
}
