import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

const base = { ENCRYPTION_KEY: randomBytes(32).toString('base64'), COOKIE_KEYS: randomBytes(32).toString('base64url') };
const quiet = { warn: () => undefined };

describe('GATEWAY_GRAPHQL_MAX_DEPTH / GATEWAY_GRAPHQL_MAX_TOKENS', () => {
  it('default to 15 levels and 5000 tokens, and can be set', () => {
    expect(loadConfig(base, quiet).gateway).toMatchObject({ graphqlMaxDepth: 15, graphqlMaxTokens: 5000 });
    const c = loadConfig({ ...base, GATEWAY_GRAPHQL_MAX_DEPTH: '20', GATEWAY_GRAPHQL_MAX_TOKENS: '20000' }, quiet);
    expect(c.gateway).toMatchObject({ graphqlMaxDepth: 20, graphqlMaxTokens: 20000 });
  });

  it('refuse values that are not positive integers in range, naming the variable', () => {
    let problems: string[] = [];
    try {
      loadConfig({ ...base, GATEWAY_GRAPHQL_MAX_DEPTH: '0', GATEWAY_GRAPHQL_MAX_TOKENS: 'many' }, quiet);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      problems = (err as ConfigError).problems;
    }
    expect(problems.join('\n')).toMatch(/GATEWAY_GRAPHQL_MAX_DEPTH/);
    expect(problems.join('\n')).toMatch(/GATEWAY_GRAPHQL_MAX_TOKENS must be an integer/);
  });
});
