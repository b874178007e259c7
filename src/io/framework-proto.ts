/**
 * PaddlePaddle's ProgramDesc schema (proto2, package paddle.framework.proto), written here from
 * the field numbers of Paddle's framework.proto, and the protobufjs codecs built from it. Unknown
 * fields — the legacy top-level fields 2 and 3 of old files among them — are skipped on decode.
 */
import * as protobuf from 'protobufjs';
import { FileFormatError } from '../program/errors';

const SCHEMA = `
syntax = "proto2";
package paddle.framework.proto;

message Version { optional int64 version = 1 [default = 0]; }

enum AttrType {
  INT = 0; FLOAT = 1; STRING = 2; INTS = 3; FLOATS = 4; STRINGS = 5; BOOLEAN = 6; BOOLEANS = 7;
  BLOCK = 8; LONG = 9; BLOCKS = 10; LONGS = 11; FLOAT64S = 12; VAR = 13; VARS = 14; FLOAT64 = 15;
}

message OpDesc {
  message Attr {
    required string name = 1;
    required AttrType type = 2;
    optional int32 i = 3;
    optional float f = 4;
    optional string s = 5;
    repeated int32 ints = 6;
    repeated float floats = 7;
    repeated string strings = 8;
    optional bool b = 10;
    repeated bool bools = 11;
    optional int32 block_idx = 12;
    optional int64 l = 13;
    repeated int32 blocks_idx = 14;
    repeated int64 longs = 15;
    repeated double float64s = 16;
    optional string var_name = 17;
    repeated string vars_name = 18;
    optional double float64 = 19;
  }
  message Var {
    required string parameter = 1;
    repeated string arguments = 2;
  }
  required string type = 3;
  repeated Var inputs = 1;
  repeated Var outputs = 2;
  repeated Attr attrs = 4;
  optional bool is_target = 5 [default = false];
}

message VarType {
  enum Type {
    BOOL = 0; INT16 = 1; INT32 = 2; INT64 = 3; FP16 = 4; FP32 = 5; FP64 = 6; SIZE_T = 19;
    UINT8 = 20; INT8 = 21; BF16 = 22; COMPLEX64 = 23; COMPLEX128 = 24;
    LOD_TENSOR = 7; SELECTED_ROWS = 8; FEED_MINIBATCH = 9; FETCH_LIST = 10; STEP_SCOPES = 11;
    LOD_RANK_TABLE = 12; LOD_TENSOR_ARRAY = 13; PLACE_LIST = 14; READER = 15; RAW = 17; TUPLE = 18;
    STRING = 25; STRINGS = 26; VOCAB = 27; FEED_LIST = 28; PSTRING = 29; SPARSE_COO = 30;
  }
  required Type type = 1;
  message TensorDesc {
    required Type data_type = 1;
    repeated int64 dims = 2;
  }
  optional TensorDesc selected_rows = 2;
  message LoDTensorDesc {
    required TensorDesc tensor = 1;
    optional int32 lod_level = 2 [default = 0];
  }
  optional LoDTensorDesc lod_tensor = 3;
  message LoDTensorArrayDesc {
    required TensorDesc tensor = 1;
    optional int32 lod_level = 2 [default = 0];
  }
  optional LoDTensorArrayDesc tensor_array = 4;
  message ReaderDesc { repeated LoDTensorDesc lod_tensor = 1; }
  optional ReaderDesc reader = 5;
  message Tuple { repeated Type element_type = 1; }
  optional Tuple tuple = 7;
  optional TensorDesc string = 8;
  optional TensorDesc strings = 9;
  optional TensorDesc vocab = 10;
  optional TensorDesc sparse_coo = 11;
}

message VarDesc {
  message Attr {
    required string name = 1;
    required AttrType type = 2;
    optional int32 i = 3;
    optional string s = 4;
    repeated int32 ints = 5;
  }
  required string name = 1;
  required VarType type = 2;
  optional bool persistable = 3 [default = false];
  optional bool need_check_feed = 4 [default = false];
  optional bool is_parameter = 5 [default = false];
  optional bool stop_gradient = 6 [default = false];
  repeated Attr attrs = 7;
}

message BlockDesc {
  required int32 idx = 1;
  required int32 parent_idx = 2;
  repeated VarDesc vars = 3;
  repeated OpDesc ops = 4;
  optional int32 forward_block_idx = 5 [default = -1];
}

message OpVersion { required int32 version = 1; }
message OpVersionMap {
  message OpVersionPair {
    required string op_name = 1;
    required OpVersion op_version = 2;
  }
  repeated OpVersionPair pair = 1;
}

message ProgramDesc {
  repeated BlockDesc blocks = 1;
  optional Version version = 4;
  optional OpVersionMap op_version_map = 5;
}
`;

