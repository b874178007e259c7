/** Op roles, with Paddle's bit values (framework/op_proto_maker.h). */
export const OpRole = {
  Forward: 0x0000,
  Backward: 0x0001,
  Optimize: 0x0002,
  RPC: 0x0004,
  Dist: 0x0008,
  LRSched: 0x0010,
  Loss: 0x0100,
} as const;

export type OpRoleValue = number;

export function isOptimizeRole(role: number): boolean {
  return (role & OpRole.Optimize) !== 0;
}

export function isBackwardRole(role: number): boolean {
  return (role & OpRole.Backward) !== 0;
}

export function roleName(role: number): string {
  if (role === OpRole.Forward) return 'forward';
  const parts: string[] = [];
  if (role & OpRole.Backward) parts.push('backward');
  if (role & OpRole.Optimize) parts.push('optimize');
  if (role & OpRole.RPC) parts.push('rpc');
  if (role & OpRole.Dist) parts.push('dist');
  if (role & OpRole.LRSched) parts.push('lr_sched');
  if (role & OpRole.Loss) parts.push('loss');
  return parts.join('|');
}
