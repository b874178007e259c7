/**
 * Jest's node environment with Node's own typed-array constructors: ONNX Runtime's native binding
 * checks tensor data with instanceof against them, which fails across Jest's separate realm.
 */
const { TestEnvironment } = require('jest-environment-node');

class OnnxEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const k of ['ArrayBuffer', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array']) {
      this.global[k] = globalThis[k];
    }
  }
}

module.exports = OnnxEnvironment;
