import type { AuditLog } from '../audit/audit-log.js';
import { linkUrls } from '../magento-link/activation-routes.js';
import { normalizeStoreUrl } from '../magento-link/link-activation.js';
import type { LinkMode, LinkView } from '../magento-link/link-store.js';
import { parseImportCredentials } from '../magento-link/parse-import-credentials.js';
import { verifyLinkCredentials } from '../magento-link/verify-link-credentials.js';
import { currentSigningProfile } from '../magento-link/signing-profile-selector.js';
import {
  type CliContext,
  type CommandTable,
  CliError,
  CliNotFoundError,
  CliUsageError,
  printJson,
} from './cli-context.js';
import { clientOptions, requiredClientId } from './client-option.js';

const clientOption = clientOptions;
const jsonOption = { json: { type: 'boolean', description: 'JSON output' } } as const;

function services(ctx: CliContext) {
  const links = ctx.services.links;
  const audit: AuditLog = ctx.services.audit;
  return { links, audit };
}

/** The --client value, which must name a registered client. */
async function requireClient(ctx: CliContext, values: Record<string, unknown>): Promise<string> {
  const clientId = requiredClientId(values);
  if (!(await ctx.services.clients.get(clientId)))
    throw new CliNotFoundError(`no client with id ${clientId} (see clients:list)`);
  return clientId;
}

/** What `magento:status` shows: state and timestamps, never a secret or the endpoint token. */
export function presentLinkStatus(link: LinkView) {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    client_id: link.clientId,
    status: link.status,
    mode: link.mode,
    store_base_url: link.storeBaseUrl,
    last_error: link.lastError,
    has_access_token: link.hasAccessToken,
    activation_received_at: iso(link.activationReceivedAt),
    // A (re)link whose token exchange is running beside the working credentials.
    pending_activation_received_at: iso(link.pendingActivationAt),
    confirmed_at: iso(link.confirmedAt),
    confirmed_by: link.confirmedBy,
    key_id: link.keyId,
    updated_at: iso(link.updatedAt),
  };
}

const STATUS_HINT: Record<LinkView['status'], string> = {
  pending:
    'waiting for Magento: click Activate on the integration (System › Extensions › Integrations), or the ' +
    'token exchange is running',
  awaiting_confirmation: 'token received; an admin must still confirm it in the Identity Link popup',
  active: 'in use for this app’s API calls',
  failed:
    'not usable: fix the cause below, run magento:link-urls, then click Reauthorize in Magento within ' +
    'the hour (or run magento:import)',
  revoked: 'revoked: link the store again to use it',
};

