import { formatScopeList } from '../api-catalog/format-scope-list.js';
import type { CommandTable } from './cli-context.js';

export const scopesCommands: CommandTable = {
  'scopes:list': {
    summary: 'List the API scopes: what each grants (Magento ACL resources, methods) and the REST routes it reaches',
    usage: '[--json]',
    options: { json: { type: 'boolean', description: 'JSON output' } },
    async run(ctx, { values }) {
      // Same loading and validation as the server (SCOPES_FILE, ROUTES_FILE).
      const { routeTable, catalog } = ctx.services;
      ctx.io.out(formatScopeList(catalog, routeTable, { json: values.json === true }).replace(/\n$/, ''));
      return 0;
    },
  },
};
