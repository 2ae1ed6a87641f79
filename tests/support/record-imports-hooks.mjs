// Module resolve hook for record-imports.mjs: logs bare specifiers (packages), not relative files or builtins.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  if (process.env.DLH_IMPORT_LOG && /^[@a-z]/i.test(specifier) && !specifier.startsWith('node:') && !specifier.startsWith('file:')) {
    appendFileSync(process.env.DLH_IMPORT_LOG, `${specifier}\n`);
  }
  return next(specifier, context);
}
