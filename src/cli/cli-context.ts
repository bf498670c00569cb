import type { Config } from '../config/config.js';
import type { Db } from '../db/create-db.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Clock } from '../clock.js';
import type { Writable } from 'node:stream';
import type { Services } from '../runtime/services.js';

/** The exit codes of every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 3 } as const;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Standard output as a stream, for commands that stream much (audit:export); absent: lines via out(). */
  stdout?: Writable;
  /** Whole standard input (for secrets: never argv). */
  readStdin(): Promise<string>;
  env: Record<string, string | undefined>;
}

/** How a command reaches the database (see open-cli-context.ts); runCli builds the services over it. */
export interface CliBase {
  config: Config;
  db: Db;
  box: SecretBox;
  clock: Clock;
  io: CliIo;
}

export interface CliContext extends CliBase {
  /** The product's services, from the same composition root as the server (src/runtime/services.ts). */
  services: Services;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  description: string;
  /** Checked before the command runs (missing → usage error, exit 2) and shown bare in the usage line. */
  required?: boolean;
}

export interface CommandSpec {
  summary: string;
  usage?: string;
  options?: Record<string, OptionSpec>;
  /** Returns the process exit code. */
  run(ctx: CliContext, args: { values: Record<string, unknown>; positionals: string[] }): Promise<number>;
}

export type CommandTable = Record<string, CommandSpec>;

/** A failure the command reports as `<command>: <message>`; the exit code says what kind (see EXIT). */
export class CliError extends Error {
  readonly exitCode: number = EXIT.failed;
}
/** Bad or missing arguments: exit 2. */
export class CliUsageError extends CliError {
  override readonly exitCode: number = EXIT.usage;
}
/** The named admin, client, grant, session or link does not exist: exit 3. */
export class CliNotFoundError extends CliError {
  override readonly exitCode: number = EXIT.notFound;
}

export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}
