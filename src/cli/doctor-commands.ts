import { exitCodeOf } from '../diagnostics/check-result.js';
import { reportJson, reportLines } from '../diagnostics/present-report.js';
import { runDoctor } from '../diagnostics/run-doctor.js';
import { createWeb } from '../runtime/web.js';
import { CliNotFoundError, printJson, type CommandTable } from './cli-context.js';

export const doctorCommands: CommandTable = {
  doctor: {
    summary:
      'Finds why a store link or an app does not work, and says how ' +
      'to fix it (exit 0 all pass, 1 a failure, 2 only warnings)',
    usage: '[--client <id>] [--json]',
    options: {
      client: { type: 'string', description: "one client's link and OAuth checks (default: every enabled client)" },
      json: { type: 'boolean', description: 'JSON output: {"checks":[{"id","status","message","fix","details"}]}' },
    },
    async run(ctx, { values }) {
      const clientId = typeof values.client === 'string' ? values.client.trim() : undefined;
      if (clientId && !(await ctx.services.clients.get(clientId))) throw new CliNotFoundError(`no client ${clientId}`);
      // The OAuth endpoints as the server runs them, built only when the token check needs them.
      let web: Promise<Awaited<ReturnType<typeof createWeb>>> | null = null;
      const oauthApp = async () => {
        web ??= createWeb(ctx.services, { isShuttingDown: () => false });
        return (await web).app.callback();
      };
      const report = await runDoctor({ services: ctx.services, oauthApp }, { clientId });
      if (values.json) printJson(ctx.io, reportJson(report));
      else for (const line of reportLines(report)) ctx.io.out(line);
      return exitCodeOf(report.checks);
    },
  },
};
