/** What a compression does to a model: which Linear layers get which rank, and the embedding rank. */
export type Method = 'afm' | 'afm-act' | 'svd';

export interface CompressionPlan {
  method: Method;
  /** Dotted module path of a Linear -> rank. */
  layers: Record<string, number>;
  /** Rank of every categorical field's table (null: tables untouched). */
  embeddingRank: number | null;
  /** Fold the reconstruction into the MLP's first layer (when the model's MLP reads the flattened embeddings). */
  fuse: boolean;
}

/** Parameters of a Linear in -> out (with bias) at rank k, or uncompressed when k is null. */
export function layerParams(inDim: number, outDim: number, k: number | null): number {
  return k === null ? inDim * outDim + outDim : k * (inDim + outDim) + k + outDim;
}

/** Ranks at which factoring a Linear saves parameters: k < in * out / (in + out). */
export function breakEvenRank(inDim: number, outDim: number): number {
  return Math.floor((inDim * outDim - 1) / (inDim + outDim));
}
