// `npm run magento:emulator`: a local fake Magento with one demo integration granted everything.
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

const stop = () => void emulator.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
