import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';

/** One logged line, parsed, as a log shipper would read it. */
function logLine(fields: Record<string, unknown>): Record<string, any> {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
  logger.info('event', fields);
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!);
}

describe('log redaction by path', () => {
  it('hides OAuth parameters and credentials wherever they sit', () => {
    const line = logLine({
      query: { code: 'SplxlOBeZQQYbYS6WxSbIA', state: 'xyz', client_id: 'c_1' },
      body: {
        grant_type: 'authorization_code',
        code: 'abc_def',
        code_verifier: 'v'.repeat(43),
        client_secret: 's3cr3t',
        client_assertion: 'eyJ.a.b',
      },
      password: 'correct horse',
      tokens: { access_token: 'at-1', refresh_token: 'rt-1', id_token: 'id-1' },
      form: { otp: '123456', totp: '654321', username: 'gina' },
      headers: { authorization: 'Basic Zm9vOmJhcg==', cookie: '_session=abc', 'user-agent': 'curl/8' },
      code: 'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v',
    });
    const text = JSON.stringify(line);
    for (const secret of [
      'SplxlOBeZQQYbYS6WxSbIA',
      'abc_def',
      'v'.repeat(43),
      's3cr3t',
      'eyJ.a.b',
      'correct horse',
      'at-1',
      'rt-1',
      'id-1',
      '123456',
      '654321',
      'Zm9vOmJhcg',
      '_session=abc',
      'a1b2c3d4e5f6',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(line.query).toEqual({ code: '[redacted]', state: 'xyz', client_id: 'c_1' });
    expect(line.body.grant_type).toBe('authorization_code');
    expect(line.headers['user-agent']).toBe('curl/8');
    expect(line.form.username).toBe('gina');
  });

  it('keeps HTTP status codes, OAuth error codes and errno codes', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const line = logLine({
      status: 502,
      statusCode: 502,
      error: 'invalid_grant',
      code: 'invalid_client',
      err,
      upstream: { code: 503 },
      db: { code: '23505' },
    });
    expect(line).toMatchObject({
      status: 502,
      statusCode: 502,
      error: 'invalid_grant',
      code: 'invalid_client',
      upstream: { code: 503 },
      db: { code: '23505' },
    });
    expect(line.err).toMatchObject({
      name: 'Error',
      message: 'connect ECONNREFUSED 127.0.0.1:9',
      code: 'ECONNREFUSED',
    });
  });

  it('strips credentials from the query of logged URLs, keeping the rest', () => {
    const line = logLine({
      url: '/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz',
      location: 'https://app.example/cb#x',
      referer: 'https://x/?access_token=at-9&page=2',
    });
    expect(line.url).toBe('/cb?code=%5Bredacted%5D&state=xyz');
    expect(line.location).toBe('https://app.example/cb#x');
    expect(line.referer).toBe('https://x/?access_token=%5Bredacted%5D&page=2');
  });

  it('redacts child-logger base fields too', () => {
    const lines: string[] = [];
    createLogger({ level: 'info', write: (l) => lines.push(l) })
      .child({ requestId: 'r-1', client_secret: 'x' })
      .warn('w', { code: 'ERR_X' });
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'warn',
      msg: 'w',
      requestId: 'r-1',
      client_secret: '[redacted]',
      code: 'ERR_X',
    });
  });
});
