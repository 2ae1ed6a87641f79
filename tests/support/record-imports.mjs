// `node --import ./record-imports.mjs`: every package the process imports is appended, one per
// line, to the file named by DLH_IMPORT_LOG (what a command loads at start-up, checked by a test).
import { register } from 'node:module';

register('./record-imports-hooks.mjs', import.meta.url);
