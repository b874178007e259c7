#!/usr/bin/env node
/** The sagraph command line: thin — parse, call the library, print. */
import { Command, CommanderError } from 'commander';
import { findOpDef, listOpTypes } from '../src';

function version(): string {
  // package.json sits two folders above the compiled file (dist/cli/main.js) and one above the source
  for (const p of ['../../package.json', '../package.json']) {
    try {
      return (require(p) as { version: string }).version;
    } catch {
      // try the next location
    }
  }
  return 'unknown';
}

export function buildCli(): Command {
  const program = new Command();
  program.name('sagraph').description('A static-graph compiler and executor for training programs (PaddlePaddle-compatible)').version(version());
  program
    .command('ops')
    .description("list the op types sagraph implements, with Paddle's slots and attributes")
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      const rows = listOpTypes().map((t) => {
        const d = findOpDef(t);
        return {
          type: t,
          inputs: d.inputs.map((s) => s.name + (s.multi ? '[]' : '') + (s.optional ? '?' : '')),
          outputs: d.outputs.map((s) => s.name + (s.multi ? '[]' : '') + (s.optional ? '?' : '')),
          attrs: d.defaults as Record<string, unknown>,
        };
      });
      if (o.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      for (const r of rows) {
        const attrs = Object.entries(r.attrs).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
        console.log(`${r.type}(${r.inputs.join(', ')}) -> ${r.outputs.join(', ')}${attrs ? '  ' + attrs : ''}`);
      }
    });
  return program;
}

export function main(argv: string[]): number {
  const cli = buildCli();
  cli.exitOverride();
  cli.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const verbose = argv.includes('--verbose');
  try {
    cli.parse(argv.filter((a) => a !== '--verbose'), { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
    process.stderr.write(`sagraph: ${e instanceof Error ? e.message : String(e)}\n`);
    if (verbose && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
