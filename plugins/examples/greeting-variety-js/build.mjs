// Builds plugin.js into greeting_variety.wasm, a component of the `validator` world.
// The JS engine is built without the WASI features a validator has no use for, so the
// component imports as little as possible.
import { componentize } from '@bytecodealliance/componentize-js';
import { writeFile } from 'node:fs/promises';

const { component } = await componentize({
  sourcePath: 'plugin.js',
  witPath: '../../wit/0.1.0',
  worldName: 'validator',
  disableFeatures: ['random', 'clocks', 'http', 'stdio', 'fetch-event'],
});
await writeFile('greeting_variety.wasm', component);
console.log(`greeting_variety.wasm: ${component.length} bytes`);
