import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabricksDialect, resolveDatabricksConnection, sql, type DatabricksConnection, type Engine, type Logger } from '@org/hub-core';
import { createDatabricksEngine } from '@org/hub-core/drivers';
import { Scratch } from './fixtures.js';

/**
 * The live suite (`pnpm test:databricks`): the bronze e2e scenarios against a real SQL warehouse.
 * Source files are uploaded to a Unity Catalog volume with the Files API; each test's hub catalog
 * becomes schemas `<catalog>__<schema>` of one real catalog (the volume's, or
 * DELTALAKE_HUB_TEST_CATALOG), dropped when the suite ends.
 */
export const LIVE_HINT =
  'databricks: live suite not run; set DATABRICKS_HOST, DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET), DATABRICKS_WAREHOUSE_ID (or DATABRICKS_HTTP_PATH) and DELTALAKE_HUB_TEST_VOLUME=/Volumes/<catalog>/<schema>/<volume>';

export interface LiveSettings {
  readonly connection: DatabricksConnection;
  /** A folder of this run inside the volume, e.g. /Volumes/main/test/landing/deltalake-hub-e2e-<stamp>-<pid>. */
  readonly root: string;
  readonly catalog: string;
  /** Every schema this process creates starts with it. */
  readonly schemaPrefix: string;
}

let settings: LiveSettings | undefined;

export function liveSettings(env: NodeJS.ProcessEnv = process.env): LiveSettings {
  if (settings) return settings;
  const volume = env['DELTALAKE_HUB_TEST_VOLUME']?.trim().replace(/\/+$/, '');
  const match = volume ? /^\/Volumes\/([A-Za-z_][A-Za-z0-9_]*)\/[^/]+\/[^/]+(\/.*)?$/.exec(volume) : null;
  if (!volume || !match) throw new Error(`DELTALAKE_HUB_TEST_VOLUME must be a Unity Catalog volume path such as /Volumes/main/test/landing (got ${JSON.stringify(volume ?? '')})`);
  const stamp = new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14);
  settings = {
    connection: resolveDatabricksConnection(env),
    root: `${volume}/deltalake-hub-e2e-${stamp}-${process.pid}`,
    catalog: env['DELTALAKE_HUB_TEST_CATALOG']?.trim() || (match[1] as string),
    schemaPrefix: `e2e_databricks_${process.pid}_`,
  };
  return settings;
}

/** Unity Catalog's three-part names, with the hub's catalog folded into the schema name so each test gets its own schemas in one catalog. */
export class TestCatalogDialect extends DatabricksDialect {
  private readonly catalog: string;
  constructor(catalog: string) {
    super();
    this.catalog = catalog;
  }

  protected override namespace(catalog: string, schema: string): readonly [string, string] {
    this.quoteIdentifier(catalog);
    this.quoteIdentifier(schema);
    return [this.catalog, `${catalog}__${schema}`];
  }
}

/** The Files API (`/api/2.0/fs/files`) with a PAT or an OAuth M2M token; the token never reaches a message. */
class FilesApi {
  private readonly connection: DatabricksConnection;
  private token: { value: string; expires: number } | undefined;

  constructor(connection: DatabricksConnection) {
    this.connection = connection;
  }

