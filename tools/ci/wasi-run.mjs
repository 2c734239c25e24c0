// Runs a wasm32-wasip1 program (a test binary) under Node's WASI, the whole
// file system preopened: cargo's runner for that target (tools/ci/cross.sh).
// Usage: node wasi-run.mjs PROGRAM.wasm [ARGS...]
import { readFile } from 'node:fs/promises';
import { argv, env, exit } from 'node:process';
import { WASI } from 'node:wasi';

const wasi = new WASI({
  version: 'preview1',
  args: argv.slice(2),
  env,
  preopens: { '/': '/' },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(argv[2]));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
exit(wasi.start(instance));
