import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CONFIG_HEADER = 'lob,category,subcategory,file_pattern,source_path,file_format,delimiter,has_header,dest_catalog,dest_schema,dest_table,is_active';

/** A scratch folder for one test: source files under `raw/`, the config CSV at `config.csv`. */
export class Scratch {
  readonly dir: string;
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'dlh-src-'));
  }
  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }
  write(relative: string, content: string | Buffer): string {
    const file = join(this.dir, relative);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, content);
    return file;
  }
  config(rows: string[]): string {
    return this.write('config.csv', `${CONFIG_HEADER}\n${rows.join('\n')}\n`);
  }
  /** Sets a source file's modification time (where the engine reads a volume, a new upload is all it can do). */
  touch(relative: string, when: Date): void {
    utimesSync(join(this.dir, relative), when, when);
  }
  /** Writes a parquet source file from a SELECT. */
  async parquet(relative: string, select: string): Promise<void> {
    const { writeParquet } = await import('./parquet.js');
    await writeParquet(join(this.dir, relative), select);
  }
}

export function csvFile(header: string[], rows: (string | number)[][]): string {
  return `${header.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`;
}
