#!/usr/bin/env node
/** The sagraph command line: thin — parse, call the library, print. */
import { Command, CommanderError } from 'commander';
import { findOpDef, listOpTypes } from '../src';
import { compileCommand } from './commands/compile';
import { demoCommand } from './commands/demo';
import { exportOnnxCommand } from './commands/export-onnx';
import { inspectCommand } from './commands/inspect';
import { runCommand } from './commands/run';
import { trainCommand } from './commands/train';

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

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function buildCli(): Command {
  const program = new Command();
  program
    .name('sagraph')
    .description('A static-graph compiler and executor for training programs (PaddlePaddle-compatible)')
    .version(version())
    .option('--verbose', 'print stack traces of errors');
  program
    .command('inspect <model>')
    .description('ops, variables, parameters with shapes, feed/fetch targets and op-role counts of a saved program (.pdmodel, __model__ or a model folder)')
    .option('--json', 'print JSON')
    .option('--dot <file>', 'write a Graphviz graph of the program')
    .action((model: string, o: { json?: boolean; dot?: string }) => inspectCommand(model, o));
  program
    .command('compile <model>')
    .description('add a loss, the backward pass and ASGD to a saved forward program, run the passes, and save the training program with its values')
    .requiredOption('-o, --out <prefix>', 'where to write <prefix>.pdmodel, .pdparams, .pdopt')
    .option('--loss <kind>', 'mse or ce', 'mse')
    .option('--label <spec>', 'the label variable, name:shape:dtype (default label:<prediction shape>:<dtype> for mse, label:-1,1:int64 for ce)')
    .option('--lr <rate>', 'learning rate', '0.01')
    .option('--batch-num <n>', "ASGD's number of stored gradients", '1')
    .option('--weight-decay <lambda>', 'weight decay λ (the seed formula)')
    .option('--clip-global-norm <norm>', 'clip gradients by global norm')
    .option('--clip-norm <norm>', 'clip each gradient by its norm')
    .option('--clip-value <max>', 'clip gradients to [-max, max]')
    .option('--multi-precision', 'float32 master weights for float16 parameters')
    .option('--no-fuse', 'keep the optimizer unfused (no fuse_optimizer pass)')
    .action(async (model: string, o) => {
      for (const l of await compileCommand(model, o)) console.log(l);
    });
  program
    .command('run <model>')
    .description('run a saved program on .npy inputs and print (or --out) the fetched values')
    .option('--feed <name=file.npy>', 'an input (repeatable)', collect)
    .option('--fetch <name>', 'a variable to fetch (repeatable; default: the fetch targets)', collect)
    .option('--out <dir>', 'write each fetched value to <dir>/<name>.npy')
    .option('--place <place>', 'cpu (webgpu is not available yet)', 'cpu')
    .action(async (model: string, o: { feed?: string[]; fetch?: string[]; out?: string; place: string }) => {
      if (o.place !== 'cpu') throw new Error(`--place ${o.place} is not available; use cpu`);
      for (const l of await runCommand(model, o)) console.log(l);
    });
  program
    .command('train <model>')
    .description('train a program made by compile on CSV data, saving a checkpoint every epoch and a loss curve')
    .requiredOption('--data <dir|csv>', 'a CSV file (or a folder of them): the feeds\' columns in order, the label last')
    .option('--epochs <n>', 'epochs', '1')
    .option('--batch-size <n>', 'samples per step', '32')
    .option('--out <prefix>', 'where to write checkpoints (default: the model prefix)')
    .action(async (model: string, o: { data: string; epochs: string; batchSize: string; out?: string }) => {
      const r = await trainCommand(model, o);
      for (const l of r.lines) console.log(l);
    });
  program
    .command('export-onnx <model>')
    .description('write the forward ops between the feeds and the fetches as an ONNX model (IR 8, opset 17), parameters as initializers')
    .requiredOption('-o, --out <file>', 'the .onnx file to write')
    .option('--feed <name>', 'a graph input (repeatable; default: the feed targets)', collect)
    .option('--fetch <name>', 'a graph output (repeatable; default: the fetch targets)', collect)
    .option('--training', 'the whole training step as one graph: the state as inputs, its next values as <name>.next outputs')
    .action(async (model: string, o: { out: string; feed?: string[]; fetch?: string[]; training?: boolean }) => {
      for (const l of await exportOnnxCommand(model, o)) console.log(l);
    });
  program
    .command('demo')
    .description('the main job: train an MLP on the MNIST digits of the mnist package with ASGD, print test accuracy, write a loss curve and a checkpoint')
    .option('--epochs <n>', 'epochs', '5')
    .option('--batch-size <n>', 'samples per step', '64')
    .option('--lr <rate>', 'learning rate of the first epoch', '0.3')
    .option('--lr-decay <factor>', 'the rate is multiplied by this after every epoch', '0.4')
    .option('--hidden <n>', 'hidden units', '256')
    .option('--out <dir>', 'where to write the checkpoint and the loss curve', 'sagraph-demo')
    .option('--place <place>', 'cpu (webgpu is not available yet)', 'cpu')
    .action(async (o) => {
      await demoCommand(o);
    });
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

/** Runs the CLI; errors print one line (stack with --verbose) and give exit code 1. */
export async function main(argv: string[]): Promise<number> {
  const cli = buildCli();
  cli.exitOverride();
  cli.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const verbose = argv.includes('--verbose');
  try {
    await cli.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
    process.stderr.write(`sagraph: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
    if (verbose && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
