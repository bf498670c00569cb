// `npm run magento:emulator`: a local fake Magento with one demo integration granted everything.
import '../../src/runtime-check.js';
import { writeFileSync } from 'node:fs';
import { readEnv } from '../../src/config/read-env.js';
import { EMULATOR_USAGE, parseEmulatorArgs } from './emulator-args.js';
import { startMagentoEmulator } from './start-magento-emulator.js';

// Same .env as the server and the CLI (environment wins).
const args = parseEmulatorArgs(process.argv.slice(2), readEnv());
if ('error' in args) {
  process.stderr.write(`magento:emulator: ${args.error}\n\n${EMULATOR_USAGE}\n`);
  process.exitCode = 2;
} else if (args.help) {
  process.stdout.write(`${EMULATOR_USAGE}\n`);
} else {
  const emulator = await startMagentoEmulator({
    port: args.port,
    bearerEnabled: args.bearer,
    signingProfile: args.signingProfile,
    // What a real store serves at /magento_version (major.minor only), so `doctor` sees a Magento.
    faults: { magentoVersion: '2.4' },
  });
  const demo = emulator.createIntegration({ name: 'demo', all: true });
  const tokens = emulator.issueAccessToken(demo.id);

  console.log(`Magento emulator listening on ${emulator.baseUrl}`);
  console.log(`store_base_url: ${emulator.storeBaseUrl}`);
  console.log(`signatures verified as: ${emulator.signingProfile}`);
  console.log('demo integration (all resources, active):');
  console.log(JSON.stringify({ integrationId: demo.id, ...tokens }, null, 2));
  if (args.credentialsFile) {
    // The same four values in the form `magento:import` reads on stdin.
    const lines = [
      `consumer_key=${tokens.consumerKey}`,
      `consumer_secret=${tokens.consumerSecret}`,
      `access_token=${tokens.accessToken}`,
      `access_token_secret=${tokens.accessTokenSecret}`,
    ];
    writeFileSync(args.credentialsFile, lines.join('\n') + '\n', { mode: 0o600 });
  }

  const stop = () => void emulator.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
