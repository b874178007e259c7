/**
 * Builds a two-layer network with the static API, initialises it, runs it on a batch, and shows
 * the program, the result and what the executor planned.
 *   npm run example
 */
import { Executor, Program, Scope, Tensor, data, nn, ops, programGuard } from '../src';

async function main(): Promise<void> {
  const mainProgram = new Program();
  const startup = new Program();
  startup.randomSeed = 42;
  const { x, prob, hidden } = programGuard(mainProgram, startup, () => {
    const x = data('x', [-1, 4]);
    const hidden = nn.fc(x, 8, { activation: 'relu' });
    const prob = ops.softmax(nn.fc(hidden, 3));
    return { x, prob, hidden };
  });
  console.log(mainProgram.toString());

  const exe = new Executor('cpu');
  const scope = new Scope();
  await exe.run(startup, { scope });
  const batch = Tensor.from([
    [0.1, 0.2, 0.3, 0.4],
    [1, -1, 0.5, 0],
  ]);
  const [p] = await exe.run(mainProgram, { feed: { [x.name]: batch }, fetchList: [prob], scope });
  console.log('class probabilities:', p.toArray());
  console.log('ops run:', exe.lastRun!.opTypes.join(' → '));
  console.log(`temporaries: ${exe.lastRun!.arenaBytes} bytes planned, ${exe.lastRun!.unsharedBytes} without reuse`);

  // Pruning: fetching the hidden layer runs only its ancestors.
  await exe.run(mainProgram, { feed: { x: batch }, fetchList: [hidden], scope, usePrune: true });
  console.log('pruned run:', exe.lastRun!.opTypes.join(' → '));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
