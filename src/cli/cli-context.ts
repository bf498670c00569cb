import type { Config } from '../config/config.js';
import type { Db } from '../db/create-db.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Clock } from '../clock.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Whole standard input (for secrets: never argv). */
  readStdin(): Promise<string>;
  env: Record<string, string | undefined>;
}

export interface CliContext {
  config: Config;
  db: Db;
  box: SecretBox;
  clock: Clock;
  io: CliIo;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  description: string;
}

export interface CommandSpec {
  summary: string;
  usage?: string;
  options?: Record<string, OptionSpec>;
  /** Returns the process exit code. */
  run(ctx: CliContext, args: { values: Record<string, unknown>; positionals: string[] }): Promise<number>;
}

export type CommandTable = Record<string, CommandSpec>;

export class CliUsageError extends Error {}

export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}
