// The last guard: a secret that slipped into a message, a fix or details (Magento echoing a value,
// an error text) is replaced before anything is shown; short strings are never blanked.
import { describe, expect, it } from 'vitest';
import { scrubSecrets } from '../../src/diagnostics/secret-scrub.js';

describe('scrubSecrets', () => {
  it('replaces every secret everywhere in a result, longest first', () => {
    const token = 'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6';
    const [r] = scrubSecrets(
      [
        {
          id: 'link.token',
          status: 'fail',
          message: `Magento said: unknown token ${token}`,
          fix: `not ${token.slice(0, 20)}… but ${token}`,
          details: { echoed: [token, { deeper: `x${token}x` }], count: 3 },
        },
      ],
      [token, token.slice(0, 20), 'short'],
    );
    expect(JSON.stringify(r)).not.toContain(token);
    expect(r!.message).toBe('Magento said: unknown token [redacted]');
    expect(r!.fix).toBe('not [redacted]… but [redacted]');
    expect(r!.details).toEqual({ echoed: ['[redacted]', { deeper: 'x[redacted]x' }], count: 3 });
    expect(scrubSecrets([{ ...r!, message: 'a short word' }], ['short'])[0]!.message).toBe('a short word');
  });
});
