/** sagraph: a static-graph compiler and executor for training programs, PaddlePaddle-compatible. */
export { Program, programGuard, defaultMainProgram, defaultStartupProgram, resetDefaultPrograms } from './program/program';
export { Block } from './program/block';
export type { AppendOpOptions, SlotArg } from './program/block';
export { Variable, Parameter, ParamAttr } from './program/variable';
export type { Regularizer, ParamAttrOptions } from './program/variable';
export { Operator } from './program/operator';
export { OpRole, roleName } from './program/op-role';
export type { DType, TypedArray } from './program/dtype';
export { DTYPES } from './program/dtype';
export {
  ProgramError,
  ShapeError,
  DTypeError,
  MissingFeedError,
  UnsupportedOpError,
  FileFormatError,
  ArgumentError,
  RuntimeOpError,
} from './program/errors';
export { verifyProgram, VerifyError } from './program/verifier';
export { printProgram, printOp } from './program/printer';
export { listOpTypes, findOpDef } from './program/ops/registry';
export type { OpType, OpAttrMap, OpDef } from './program/ops/types';
export { data } from './program/api/data';
export { appendBackward, gradients } from './program/autodiff';
export * as ops from './program/api/ops';
export * as nn from './program/api/nn';
export * as initializer from './program/initializer';
export * as uniqueName from './program/unique-name';
export * as lr from './optimizer/lr';
export { ASGD } from './optimizer/asgd';
export type { ASGDOptions, ParamGroup, WeightDecay } from './optimizer/asgd';
export { ClipGradBase, ClipGradByValue, ClipGradByNorm, ClipGradByGlobalNorm } from './optimizer/clip';
export { L1Decay, L2Decay } from './optimizer/regularizer';
export type { LRScheduler } from './optimizer/lr';
export { Tensor } from './executor/tensor';
export { toTensor, EagerParameter } from './eager/parameter';
export { seed } from './eager/execute';
import './eager/autograd';
import './io/pdmodel';
export { readTensor, writeTensor, readCombined, writeCombined } from './io/tensor-file';
export { save, load, saveInferenceModel, loadInferenceModel } from './io/save-load';
export { readPickle, writePickle } from './io/pickle';
export { exportOnnx, encodeOnnx, ONNX_IR_VERSION, ONNX_OPSET } from './io/onnx';
export type { ExportOnnxOptions } from './io/onnx';
export type { NestedNumbers } from './executor/tensor';
export { Scope, globalScope, scopeGuard } from './executor/scope';
export { Executor } from './executor/executor';
export { CompiledProgram } from './executor/compiled-program';
export type { BuildStrategy } from './executor/compiled-program';
export * as passes from './passes';
export type { RunOptions, RunStats, FetchItem, Place } from './executor/executor';
export type { FeedValue } from './executor/feed';
