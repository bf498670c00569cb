// `npm run magento:emulator`: a local fake Magento with one demo integration granted everything.
import '../../runtime-check.js';
import { startMagentoEmulator } from './start-magento-emulator.js';
import { SIGNATURE_LINES, type SignatureLine } from './signature-lines.js';

const port = Number(process.env.MAGENTO_EMULATOR_PORT ?? 8090);
// `--signing-profile 2.4-laminas`: verify signatures the way that Magento code line does.
const profileArg = process.argv[process.argv.indexOf('--signing-profile') + 1];
const signingProfile = process.argv.includes('--signing-profile') ? profileArg : 'rfc5849';
if (!SIGNATURE_LINES.includes(signingProfile as SignatureLine)) {
  console.error(`--signing-profile must be one of ${SIGNATURE_LINES.join(', ')}`);
  process.exit(2);
}
const emulator = await startMagentoEmulator({ port, bearerEnabled: process.argv.includes('--bearer'), signingProfile: signingProfile as SignatureLine });
const demo = emulator.createIntegration({ name: 'demo', all: true });
const tokens = emulator.issueAccessToken(demo.id);

console.log(`Magento emulator listening on ${emulator.baseUrl}`);
console.log(`store_base_url: ${emulator.storeBaseUrl}`);
console.log(`signatures verified as: ${emulator.signingProfile}`);
console.log('demo integration (all resources, active):');
console.log(JSON.stringify({ integrationId: demo.id, ...tokens }, null, 2));

const stop = () => void emulator.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
