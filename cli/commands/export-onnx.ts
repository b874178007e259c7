/** sagraph export-onnx: a saved program with its values becomes an ONNX model. */
import { writeFileSync } from 'fs';
import type { onnx } from 'onnx-proto';
import { ArgumentError } from '../../src';
import { encodeOnnx, exportOnnx } from '../../src/io/onnx';
import { openModel } from '../model';

export interface ExportOnnxCommandOptions {
  out: string;
  feed?: string[];
  fetch?: string[];
  training?: boolean;
}

export async function exportOnnxCommand(model: string, o: ExportOnnxCommandOptions): Promise<string[]> {
  const { program, scope } = await openModel(model, { needValues: true });
  const feeds = o.feed?.length ? o.feed : program.feedTargetNames;
  const fetches = o.fetch?.length ? o.fetch : program.fetchTargetNames;
  if (fetches.length === 0) throw new ArgumentError('name what to export with --fetch (the program names no fetch targets)');
  // an inference export runs dropout and batch_norm in test mode, as Paddle Inference's is_test pass does
  const m = exportOnnx(o.training ? program : program.clone({ forTest: true }), { feeds, fetches, scope, training: o.training });
  const bytes = encodeOnnx(m);
  writeFileSync(o.out, bytes);
  const g = m.graph!;
  const shape = (v: onnx.IValueInfoProto): string =>
    `[${v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || String(d.dimValue)).join(',')}]`;
  return [
    `wrote ${o.out} (${bytes.length} bytes): ONNX IR ${m.irVersion}, opset ${m.opsetImport[0].version}, ${g.node!.length} nodes, ${g.initializer!.length} initializers`,
    `inputs: ${g.input!.map((v) => v.name + shape(v)).join(', ')}`,
    `outputs: ${g.output!.map((v) => v.name + shape(v)).join(', ')}`,
  ];
}
