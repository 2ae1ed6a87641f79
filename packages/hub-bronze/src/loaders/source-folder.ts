import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';

/** Why a local source folder cannot be listed, in words a spoke team can act on; null when it can. */
export async function localFolderProblem(folder: string): Promise<string | null> {
  try {
    if (!(await stat(folder)).isDirectory()) return `the source path ${folder} is a file, not a folder`;
    await access(folder, constants.R_OK | constants.X_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `the source folder ${folder} does not exist`;
    return `the source folder ${folder} cannot be read (${code ?? String(error)})`;
  }
}
