/**
 * One eager ASGD update of one parameter, through the same kernels as the static program: the
 * fused kernel for float32/float64 state, Paddle's asgd op (with gather/scatter of the slot) for
 * 16-bit parameters and master weights.
 */
import { Tensor } from '../executor/tensor';
import { executeOp } from '../eager/execute';
import type { EagerParameter } from '../eager/parameter';
import { isHalf } from '../program/dtype';

export interface EagerState {
  d: Tensor;
  y: Tensor;
  m: Tensor;
  master?: Tensor;
}

const noRecord = { record: false };

export function eagerUpdate(st: EagerState, p: EagerParameter, grad: Tensor, lr32: Tensor, lambda: number, lrMult: number, batchNum: number): void {
  if (!st.master && !isHalf(p.dtype)) {
    executeOp(
      'fused_asgd',
      { Param: [p], Grad: [grad], LearningRate: lr32, D: [st.d], Y: [st.y], M: [st.m] },
      { batch_num: batchNum, lr_mults: [lrMult], lambdas: [lambda], reg_kinds: [0], reg_coeffs: [0], clip_kind: 'none', clipped: [false] },
      { ParamOut: [p], DOut: [st.d], YOut: [st.y], MOut: [st.m] },
      noRecord,
    );
    return;
  }
  const dtype = st.master ? 'float32' : p.dtype;
  let lr = lr32.dtype === dtype ? lr32 : executeOp('cast', { X: lr32 }, { in_dtype: lr32.dtype, out_dtype: dtype }, { Out: 1 }, noRecord).Out[0];
  if (lrMult !== 1) lr = executeOp('scale', { X: lr }, { scale: lrMult }, { Out: 1 }, noRecord).Out[0];
  const N = Tensor.from([BigInt(batchNum)]);
  const i = executeOp('elementwise_mod', { X: st.m, Y: N }, {}, { Out: 1 }, noRecord).Out[0];
  const row = executeOp('gather', { X: st.y, Index: i }, {}, { Out: 1 }, noRecord).Out[0];
  const yi = row.reshape(p.shape);
  executeOp('elementwise_add', { X: st.m, Y: Tensor.from([1n]) }, {}, { Out: [st.m] }, noRecord);
  const count = executeOp('elementwise_min', { X: st.m, Y: N }, {}, { Out: 1 }, noRecord).Out[0];
  const n = executeOp('cast', { X: count }, { in_dtype: 'int64', out_dtype: dtype }, { Out: 1 }, noRecord).Out[0];
  const x = st.master ?? p;
  if (lambda !== 0) {
    const lrLambda = executeOp('scale', { X: lr }, { scale: lambda }, { Out: 1 }, noRecord).Out[0];
    const decay = executeOp('elementwise_mul', { X: x, Y: lrLambda }, {}, { Out: 1 }, noRecord).Out[0];
    executeOp('elementwise_sub', { X: x, Y: decay }, {}, { Out: [x] }, noRecord);
  }
  const inputs: Record<string, Tensor> = { param: p, grad, learning_rate: lr, d: st.d, y: yi, n };
  const outputs: Record<string, Tensor[]> = { param_out: [p], d_out: [st.d], y_out: [yi] };
  if (st.master) {
    inputs.master_param = st.master;
    outputs.master_param_out = [st.master];
  }
  executeOp('asgd', inputs, { multi_precision: !!st.master }, outputs, noRecord);
  executeOp('scatter', { X: st.y, Ids: i, Updates: yi.reshape([1, ...p.shape]) }, { overwrite: true }, { Out: [st.y] }, noRecord);
}
