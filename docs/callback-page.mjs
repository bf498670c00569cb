// The walk-through's app callback (a loopback redirect URI, RFC 8252): shows the authorization
// code in the browser and hands it to the waiting script through a file.
// Usage: node docs/callback-page.mjs <port> <file>
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [port, file] = process.argv.slice(2);
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname !== '/callback') return void res.writeHead(404).end();
  const code = url.searchParams.get('code');
  const error = url.searchParams.get('error');
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(
    `<!doctype html><meta charset="utf-8"><title>Shop tool</title>` +
      (code
        ? `<h1>Authorization code received</h1><p><code>${escape(code)}</code></p><p>Back to the ` +
          `terminal: the walk-through exchanges it for tokens.</p>`
        : `<h1>Not authorized</h1><p>${escape(error ?? 'no code')}: ` +
          `${escape(url.searchParams.get('error_description') ?? '')}</p>`),
  );
  writeFileSync(file, code ? `code=${code}\n` : `error=${error ?? 'no code'}\n`);
}).listen(Number(port), '127.0.0.1');
