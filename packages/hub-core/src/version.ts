/**
 * The `@org/deltalake-hub` version this code ships in: `--version`, run summaries and tracker rows
 * record it. Written by `pnpm version-packages` (scripts/release/sync-version.mjs); a test keeps it
 * equal to packages/deltalake-hub/package.json, so never edit it by hand.
 */
export const HUB_VERSION: string = '0.1.0';
