// `npm run magento:emulator`: a local fake Magento with one demo integration granted everything.
import { writeFileSync } from 'node:fs';
import { readEnv } from '../../config/read-env.js';
import { startMagentoEmulator } from './start-magento-emulator.js';

// Same .env as the server and the CLI (environment wins).
const port = Number(readEnv().MAGENTO_EMULATOR_PORT ?? 8090);
const emulator = await startMagentoEmulator({ port, bearerEnabled: process.argv.includes('--bearer') });
const demo = emulator.createIntegration({ name: 'demo', all: true });
const tokens = emulator.issueAccessToken(demo.id);

console.log(`Magento emulator listening on ${emulator.baseUrl}`);
console.log(`store_base_url: ${emulator.storeBaseUrl}`);
console.log('demo integration (all resources, active):');
console.log(JSON.stringify({ integrationId: demo.id, ...tokens }, null, 2));
// `--credentials-file <path>`: the same four values in the form `magento:import` reads on stdin.
const fileArg = process.argv.indexOf('--credentials-file');
if (fileArg > 0 && process.argv[fileArg + 1]) {
  const lines = [`consumer_key=${tokens.consumerKey}`, `consumer_secret=${tokens.consumerSecret}`, `access_token=${tokens.accessToken}`, `access_token_secret=${tokens.accessTokenSecret}`];
  writeFileSync(process.argv[fileArg + 1]!, lines.join('\n') + '\n', { mode: 0o600 });
}

const stop = () => void emulator.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
