import { type CommandTable, CliUsageError, printJson } from './cli-context.js';
import { presentKey } from './present-json.js';

export const keysCommands: CommandTable = {
  'keys:list': {
    summary: 'List signing keys (newest first; "current" signs, the rest verify)',
    options: { json: { type: 'boolean', description: 'JSON output' } },
    async run(ctx, { values }) {
      const keys = await ctx.services.keyStore.list();
      if (values.json) printJson(ctx.io, keys.map(presentKey));
      else
        for (const k of keys)
          ctx.io.out(
            `${k.kid}  ${k.alg}  ${k.createdAt.toISOString()}  ` +
              `${k.current ? 'current' : k.retiredAt ? 'retired' : 'verify-only'}`,
          );
      return 0;
    },
  },
  'keys:rotate': {
    summary: 'Add a new signing key; old keys stay published for verification. Restart every instance afterwards.',
    options: {
      alg: { type: 'string', description: 'RS256 (default) or ES256' },
      json: { type: 'boolean', description: 'JSON output' },
    },
    async run(ctx, { values }) {
      const alg = (values.alg as string | undefined) ?? 'RS256';
      if (alg !== 'RS256' && alg !== 'ES256') throw new CliUsageError('--alg must be RS256 or ES256');
      const kid = await ctx.services.keyStore.rotate(alg);
      if (values.json) printJson(ctx.io, { kid, alg });
      else ctx.io.out(`added signing key ${kid} (${alg}); restart every instance to start signing with it`);
      return 0;
    },
  },
};
