/**
 * The nodes that run through a model part: a Gather from an embedding table, and a Gemm/MatMul
 * through a `Linear` module (so that compression can swap either for its low-rank form).
 */
import { add, lookup, permute, reportOutput, reshape, scale } from '../../autograd/index.js';
import type { EmbeddingTable } from '../../embedding/table.js';
import type { LinearLike } from '../../nn/mlp.js';
import { DataError } from '../../util/errors.js';
import { attrFloat, attrInt, input, type OpCall } from './op_call.js';
import { asTensor, describe, isTensor, nodeError, type Value } from './values.js';

/** Gather(table, ids): rows of an embedding table, shaped [...ids.shape, dim] (reported as the table's output). */
export function gatherTable(c: OpCall, table: EmbeddingTable): Value[] {
  const ind = input(c, 1);
  if (isTensor(ind) || ind.kind === 'float')
    throw nodeError(c, `indices are ${describe(ind)}; Gather needs integer indices`);
  const raw = ind.data,
    ids = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const id = raw[i] < 0 ? raw[i] + table.rows : raw[i];
    // Bad data, not a bad model: a DataError (a server answers it with 400).
    if (!(id >= 0 && id < table.rows))
      throw new DataError(
        c.file,
        0,
        0,
        `node '${c.node.name}' (${c.node.opType}, opset ${c.opset}): id ${raw[i]} at position ${i} is outside table '${table.name}' (0..${table.rows - 1})`,
      );
    ids[i] = id;
  }
  const rows = lookup(table, ids);
  reportOutput(table, rows);
  return [reshape(rows, [...ind.shape, table.dim])];
}

/** Gemm(A, W, C) or MatMul(A, W) with W held by `linear` (and C too when `biasFolded`). */
export function throughLinear(c: OpCall, linear: LinearLike, biasFolded: boolean): Value[] {
  let x = asTensor(c, input(c, 0), 'input 0');
  if (c.node.opType === 'MatMul') {
    if (x.rank !== 1) return [linear.forward(x)];
    return [reshape(linear.forward(reshape(x, [1, x.size])), [linear.outDim])];
  }
  if (attrInt(c, 'transA', 0)) x = permute(x, [1, 0]);
  const y = linear.forward(x);
  const cIn = c.inputs[2],
    beta = attrFloat(c, 'beta', 1);
  if (biasFolded || cIn === undefined || beta === 0) return [y];
  const C = asTensor(c, cIn, 'C');
  return [add(y, beta === 1 ? C : scale(C, beta))];
}
