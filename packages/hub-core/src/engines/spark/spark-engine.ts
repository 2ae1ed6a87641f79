import type { Logger } from 'pino';
import { HubError } from '../../errors.js';
import type { Engine } from '../engine.js';

export interface SparkEngineOptions {
  readonly host: string;
  readonly port: number;
  readonly logger?: Logger | undefined;
}

// Placeholder until the Thrift driver lands (issue 5).
export async function createSparkEngine(options: SparkEngineOptions): Promise<Engine> {
  throw new HubError('ENGINE_UNAVAILABLE', `the spark engine is not available yet (${options.host}:${options.port})`);
}
