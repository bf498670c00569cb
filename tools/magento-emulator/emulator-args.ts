import { parseArgs } from 'node:util';

import { SIGNATURE_LINES, type SignatureLine } from './signature-lines.js';

export const EMULATOR_USAGE = [
  'Usage: npm run magento:emulator -- [--port <n>] [--bearer] [--signing-profile <line>] ' +
    '[--credentials-file <path>]',
  '',
  'A local fake Magento 2 store with one demo integration granted every resource.',
  '',
  'Options:',
  '  --port <n>  port to listen on (0 = any free port); default MAGENTO_EMULATOR_PORT or 8090',
  '  --bearer    accept integration access tokens as bearer tokens ' +
    `(Magento's "oauth/consumer/enable_integration_as_bearer")`,
  '  --signing-profile <line>  verify signatures as that Magento code line does: ' +
    `${SIGNATURE_LINES.join(', ')} (default rfc5849)`,
  "  --credentials-file <path>  write the demo integration's four values there, as magento:import reads them",
  '  --help      show this help',
].join('\n');

export type EmulatorArgs =
  | { help: true }
  | { help: false; port: number; bearer: boolean; signingProfile: SignatureLine; credentialsFile?: string }
  | { error: string };

function portOf(raw: string, from: string): number | string {
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) return `${from} must be a port number from 0 to 65535, not "${raw}"`;
  return Number(raw);
}

/** --port wins over MAGENTO_EMULATOR_PORT (not PORT: that is the bridge's own port). */
export function parseEmulatorArgs(argv: string[], env: Record<string, string | undefined>): EmulatorArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        bearer: { type: 'boolean' },
        'signing-profile': { type: 'string' },
        'credentials-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return { error: (err as Error).message };
  }
  if (values.help) return { help: true };
  const port =
    values.port !== undefined
      ? portOf(values.port, '--port')
      : env.MAGENTO_EMULATOR_PORT
        ? portOf(env.MAGENTO_EMULATOR_PORT, 'MAGENTO_EMULATOR_PORT')
        : 8090;
  if (typeof port === 'string') return { error: port };
  const signingProfile = values['signing-profile'] ?? 'rfc5849';
  if (!(SIGNATURE_LINES as readonly string[]).includes(signingProfile))
    return { error: `--signing-profile must be one of ${SIGNATURE_LINES.join(', ')}` };
  return {
    help: false,
    port,
    bearer: values.bearer === true,
    signingProfile: signingProfile as SignatureLine,
    credentialsFile: values['credentials-file'],
  };
}
