import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// Every variable the configuration reader knows is in the README's configuration table, so a
// new setting cannot ship undocumented.
describe('README configuration reference', () => {
  it('names every environment variable load-config reads', () => {
    const source = readFileSync(new URL('../../src/config/load-config.ts', import.meta.url), 'utf8');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Configuration'), readme.indexOf('\n## ', readme.indexOf('\n## Configuration') + 5));
    const variables = [...new Set([...source.matchAll(/r\.[a-zA-Z]+\('([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]!))];
    expect(variables.length).toBeGreaterThan(30);
    expect(variables.filter((v) => !section.includes(`\`${v}\``) && !section.includes(`${v}\``))).toEqual([]);
  });
});
