import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMagentoEmulator, type MagentoEmulator } from '../../tools/magento-emulator/start-magento-emulator.js';
import { signRequest, UnsignableRequestError } from '../../src/oauth1/oauth1-signer.js';
import { SIGNING_PROFILES, type SigningProfile } from '../../src/oauth1/oauth1-signing-profiles.js';
import { formDecode, percentEncode } from '../../src/oauth1/oauth1-base-string.js';

type Line = Exclude<SigningProfile, 'rfc5849'>;
const LINES: Line[] = ['2.4-develop', '2.4-urifix', '2.4-laminas'];

/**
 * SIGNING-PROFILES.md's case table: the request as it goes on the wire, and whether each line
 * accepts a plain RFC 5849 signature of it (false = that line computes another base string).
 */
const CASES: Array<{
  name: string;
  method?: 'GET' | 'POST';
  target: string;
  form?: string;
  host?: string;
  rfcAccepted: Record<Line, boolean | 500>;
}> = [
  {
    name: 'plain',
    target: '/rest/V1/products/ABC',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: 'store code',
    target: '/rest/default/V1/products/ABC',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: '/index.php/rest',
    target: '/index.php/rest/V1/products/ABC',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: 'search filters with %5B%5D',
    target:
      '/rest/V1/products?searchCriteria%5BfilterGroups%5D%5B0%5D%5Bfilters%5D%5B0%5D%5Bfield%5D=sku&searchCriteria%5BpageSize%5D=5',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: 'q=a%20b',
    target: '/rest/V1/products?q=a%20b',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: 'q=a+b',
    target: '/rest/V1/products?q=a+b',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: 'q=a%2Bb',
    target: '/rest/V1/products?q=a%2Bb',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: 'empty value a=',
    target: '/rest/V1/products?a=',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: 'unicode in query and path',
    target: '/rest/V1/products/%C3%A9t%C3%A9?q=%E2%82%AC',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: '%20 in path',
    target: '/rest/V1/products/A%20B',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: 'form body',
    method: 'POST',
    target: '/rest/V1/test/form',
    form: 'comment=hello&notify=1',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: 'form body with +',
    method: 'POST',
    target: '/rest/V1/test/form',
    form: 'comment=a+b',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: 'raw [] in query',
    target: '/rest/V1/products?searchCriteria[pageSize]=5',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: '%2F in a SKU',
    target: '/rest/V1/products/ABC%2F10',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': true, '2.4-laminas': false },
  },
  {
    name: '%3A and %40 in path',
    target: '/rest/V1/products/A%3AB%40C',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': true, '2.4-laminas': false },
  },
  {
    name: '%2D and %7E in path',
    target: '/rest/V1/products/A%2DB%7EC',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': false, '2.4-laminas': false },
  },
  {
    name: 'lower-case %2f in path',
    target: '/rest/V1/products/ABC%2f10',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': false, '2.4-laminas': false },
  },
  {
    name: 'repeated key a=1&a=2',
    target: '/rest/V1/products?a=1&a=2',
    rfcAccepted: { '2.4-develop': false, '2.4-urifix': false, '2.4-laminas': false },
  },
  {
    name: 'repeated a%5B%5D',
    target: '/rest/V1/products?a%5B%5D=1&a%5B%5D=2',
    rfcAccepted: { '2.4-develop': false, '2.4-urifix': false, '2.4-laminas': false },
  },
  {
    name: 'valueless key',
    target: '/rest/V1/products?a&b=1',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': false, '2.4-laminas': false },
  },
  {
    name: 'a=b=c',
    target: '/rest/V1/products?a=b=c',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': false, '2.4-laminas': false },
  },
  {
    name: 'myoauth_id=5',
    target: '/rest/V1/products?myoauth_id=5',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': false, '2.4-laminas': false },
  },
  {
    name: 'a.b=1',
    target: '/rest/V1/products?a.b=1',
    rfcAccepted: { '2.4-develop': false, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: 'a%20b=1',
    target: '/rest/V1/products?a%20b=1',
    rfcAccepted: { '2.4-develop': false, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: 'numeric key 0=x',
    target: '/rest/V1/products?0=x',
    rfcAccepted: { '2.4-develop': 500, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: 'natural sort f[2] f[10]',
    target: '/rest/V1/products?f%5B2%5D=a&f%5B10%5D=b',
    rfcAccepted: { '2.4-develop': true, '2.4-urifix': false, '2.4-laminas': false },
  },
  {
    name: 'sortZ before sort[0]',
    target: '/rest/V1/products?sortZ=1&sort%5B0%5D=2',
    rfcAccepted: { '2.4-develop': false, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: 'Host Shop.Test:8080 (case kept)',
    host: 'Shop.Test:8080',
    target: '/rest/V1/products/ABC',
    rfcAccepted: { '2.4-develop': false, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: 'Host shop.test:80 (default port kept)',
    host: 'shop.test:80',
    target: '/rest/V1/products/ABC',
    rfcAccepted: { '2.4-develop': false, '2.4-urifix': true, '2.4-laminas': true },
  },
  {
    name: 'form body a=1&a=2',
    method: 'POST',
    target: '/rest/V1/test/form',
    form: 'a=1&a=2',
    rfcAccepted: { '2.4-develop': false, '2.4-urifix': false, '2.4-laminas': false },
  },
  {
    name: 'form body c%5Bx%5D=1',
    method: 'POST',
    target: '/rest/V1/test/form',
    form: 'c%5Bx%5D=1',
    rfcAccepted: { '2.4-develop': false, '2.4-urifix': false, '2.4-laminas': false },
  },
];

/** A plain RFC 5849 signer (every pair kept, path as sent): the control that proves a line differs. */
function rfc5849Authorization(
  method: string,
  url: string,
  form: string | undefined,
  oauth: Record<string, string>,
  secrets: [string, string],
): string {
  const u = /^(https?):\/\/([^/]+)([^?]*)(?:\?(.*))?$/.exec(url)!;
  const pairs = (s: string | undefined) =>
    s
      ? s.split('&').map((p) => {
          const i = p.indexOf('=');
          return i < 0 ? [formDecode(p), ''] : [formDecode(p.slice(0, i)), formDecode(p.slice(i + 1))];
        })
      : [];
  const all = [...Object.entries(oauth), ...pairs(u[4]), ...pairs(form)].map(([k, v]) => [
    percentEncode(k!),
    percentEncode(v!),
  ]);
  all.sort(([a, b], [c, d]) => (a! < c! ? -1 : a! > c! ? 1 : b! < d! ? -1 : b! > d! ? 1 : 0));
  const base = [
    method,
    percentEncode(`${u[1]}://${u[2]!.toLowerCase().replace(u[1] === 'http' ? /:80$/ : /:443$/, '')}${u[3]}`),
    percentEncode(all.map(([k, v]) => `${k}=${v}`).join('&')),
  ].join('&');
  const signature = createHmac('sha256', `${percentEncode(secrets[0])}&${percentEncode(secrets[1])}`)
    .update(base)
    .digest('base64');
  return (
    'OAuth ' +
    Object.entries({ ...oauth, oauth_signature: signature })
      .map(([k, v]) => `${k}="${percentEncode(v)}"`)
      .join(',')
  );
}

let emulator: MagentoEmulator;
let creds: { consumerKey: string; consumerSecret: string; accessToken: string; accessTokenSecret: string };
let nonce = 0;

beforeAll(async () => {
  emulator = await startMagentoEmulator({ port: 0, host: '127.0.0.1' });
  creds = emulator.issueAccessToken(emulator.createIntegration({ name: 'profiles', all: true }).id);
});
afterAll(() => emulator.close());

/** Sends the target byte for byte (node:http does not normalise paths) and returns status and message. */
function send(
  method: string,
  target: string,
  authorization: string,
  form?: string,
  host?: string,
): Promise<{ status: number; message: string }> {
  const { port } = new URL(emulator.baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: target,
        headers: {
          authorization,
          ...(host ? { host } : {}),
          ...(form !== undefined
            ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(form) }
            : {}),
        },
      },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            message: (() => {
              try {
                return JSON.parse(body).message ?? '';
              } catch {
                return body;
              }
            })(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(form);
  });
}

const invalidSignature = (r: { status: number; message: string }) =>
  r.status === 401 && /signature is invalid/.test(r.message);

describe('signing profiles against the emulator in each Magento line', () => {
  for (const line of LINES) {
    describe(line, () => {
      for (const c of CASES) {
        const method = c.method ?? 'GET';
        it(
          `${c.name}: the ${line} profile ` +
            `passes${c.rfcAccepted[line] === true ? '' : '; plain RFC 5849 does not'}`,
          async () => {
            emulator.setSigningProfile(line);
            // The URL as the store sees it: its Host header, case and port as sent.
            const url = c.host ? `http://${c.host}${c.target}` : `${emulator.baseUrl}${c.target}`;
            const expected = c.rfcAccepted[line];
            let signed: string | null = null;
            try {
              signed = signRequest({
                method,
                url,
                consumerKey: creds.consumerKey,
                consumerSecret: creds.consumerSecret,
                token: creds.accessToken,
                tokenSecret: creds.accessTokenSecret,
                formBody: c.form,
                profile: line,
              }).authorization;
            } catch (err) {
              // Only a request the line cannot verify at all is refused by the signer.
              expect(err).toBeInstanceOf(UnsignableRequestError);
              expect(expected).toBe(500);
            }
            if (signed) {
              const r = await send(method, c.target, signed, c.form, c.host);
              expect(invalidSignature(r), `${r.status} ${r.message}`).toBe(false);
              expect(r.status).not.toBe(500);
            }
            const oauth = {
              oauth_consumer_key: creds.consumerKey,
              oauth_nonce: `n${++nonce}x${Date.now()}`,
              oauth_signature_method: 'HMAC-SHA256',
              oauth_timestamp: String(Math.floor(Date.now() / 1000)),
              oauth_token: creds.accessToken,
              oauth_version: '1.0',
            };
            const control = await send(
              method,
              c.target,
              rfc5849Authorization(method, url, c.form, oauth, [creds.consumerSecret, creds.accessTokenSecret]),
              c.form,
              c.host,
            );
            if (expected === 500) expect(control.status).toBe(500);
            else expect(invalidSignature(control), `control: ${control.status} ${control.message}`).toBe(!expected);
          },
        );
      }
    });
  }

  it('every profile is listed', () => {
    expect([...SIGNING_PROFILES]).toEqual(['2.4-develop', '2.4-urifix', '2.4-laminas', 'rfc5849']);
  });
});
