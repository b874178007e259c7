/**
 * npm run bench: every benchmark, each a table of medians with ratios measured in the same run,
 * printed and written to bench/results.md (never part of npm test).
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import { optimizerPhase } from './optimizer-phase';
import { trainingStep } from './training-step';

async function main(): Promise<void> {
  const sections: string[] = [];
  for (const [title, run] of [
    ['Optimizer phase, fused vs unfused (CPU)', optimizerPhase],
    ['Training step against TensorFlow.js', trainingStep],
  ] as const) {
    const table = await run();
    console.log(`## ${title}\n\n${table}\n`);
    sections.push(`## ${title}\n\n${table}\n`);
  }
  const header = `# Benchmark results\n\nReproduce: \`npm run bench\` (Node ${process.version}, ${process.platform} ${process.arch}, ${new Date().toISOString().slice(0, 10)}).\n\n`;
  writeFileSync(join(__dirname, '..', '..', 'bench', 'results.md'), header + sections.join('\n'));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
