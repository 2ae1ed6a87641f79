// `node --import ./record-imports.mjs`: every package the process imports or requires is appended,
// one per line, to the file named by DLH_IMPORT_LOG (what a command loads at start-up, checked by a test).
import { appendFileSync } from 'node:fs';
import Module, { builtinModules, register } from 'node:module';

register('./record-imports-hooks.mjs', import.meta.url);

// The hub loads some packages with `createRequire` (a CommonJS package such as the DuckDB driver
// loads faster that way), which the ESM resolve hook does not see: record those too.
const builtins = new Set(builtinModules);
const load = Module._load;
Module._load = function recordRequire(request, parent, isMain) {
  if (process.env.DLH_IMPORT_LOG && /^[@a-z]/i.test(request) && !request.startsWith('node:') && !builtins.has(request.split('/')[0])) {
    appendFileSync(process.env.DLH_IMPORT_LOG, `${request}\n`);
  }
  return load.call(this, request, parent, isMain);
};
