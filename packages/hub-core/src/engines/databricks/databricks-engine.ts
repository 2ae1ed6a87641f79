import type { Logger } from 'pino';
import { HubError } from '../../errors.js';
import type { Engine } from '../engine.js';

export interface DatabricksEngineOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly logger?: Logger | undefined;
}

// Placeholder until the connector driver lands.
export async function createDatabricksEngine(_options: DatabricksEngineOptions): Promise<Engine> {
  throw new HubError('ENGINE_UNAVAILABLE', 'the databricks engine is not available yet');
}
