// Imported first by every entry point: older Node versions crash (segfault) while loading the
// dependencies, so the version is checked before any of them is evaluated.
const REQUIRED_MAJOR = 22;
const major = Number(process.versions.node.split('.')[0]);
if (major < REQUIRED_MAJOR) {
  process.stderr.write(
    `magento-oauth2-bridge needs Node.js ${REQUIRED_MAJOR} or later; this is ${process.version}. ` +
      'Run it through npm (npm start, npm run cli, npm test), which uses the Node 22 that `npm ci` ' +
      'installs, or install Node 22.\n',
  );
  process.exit(78); // EX_CONFIG: the runtime is part of the machine's configuration
}
export {};
