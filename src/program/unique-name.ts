/**
 * Paddle's unique-name generator: `fc` → `fc_0`, `fc_1`, … shared by every program in the process,
 * so that variables of programs sharing one scope never collide. `guard` gives a fresh namespace.
 */
let counters = new Map<string, number>();

export function generate(key: string): string {
  const n = counters.get(key) ?? 0;
  counters.set(key, n + 1);
  return `${key}_${n}`;
}

/** Runs `fn` with fresh counters and restores the previous ones afterwards. */
export function guard<T>(fn: () => T): T {
  const saved = counters;
  counters = new Map();
  try {
    return fn();
  } finally {
    counters = saved;
  }
}

/** Resets the generator (useful between independent tests). */
export function reset(): void {
  counters = new Map();
}
