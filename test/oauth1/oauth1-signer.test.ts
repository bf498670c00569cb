import { createHmac, randomBytes } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { describe, expect, it } from 'vitest';
import { baseString, parseFormPairs, percentEncode, splitUrl } from '../../src/oauth1/oauth1-base-string.js';
import { buildQuery, createNonce, hmacSignature, signRequest } from '../../src/oauth1/oauth1-signer.js';

const RFC_BASE =
  'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7';

describe('RFC 5849 §3.4.1 worked example', () => {
  it('builds the exact base string from the collected parameters', () => {
    const { baseUrl, query } = splitUrl('http://EXAMPLE.COM:80/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b');
    expect(baseUrl).toBe('http://example.com/request');
    // The RFC keeps duplicates and the valueless `c2`; Magento does not, so feed the RFC's own list.
    const pairs: Array<[string, string]> = [
      ...parseFormPairs(query),
      ['c2', ''],
      ['a3', '2 q'],
      ['oauth_consumer_key', '9djdj82h48djs9d2'],
      ['oauth_token', 'kkk9d7dh3k39sjv7'],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', '137131201'],
      ['oauth_nonce', '7d8f3e4a'],
    ];
    expect(baseString('post', baseUrl, pairs)).toBe(RFC_BASE);
  });

  it('HMAC-SHA256 over that base string equals node crypto computed independently', () => {
    const key = 'j49sk3j29djd&dh893hdasih9';
    const expected = createHmac('sha256', key).update(RFC_BASE).digest('base64');
    expect(hmacSignature(RFC_BASE, 'j49sk3j29djd', 'dh893hdasih9')).toBe(expected);
  });

  it('HMAC-SHA1 reproduces the spec known signature (OAuth Core 1.0 appendix A.5, photos example)', () => {
    const signed = signRequest({
      method: 'GET',
      url: 'http://photos.example.net/photos?file=vacation.jpg&size=original',
      consumerKey: 'dpf43f3p2l4k3l03',
      consumerSecret: 'kd94hf93k423kf44',
      token: 'nnch734d00sl2jdk',
      tokenSecret: 'pfkkdhi9sl3r4s00',
      nonce: 'kllo9940pd9333jh',
      timestamp: 1191242096,
      signatureMethod: 'HMAC-SHA1',
    });
    expect(signed.baseString).toBe(
      'GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal',
    );
    expect(signed.signature).toBe('tR3+Ty81lMeYAr/Fid0kMTYa/WM=');
  });
});

describe('Magento rules (PROTOCOL.md §3)', () => {
  const base = { consumerKey: 'ck', consumerSecret: 'cs', token: 't', tokenSecret: 'ts', nonce: 'n', timestamp: 1 };

  it('treats bracketed searchCriteria keys as flat keys, encoded twice in the base string', () => {
    const s = signRequest({
      ...base,
      method: 'GET',
      url: 'https://shop.example/rest/V1/products?searchCriteria[filter_groups][0][filters][0][field]=sku',
    });
    expect(s.baseString).toContain(
      'searchCriteria%255Bfilter_groups%255D%255B0%255D%255Bfilters%255D%255B0%255D%255Bfield%255D%3Dsku',
    );
  });

  it('keeps %2F in the path, lowercases the host, drops the default port, keeps others', () => {
    expect(splitUrl('HTTPS://Shop.Example:443/rest/default/V1/products/ABC%2F10').baseUrl).toBe(
      'https://shop.example/rest/default/V1/products/ABC%2F10',
    );
    expect(splitUrl('http://shop.example:8080/index.php/rest/all/V1/x').baseUrl).toBe(
      'http://shop.example:8080/index.php/rest/all/V1/x',
    );
    expect(splitUrl('http://shop.example/rest/V1/a%7Eb%2fc').baseUrl).toBe('http://shop.example/rest/V1/a~b%2Fc');
  });

  it('encodes spaces as %20 and plus as %2B; a raw + in the query means space', () => {
    expect(percentEncode('a b+c~*')).toBe('a%20b%2Bc~%2A');
    expect(buildQuery({ q: 'a b+c' })).toBe('q=a%20b%2Bc');
    const a = signRequest({ ...base, method: 'GET', url: 'https://s.example/rest/V1/x?q=a+b' });
    const b = signRequest({ ...base, method: 'GET', url: 'https://s.example/rest/V1/x?q=a%20b' });
    expect(a.signature).toBe(b.signature);
  });

  it('signs form bodies, not JSON bodies, and drops oauth_* from the query', () => {
    const plain = signRequest({ ...base, method: 'POST', url: 'https://s.example/rest/V1/x' });
    const form = signRequest({
      ...base,
      method: 'POST',
      url: 'https://s.example/rest/V1/x',
      formBody: 'comment=hi+there',
    });
    expect(form.baseString).toContain('comment%3Dhi%2520there');
    expect(form.signature).not.toBe(plain.signature);
    const withOauthQuery = signRequest({ ...base, method: 'POST', url: 'https://s.example/rest/V1/x?oauth_x=1' });
    expect(withOauthQuery.signature).toBe(plain.signature);
  });

  it('builds the header Magento expects and a 32-char alphanumeric nonce', () => {
    const s = signRequest({
      method: 'GET',
      url: 'https://s.example/rest/V1/x',
      consumerKey: 'ck',
      consumerSecret: 'cs',
    });
    expect(s.authorization).toMatch(
      /^OAuth oauth_consumer_key="ck",oauth_nonce="[A-Za-z0-9]{32}",oauth_signature_method="HMAC-SHA256",oauth_timestamp="\d+",oauth_version="1.0",oauth_signature="[^"]+"$/,
    );
    expect(createNonce()).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(createNonce()).not.toBe(createNonce());
  });
});

