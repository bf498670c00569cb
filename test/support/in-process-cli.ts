import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/run-cli.js';
import { commandTable } from '../../src/cli/command-table.js';
import type { CliBase, CliIo } from '../../src/cli/cli-context.js';
import type { TestServer } from './test-server.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/**
 * `npm run cli -- <argv>` in this process, through the real argument parsing and command table,
 * with its output captured. `context` is called only when the command opens its context.
 */
export async function runCliInProcess(
  argv: string[],
  context: () => Omit<CliBase, 'io'>,
  opts: { stdin?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  // What a command streams (audit:export) lands after its lines; a small buffer, so back-pressure happens.
  const streamed: string[] = [];
  const stdout = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, done) {
      streamed.push(chunk.toString('utf8'));
      setImmediate(done);
    },
  });
  const io: CliIo = {
    out: (l) => out.push(l),
    stdout,
    err: (l) => err.push(l),
    readStdin: async () => opts.stdin ?? '',
    env: opts.env ?? {},
  };
  const code = await runCli(argv, commandTable, io, async () => ({
    ctx: { ...context(), io },
    close: async () => undefined,
  }));
  return { code, out: out.join('\n') + streamed.join(''), err: err.join('\n') };
}

/** The CLI context of a test server: its configuration, database, keys and clock. */
export const serverCliContext = (s: TestServer): Omit<CliBase, 'io'> => ({
  config: s.config,
  db: s.testDb.db,
  box: s.runtime.box,
  clock: s.clock,
});
