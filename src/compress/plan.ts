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