// --- cross-check against the npm package oauth-1.0a ---
const rnd = (n: number) => Math.floor(Math.random() * n);
const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
const WORDS = [
  'red shirt',
  'a+b',
  'ümlaut',
  '日本',
  '100%',
  'x/y',
  'ABC/10',
  'tilde~',
  "it's",
  'a=b',
  'semi;colon',
  '',
  'plain',
];
const SEGMENTS = ['products', 'orders', 'ABC%2F10', 'sku%2Fwith%2Fslashes', 'caf%C3%A9', 'a-b_c.d~e', '123', 'items'];

function generateRequest() {
  const host = pick(['shop.example', 'magento.test', '127.0.0.1']);
  const port = pick(['', ':8080', ':8443', ':3000']);
  const scheme = pick(['http', 'https']);
  const prefix = pick(['/rest/V1', '/rest/default/V1', '/rest/all/V1', '/index.php/rest/V1', '/rest/fr_store/V1']);
  const path = prefix + Array.from({ length: 1 + rnd(3) }, () => '/' + pick(SEGMENTS)).join('');
  const query: Record<string, string> = {};
  for (let i = 0; i < rnd(4); i++) {
    const k = pick([
      `searchCriteria[filter_groups][${i}][filters][0][field]`,
      `searchCriteria[pageSize]`,
      `fields`,
      `q${i}`,
      `store_id`,
    ]);
    query[k] = pick(WORDS);
  }
  const method = pick(['GET', 'POST', 'PUT', 'DELETE']);
  const form: Record<string, string> = {};
  if (method !== 'GET' && Math.random() < 0.5)
    for (let i = 0; i < 1 + rnd(3); i++) form[`f${i}[${pick(['a', 'b'])}]`] = pick(WORDS);
  // Keys travel raw (oauth-1.0a does not decode keys); values RFC 3986-encoded.
  const qs = Object.entries(query)
    .map(([k, v]) => `${k}=${percentEncode(v)}`)
    .join('&');
  return { method, url: `${scheme}://${host}${port}${path}${qs ? '?' + qs : ''}`, form };
}

describe('cross-check with oauth-1.0a (HMAC-SHA256)', () => {
  it('produces identical signatures on 300 generated requests', () => {
    for (let i = 0; i < 300; i++) {
      const req = generateRequest();
      const consumer = {
        key: randomBytes(16).toString('hex'),
        secret: pick(['s3cr3t', 'sp ace+plus', randomBytes(16).toString('hex')]),
      };
      const token = { key: randomBytes(16).toString('hex'), secret: randomBytes(16).toString('hex') };
      const nonce = createNonce();
      const timestamp = 1_700_000_000 + i;
      const lib = new OAuth({
        consumer,
        signature_method: 'HMAC-SHA256',
        hash_function: (b, k) => createHmac('sha256', k).update(b).digest('base64'),
      });
      lib.getNonce = () => nonce;
      lib.getTimeStamp = () => timestamp;
      const expected = lib.authorize({ url: req.url, method: req.method, data: req.form }, token);
      const ours = signRequest({
        method: req.method,
        url: req.url,
        consumerKey: consumer.key,
        consumerSecret: consumer.secret,
        token: token.key,
        tokenSecret: token.secret,
        formBody: Object.keys(req.form).length ? req.form : undefined,
        nonce,
        timestamp,
      });
      expect(ours.signature, `${req.method} ${req.url} ${JSON.stringify(req.form)}`).toBe(expected.oauth_signature);
    }
  });
});
