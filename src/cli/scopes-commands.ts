import { loadAclResources } from '../api-catalog/acl-resources.js';
import { loadRoutes } from '../api-catalog/route-table.js';
import { formatScopeList } from '../api-catalog/format-scope-list.js';
import { loadScopeCatalog } from '../api-catalog/scope-catalog.js';
import type { CommandTable } from './cli-context.js';

export const scopesCommands: CommandTable = {
  'scopes:list': {
    summary: 'List the API scopes: what each grants (Magento ACL resources, methods) and the REST routes it reaches',
    usage: '[--json]',
    options: { json: { type: 'boolean', description: 'JSON output' } },
    async run(ctx, { values }) {
      // Same loading and validation as the server (SCOPES_FILE, ROUTES_FILE).
      const routeTable = loadRoutes({ routesFile: ctx.config.routesFile ?? undefined });
      const catalog = loadScopeCatalog({ scopesFile: ctx.config.scopesFile ?? undefined, routeTable, aclResources: loadAclResources() });
      ctx.io.out(formatScopeList(catalog, routeTable, { json: values.json === true }).replace(/\n$/, ''));
      return 0;
    },
  },
};
