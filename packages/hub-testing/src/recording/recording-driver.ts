import type { CompiledStatement, Driver, Row } from '@org/hub-core';

export type Responder = (statement: CompiledStatement) => Row[] | Promise<Row[]>;

/** Collects every statement instead of running it; answers with what the test's responder returns. */
export class RecordingDriver implements Driver {
  readonly statements: CompiledStatement[] = [];
  private readonly respond: Responder;

  constructor(respond: Responder = () => []) {
    this.respond = respond;
  }

  async execute(statement: CompiledStatement): Promise<Row[]> {
    this.statements.push(statement);
    return this.respond(statement);
  }

  isRetryable(): boolean {
    return false;
  }

  async close(): Promise<void> {}
}