  private async bearer(): Promise<string> {
    const { auth, host } = this.connection;
    if (auth.kind === 'pat') return auth.token;
    if (this.token && this.token.expires > Date.now() + 60_000) return this.token.value;
    const response = await fetch(`https://${host}/oidc/v1/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${auth.clientId}:${auth.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=all-apis',
    });
    if (!response.ok) throw new Error(`Databricks OAuth token request failed: HTTP ${response.status}`);
    const body = (await response.json()) as { access_token: string; expires_in: number };
    this.token = { value: body.access_token, expires: Date.now() + body.expires_in * 1000 };
    return body.access_token;
  }

  private url(kind: 'files' | 'directories', path: string): string {
    return `https://${this.connection.host}/api/2.0/fs/${kind}${path.split('/').map(encodeURIComponent).join('/')}`;
  }

  async upload(path: string, content: Buffer): Promise<void> {
    const response = await fetch(`${this.url('files', path)}?overwrite=true`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await this.bearer()}`, 'content-type': 'application/octet-stream' },
      body: content,
    });
    if (!response.ok) throw new Error(`upload of ${path} failed: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
  }

  async remove(kind: 'files' | 'directories', path: string): Promise<void> {
    const response = await fetch(this.url(kind, path), { method: 'DELETE', headers: { authorization: `Bearer ${await this.bearer()}` } });
    if (!response.ok && response.status !== 404) throw new Error(`delete of ${path} failed: HTTP ${response.status}`);
  }
}

/** Files written by the tests and not uploaded yet (volume path → local file), and every path uploaded. */
const pending = new Map<string, string>();
const uploaded = new Set<string>();
let api: FilesApi | undefined;
const files = () => (api ??= new FilesApi(liveSettings().connection));

/** Uploads what the tests wrote since the last statement, eight at a time. */
async function flushUploads(): Promise<void> {
  const batch = [...pending];
  pending.clear();
  for (let i = 0; i < batch.length; i += 8) {
    await Promise.all(batch.slice(i, i + 8).map(async ([remote, local]) => {
      await files().upload(remote, readFileSync(local));
      uploaded.add(remote);
    }));
  }
}

let scratchSeq = 0;
/** Whether any engine reached the warehouse: without one there is nothing to clean up. */
let connected = false;

/** A Scratch whose source paths are in the volume: files are written locally, then uploaded before the engine's next statement. */
export class VolumeScratch extends Scratch {
  private readonly remote: string;
  constructor() {
    super();
    this.remote = `${liveSettings().root}/s${++scratchSeq}`;
  }

  override path(...parts: string[]): string {
    return [this.remote, ...parts].join('/');
  }

  override write(relative: string, content: string | Buffer): string {
    const local = super.write(relative, content);
    if (relative !== 'config.csv') pending.set(`${this.remote}/${relative}`, local);
    return local;
  }

  /** A volume file's modification time is its upload's: uploading it again makes it later. */
  override touch(relative: string, _when: Date): void {
    pending.set(`${this.remote}/${relative}`, join(this.dir, relative));
  }

  override async parquet(relative: string, select: string): Promise<void> {
    await super.parquet(relative, select);
    pending.set(`${this.remote}/${relative}`, join(this.dir, relative));
  }
}

/** An engine on the warehouse whose statements first upload the files the tests wrote. */
export async function openLiveEngine(logger?: Logger): Promise<Engine> {
  const live = liveSettings();
  const engine = await createDatabricksEngine({ env: process.env, logger, dialect: new TestCatalogDialect(live.catalog) });
  connected = true;
  const query = engine.query.bind(engine);
  engine.query = (async (statement, options) => {
    await flushUploads();
    return query(statement, options);
  }) as Engine['query'];
  return engine;
}

/** Drops every schema this process created and deletes the uploaded files (and their folders, deepest first). */
export async function cleanupLive(): Promise<void> {
  if (!settings || !connected) return;
  const live = settings;
  const engine = await createDatabricksEngine({ env: process.env });
  try {
    const schemas = await engine.query(sql`SHOW SCHEMAS IN ${sql.id(live.catalog)} LIKE ${sql.literal(`${live.schemaPrefix}*`)}`);
    for (const row of schemas) {
      const name = String(row['databaseName'] ?? row['namespace'] ?? Object.values(row)[0]);
      if (name.startsWith(live.schemaPrefix)) await engine.run(sql`DROP SCHEMA IF EXISTS ${sql.id(live.catalog, name)} CASCADE`);
    }
  } finally {
    await engine.close();
  }
  for (const path of uploaded) await files().remove('files', path);
  const folders = new Set<string>();
  for (const path of uploaded) for (let dir = path.slice(0, path.lastIndexOf('/')); dir.startsWith(live.root); dir = dir.slice(0, dir.lastIndexOf('/'))) folders.add(dir);
  for (const dir of [...folders].sort((a, b) => b.length - a.length)) await files().remove('directories', dir);
}