export const magentoCommands: CommandTable = {
  'magento:list': {
    summary: 'List every Magento link: client, state, mode, store URL, last handshake',
    usage: '[--json]',
    options: jsonOption,
    async run(ctx, { values }) {
      const links = await services(ctx).links.list();
      const names = new Map((await ctx.services.clients.list()).map((c) => [c.clientId, c.name]));
      const rows = links.map((l) => ({
        client_id: l.clientId,
        client_name: names.get(l.clientId) ?? null,
        status: l.status,
        mode: l.mode,
        store_base_url: l.storeBaseUrl,
        // The activation POST starts Magento's handshake; confirmed_at is the admin's approval of it.
        last_handshake_at: l.activationReceivedAt?.toISOString() ?? null,
        confirmed_at: l.confirmedAt?.toISOString() ?? null,
        last_error: l.lastError,
        updated_at: l.updatedAt.toISOString(),
      }));
      if (values.json) printJson(ctx.io, rows);
      else if (!rows.length) ctx.io.out('no Magento links yet: run magento:link-urls --client <id>');
      else
        for (const r of rows) {
          ctx.io.out(
            `${r.client_id}  ${(r.client_name ?? '-').padEnd(24)}  ${r.status.padEnd(21)}  ` +
              `${r.mode.padEnd(6)}  ${r.store_base_url ?? '-'}  handshake ${r.last_handshake_at ?? '-'}`,
          );
        }
      return 0;
    },
  },
  'magento:link-urls': {
    summary:
      'Print the Endpoint URL and Identity Link URL to paste into the Magento integration of a client; ' +
      "opens the Endpoint URL to a new integration's Activate for an hour",
    usage: '--client <id> [--json]',
    options: { ...clientOption, ...jsonOption },
    async run(ctx, { values }) {
      const clientId = await requireClient(ctx, values);
      const { links, audit } = services(ctx);
      const { endpointToken } = await links.ensure(clientId);
      // The admin is about to paste the URL into Magento: only now may another integration activate.
      const armedUntil = await links.arm(clientId);
      await audit.record({
        type: 'magento.activation_armed',
        outcome: 'info',
        actor: 'cli',
        clientId,
        details: { until: armedUntil.toISOString() },
      });
      const urls = linkUrls(ctx.config.issuer, endpointToken);
      if (!ctx.config.magentoBaseUrl)
        ctx.io.err("warning: MAGENTO_BASE_URL is not set; Magento's activation will be refused until it is");
      if (values.json) printJson(ctx.io, { client_id: clientId, ...urls });
      else {
        ctx.io.out(`Endpoint URL:       ${urls.endpoint_url}`);
        ctx.io.out(`Identity Link URL:  ${urls.identity_link_url}`);
        ctx.io.out(
          `Click Activate in Magento before ${armedUntil.toISOString()} (run this again after that; ` +
            `Reauthorize of the linked integration always works).`,
        );
      }
      return 0;
    },
  },

  'magento:import': {
    summary:
      'Link a client to an integration made with "Save & Activate": reads the four credentials from ' +
      'stdin (JSON or key=value) or MAGENTO_* env vars, verifies them with one call',
    usage: '--client <id> [--mode oauth1|bearer] [--json] < credentials',
    options: {
      ...clientOption,
      mode: {
        type: 'string',
        description: 'oauth1 (default: signed calls) or bearer (store allows integration tokens as bearer)',
      },
      ...jsonOption,
    },
    async run(ctx, { values }) {
      const clientId = await requireClient(ctx, values);
      const mode = (values.mode as string | undefined) ?? 'oauth1';
      if (mode !== 'oauth1' && mode !== 'bearer') throw new CliUsageError('--mode must be oauth1 or bearer');
      const magentoBaseUrl = ctx.config.magentoBaseUrl;
      if (!magentoBaseUrl) throw new CliUsageError('MAGENTO_BASE_URL is not set: the credentials cannot be verified');
      const parsed = parseImportCredentials(await ctx.io.readStdin(), ctx.io.env);
      if (!parsed.ok) throw new CliUsageError(parsed.message);
      const { links, audit } = services(ctx);
      const credentials = { mode: mode as LinkMode, ...parsed.credentials };
      const verdict = await verifyLinkCredentials(credentials, { magentoBaseUrl, clock: ctx.clock });
      if (!verdict.ok) {
        await audit.record({
          type: 'magento.link_imported',
          outcome: 'failure',
          actor: 'cli',
          clientId,
          details: { mode, error: verdict.message },
        });
        throw new CliError(`not imported: ${verdict.message}`);
      }
      await links.ensure(clientId);
      await links.importActive(
        clientId,
        { ...credentials, storeBaseUrl: normalizeStoreUrl(magentoBaseUrl) ?? magentoBaseUrl },
        'cli',
      );
      await audit.record({
        type: 'magento.link_imported',
        outcome: 'success',
        actor: 'cli',
        clientId,
        details: { mode, source: parsed.source, warning: verdict.warning },
      });
      if (verdict.warning) ctx.io.err(`warning: ${verdict.warning}`);
      const link = (await links.get(clientId))!;
      if (values.json) printJson(ctx.io, { ...presentLinkStatus(link), verified: true, warning: verdict.warning });
      else ctx.io.out(`client ${clientId} is linked to ${link.storeBaseUrl} (${mode}); status: ${link.status}`);
      return 0;
    },
  },

  'magento:status': {
    summary: "Show the Magento link of a client: status, mode, last error (with Magento's oauth_problem), timestamps",
    usage: '--client <id> [--json]',
    options: { ...clientOption, ...jsonOption },
    async run(ctx, { values }) {
      const clientId = await requireClient(ctx, values);
      const link = await services(ctx).links.get(clientId);
      if (!link) {
        if (values.json) printJson(ctx.io, { client_id: clientId, status: 'none' });
        else ctx.io.out(`client ${clientId} has no Magento link yet: run magento:link-urls --client ${clientId}`);
        return 0;
      }
      const signingProfile = await currentSigningProfile(ctx.db, ctx.config.magentoSigningProfile, clientId);
      const view = {
        ...presentLinkStatus(link),
        signing_profile: signingProfile,
        signing_profile_setting: ctx.config.magentoSigningProfile,
      };
      if (values.json) {
        printJson(ctx.io, view);
        return 0;
      }
      ctx.io.out(`status:      ${view.status} (${STATUS_HINT[link.status]})`);
      ctx.io.out(`mode:        ${view.mode}`);
      ctx.io.out(
        `signing:     ${signingProfile ?? 'not detected yet (probed at the first call)'} ` +
          `(MAGENTO_SIGNING_PROFILE=${ctx.config.magentoSigningProfile})`,
      );
      ctx.io.out(`store:       ${view.store_base_url ?? '-'}`);
      if (view.last_error) ctx.io.out(`last error:  ${view.last_error}`);
      ctx.io.out(`activated:   ${view.activation_received_at ?? '-'}`);
      if (view.pending_activation_received_at)
        ctx.io.out(`re-linking:  token exchange running since ${view.pending_activation_received_at}`);
      ctx.io.out(`confirmed:   ${view.confirmed_at ? `${view.confirmed_at} by ${view.confirmed_by}` : '-'}`);
      ctx.io.out(`updated:     ${view.updated_at}`);
      return 0;
    },
  },

  'magento:set-mode': {
    summary:
      'Switch an active link between oauth1 (signed calls, default) and bearer (store allows integration ' +
      'tokens as bearer); bearer is verified first',
    usage: '--client <id> --mode oauth1|bearer',
    options: { ...clientOption, mode: { type: 'string', description: 'oauth1 or bearer' } },
    async run(ctx, { values }) {
      const clientId = await requireClient(ctx, values);
      const mode = values.mode;
      if (mode !== 'oauth1' && mode !== 'bearer') throw new CliUsageError('--mode must be oauth1 or bearer');
      const { links, audit } = services(ctx);
      const current = await links.activeCredentials(clientId);
      if (!current) throw new CliUsageError(`client ${clientId} has no active Magento link (see magento:status)`);
      if (mode === 'bearer') {
        if (!ctx.config.magentoBaseUrl)
          throw new CliUsageError('MAGENTO_BASE_URL is not set: the bearer mode cannot be verified');
        const verdict = await verifyLinkCredentials(
          { ...current, mode },
          { magentoBaseUrl: ctx.config.magentoBaseUrl, clock: ctx.clock },
        );
        if (!verdict.ok) {
          throw new CliError(`mode unchanged: ${verdict.message}`);
        }
      }
      await links.setMode(clientId, mode);
      await audit.record({
        type: 'magento.link_mode_changed',
        outcome: 'success',
        actor: 'cli',
        clientId,
        details: { mode },
      });
      ctx.io.out(`client ${clientId} now calls Magento in ${mode} mode`);
      return 0;
    },
  },

  'magento:revoke': {
    summary: 'Forget the Magento credentials of a client; its API calls fail until the store is linked again',
    usage: '--client <id>',
    options: clientOption,
    async run(ctx, { values }) {
      const clientId = await requireClient(ctx, values);
      const { links, audit } = services(ctx);
      if (!(await links.get(clientId))) throw new CliNotFoundError(`client ${clientId} has no Magento link`);
      await links.revoke(clientId);
      await audit.record({ type: 'magento.link_revoked', outcome: 'success', actor: 'cli', clientId });
      ctx.io.out(
        `revoked the Magento link of ${clientId}. Also delete (or Reauthorize) the integration in ` +
          `Magento: its token stays valid there until you do.`,
      );
      return 0;
    },
  },
};
