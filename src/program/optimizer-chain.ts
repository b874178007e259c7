/**
 * What an optimizer records about the ops it appended, so that passes (fuse_optimizer) can rewrite
 * the chain as data rather than by guessing at patterns.
 */
export type ClipSpec =
  | { kind: 'none' }
  | { kind: 'value'; min: number; max: number }
  | { kind: 'norm'; clipNorm: number }
  | { kind: 'global'; clipNorm: number }
  | { kind: 'mixed' };

export interface ChainParam {
  param: string;
  /** The gradient as the backward pass produced it (before clipping and regularisation). */
  grad: string;
  d: string;
  y: string;
  m: string;
  master?: string;
  lrMult: number;
  /** The seed-formula decay λ (0 for none). */
  lambda: number;
  reg: { kind: 'L1' | 'L2'; coeff: number } | null;
  /** Whether the clip applies to this parameter (needClip). */
  clipped: boolean;
}

export interface OptimizerChain {
  /** The chain's ops are block 0's ops [start, start + opTypes.length). */
  start: number;
  opTypes: string[];
  optimizer: 'asgd';
  batchNum: number;
  learningRate: string;
  multiPrecision: boolean;
  clip: ClipSpec;
  params: ChainParam[];
}
