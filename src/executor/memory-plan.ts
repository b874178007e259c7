/**
 * Lays temporaries out in one arena by liveness: buffers whose lifetimes [first, last] (op indices)
 * overlap never share bytes; the others may. Greedy by size (largest first, lowest offset that
 * fits), the arena planner of TFLite and ONNX Runtime.
 */
export interface BufferRequest {
  readonly name: string;
  readonly bytes: number;
  /** Index of the op that writes it. */
  readonly first: number;
  /** Index of the last op that reads it (first, if none does). */
  readonly last: number;
}

export interface MemoryPlan {
  readonly offsets: ReadonlyMap<string, number>;
  /** The arena's size: the planned peak of the temporaries. */
  readonly arenaBytes: number;
  /** What the temporaries would take without sharing. */
  readonly unsharedBytes: number;
}

export const ARENA_ALIGN = 64;

/**
 * Buffers of 1 MiB and more get a gap after them: large buffers an exact power of two apart
 * alias in the caches and ran ~4x slower on the machines measured (TOOLCHAIN.md).
 */
export const LARGE_BUFFER = 1 << 20;
export const STAGGER = 4096 + ARENA_ALIGN;

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export function planMemory(requests: readonly BufferRequest[]): MemoryPlan {
  const order = [...requests].sort((a, b) => b.bytes - a.bytes || a.first - b.first || (a.name < b.name ? -1 : 1));
  const placed: { offset: number; size: number; first: number; last: number }[] = [];
  const offsets = new Map<string, number>();
  let arena = 0;
  let unshared = 0;
  for (const r of order) {
    const aligned = alignUp(Math.max(r.bytes, 1), ARENA_ALIGN);
    unshared += aligned;
    const size = aligned >= LARGE_BUFFER ? aligned + STAGGER : aligned;
    const live = placed.filter((p) => p.first <= r.last && r.first <= p.last).sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const p of live) {
      if (offset + size <= p.offset) break;
      offset = Math.max(offset, p.offset + p.size);
    }
    placed.push({ offset, size, first: r.first, last: r.last });
    offsets.set(r.name, offset);
    arena = Math.max(arena, offset + aligned);
  }
  return { offsets, arenaBytes: arena, unsharedBytes: unshared };
}
