import { ARENA_ALIGN, planMemory } from '../../src/executor/memory-plan';
import { seeded } from '../helpers';

test('buffers alive at the same time never overlap; the others share', () => {
  const rnd = seeded(3);
  for (let trial = 0; trial < 50; trial++) {
    const reqs = Array.from({ length: 30 }, (_, i) => {
      const first = Math.floor(rnd() * 40);
      return { name: `t${i}`, bytes: 1 + Math.floor(rnd() * 5000), first, last: first + Math.floor(rnd() * 8) };
    });
    const plan = planMemory(reqs);
    for (const a of reqs) {
      const oa = plan.offsets.get(a.name)!;
      expect(oa % ARENA_ALIGN).toBe(0);
      expect(oa + a.bytes).toBeLessThanOrEqual(plan.arenaBytes);
      for (const b of reqs) {
        if (a === b || a.last < b.first || b.last < a.first) continue;
        const ob = plan.offsets.get(b.name)!;
        const disjoint = oa + a.bytes <= ob || ob + b.bytes <= oa;
        if (!disjoint) throw new Error(`${a.name} and ${b.name} are alive together and overlap`);
      }
    }
    expect(plan.arenaBytes).toBeLessThanOrEqual(plan.unsharedBytes);
  }
});

test('a chain of same-sized temporaries needs two buffers', () => {
  const reqs = Array.from({ length: 6 }, (_, i) => ({ name: `t${i}`, bytes: 1000, first: i, last: i + 1 }));
  const plan = planMemory(reqs);
  expect(plan.arenaBytes).toBe(2 * 1024);
  expect(plan.unsharedBytes).toBe(6 * 1024);
});

test('large buffers alive together are never an exact power of two apart', () => {
  const mib4 = 4 << 20;
  const plan = planMemory([
    { name: 'a', bytes: mib4, first: 0, last: 2 },
    { name: 'b', bytes: mib4, first: 1, last: 2 },
    { name: 'c', bytes: mib4, first: 2, last: 3 },
  ]);
  const offs = ['a', 'b', 'c'].map((n) => plan.offsets.get(n)!).sort((x, y) => x - y);
  for (let i = 1; i < offs.length; i++) {
    const d = offs[i] - offs[0];
    expect(d & (d - 1)).not.toBe(0);
  }
});
