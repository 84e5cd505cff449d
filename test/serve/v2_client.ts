/**
 * The client's side of the Open Inference Protocol's binary tensor data extension, for the tests and
 * `bench serve` (the server's side: src/serve/v2_binary.ts): tensors as bytes, a body with binary
 * inputs, a binary answer read back.
 */
import { ELEMENT_BYTES, viewOf } from '../../src/serve/v2_binary.js';

/**
 * Values as a binary tensor of `datatype`: strings as BYTES elements, numbers (or int64 bigints) in INT32, INT64, FP32 or FP64.
 */
export function tensorBytes(datatype: string, values: readonly (string | number | bigint)[]): Uint8Array {
  if (datatype === 'BYTES') {
    const texts = values.map((v) => new TextEncoder().encode(String(v)));
    const out = new Uint8Array(texts.reduce((n, t) => n + 4 + t.length, 0));
    const view = viewOf(out);
    let at = 0;
    for (const t of texts) {
      view.setUint32(at, t.length, true);
      out.set(t, at + 4);
      at += 4 + t.length;
    }
    return out;
  }
  const size = ELEMENT_BYTES[datatype];
  const out = new Uint8Array(values.length * size);
  const view = viewOf(out);
  values.forEach((v, k) => {
    if (datatype === 'INT64') view.setBigInt64(8 * k, BigInt(v), true);
    else if (datatype === 'INT32') view.setInt32(4 * k, Number(v), true);
    else if (datatype === 'FP64') view.setFloat64(8 * k, Number(v), true);
    else view.setFloat32(4 * k, Number(v), true);
  });
  return out;
}

/** An input of an infer request: JSON `data`, or binary `bytes`. */
export type InferInput = { name: string; shape: number[]; datatype: string } & (
  | { data: unknown[] }
  | { bytes: Uint8Array }
);

/**
 * An infer request body with binary inputs: the JSON (each binary input's
 * `parameters.binary_data_size` set; `extra` adds top-level keys such as parameters), then the
 * inputs' bytes in order. `header` is the Inference-Header-Content-Length to send with it.
 */
export function binaryInferBody(
  inputs: InferInput[],
  extra: Record<string, unknown> = {},
): { body: Uint8Array; header: number } {
  const tensors = inputs.map((t) =>
    'bytes' in t
      ? { name: t.name, shape: t.shape, datatype: t.datatype, parameters: { binary_data_size: t.bytes.length } }
      : t,
  );
  const json = new TextEncoder().encode(JSON.stringify({ ...extra, inputs: tensors }));
  const parts = [json, ...inputs.flatMap((t) => ('bytes' in t ? [t.bytes] : []))];
  const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    body.set(p, at);
    at += p.length;
  }
  return { body, header: json.length };
}

/** Splits a binary infer answer (its body and Inference-Header-Content-Length) into its JSON and its output's float32 values. */
export function readBinaryAnswer(
  body: Uint8Array,
  header: number,
): { json: Record<string, unknown>; values: Float32Array } {
  const json = JSON.parse(new TextDecoder().decode(body.subarray(0, header)));
  const view = viewOf(body.subarray(header));
  const values = new Float32Array(view.byteLength / 4);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(4 * i, true);
  return { json, values };
}
