// Child process: `admins:create --username bench-admin-<i> --password-stdin --json` for i < BENCH_ADMIN_COUNT,
// through the real CLI command table and context, but in one process with one database context
// (a process per admin would cost a second each). Prints one JSON line per admin: username, TOTP secret.
import { commandTable } from '../../src/cli/command-table.js';
import type { CliIo } from '../../src/cli/cli-context.js';
import { openCliContext } from '../../src/cli/open-cli-context.js';
import { runCli } from '../../src/cli/run-cli.js';

const count = Number(process.env.BENCH_ADMIN_COUNT ?? '1');
const password = process.env.BENCH_ADMIN_PASSWORD ?? '';
const env = { ...process.env };
let captured = '';
const io: CliIo = {
  out: (line) => (captured += line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  readStdin: async () => password,
  env,
};
const opened = await openCliContext(env, io, 'admins:create');
try {
  for (let i = 0; i < count; i++) {
    captured = '';
    const username = `bench-admin-${i}`;
    const code = await runCli(
      ['admins:create', '--username', username, '--password-stdin', '--json'],
      commandTable,
      io,
      async () => ({
        ctx: opened.ctx,
        close: async () => undefined,
      }),
    );
    if (code !== 0) throw new Error(`admins:create exited ${code}`);
    const created = JSON.parse(captured) as { username: string; totp_secret: string };
    process.stdout.write(JSON.stringify({ username: created.username, totpSecret: created.totp_secret }) + '\n');
  }
} finally {
  await opened.close();
}
