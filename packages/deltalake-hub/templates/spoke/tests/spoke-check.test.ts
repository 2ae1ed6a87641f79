import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { checkSpoke } from '@org/deltalake-hub';

const SPOKE = fileURLToPath(new URL('..', import.meta.url));

it('passes deltalake-hub spoke check', async () => {
  expect(await checkSpoke(SPOKE)).toEqual({ ok: true, problems: [] });
});