const root = protobuf.parse(SCHEMA, { keepCase: true }).root;
export const ProgramDescType = root.lookupType('paddle.framework.proto.ProgramDesc');
export const TensorDescType = root.lookupType('paddle.framework.proto.VarType.TensorDesc');
export const VarTypeEnum = root.lookupEnum('paddle.framework.proto.VarType.Type').values as Record<string, number>;
export const AttrTypeEnum = root.lookupEnum('paddle.framework.proto.AttrType').values as Record<string, number>;

/** Plain objects of the decoded messages (int64 fields as numbers, enums as numbers). */
export interface AttrDesc {
  name: string;
  type: number;
  i?: number;
  f?: number;
  s?: string;
  ints?: number[];
  floats?: number[];
  strings?: string[];
  b?: boolean;
  bools?: boolean[];
  block_idx?: number;
  l?: number;
  blocks_idx?: number[];
  longs?: number[];
  float64s?: number[];
  var_name?: string;
  vars_name?: string[];
  float64?: number;
}
export interface OpDescJson {
  type: string;
  inputs?: { parameter: string; arguments?: string[] }[];
  outputs?: { parameter: string; arguments?: string[] }[];
  attrs?: AttrDesc[];
  is_target?: boolean;
}
export interface TensorDescJson {
  data_type: number;
  dims?: number[];
}
export interface VarDescJson {
  name: string;
  type: { type: number; lod_tensor?: { tensor: TensorDescJson; lod_level?: number }; selected_rows?: TensorDescJson; tensor_array?: { tensor: TensorDescJson } };
  persistable?: boolean;
  need_check_feed?: boolean;
  is_parameter?: boolean;
  stop_gradient?: boolean;
}
export interface BlockDescJson {
  idx: number;
  parent_idx: number;
  vars?: VarDescJson[];
  ops?: OpDescJson[];
  forward_block_idx?: number;
}
export interface ProgramDescJson {
  blocks?: BlockDescJson[];
  version?: { version?: number };
  op_version_map?: { pair?: { op_name: string; op_version: { version: number } }[] };
}

const toObject = { longs: Number, enums: Number, defaults: false, arrays: false } as const;

function decode<T>(type: protobuf.Type, bytes: Uint8Array, what: string): T {
  try {
    const msg = type.decode(bytes);
    return type.toObject(msg, toObject) as T;
  } catch (e) {
    throw new FileFormatError(`${what}: not a valid ${type.name} (${(e as Error).message})`);
  }
}

/** Decodes a serialized ProgramDesc (a .pdmodel or __model__ file). */
export function decodeProgramDesc(bytes: Uint8Array, what = 'program'): ProgramDescJson {
  const d = decode<ProgramDescJson>(ProgramDescType, bytes, what);
  if (!d.blocks || d.blocks.length === 0) throw new FileFormatError(`${what}: the ProgramDesc has no blocks`);
  return d;
}

export function encodeProgramDesc(desc: ProgramDescJson): Uint8Array {
  return ProgramDescType.encode(ProgramDescType.fromObject(desc)).finish();
}

export function decodeTensorDesc(bytes: Uint8Array, what: string): TensorDescJson {
  return decode<TensorDescJson>(TensorDescType, bytes, what);
}

export function encodeTensorDesc(desc: TensorDescJson): Uint8Array {
  return TensorDescType.encode(TensorDescType.fromObject(desc)).finish();
}
