import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// Every variable the configuration reader knows is in the operators' configuration table, so a
// new setting cannot ship undocumented.
describe('docs/operators.md configuration reference', () => {
  it('names every environment variable load-config reads (and the readers it calls, alerts-config.ts)', () => {
    const source = ['load-config.ts', 'alerts-config.ts']
      .map((f) => readFileSync(new URL(`../../src/config/${f}`, import.meta.url), 'utf8'))
      .join('\n');
    const doc = readFileSync(new URL('../../docs/operators.md', import.meta.url), 'utf8');
    const start = doc.indexOf('\n## Configuration');
    expect(start).toBeGreaterThanOrEqual(0);
    const section = doc.slice(start, doc.indexOf('\n## ', start + 5));
    const read = [...source.matchAll(/r\.[a-zA-Z]+\('([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]!);
    const variables = [...new Set(read)];
    expect(variables.length).toBeGreaterThan(30);
    expect(variables.filter((v) => !section.includes(`\`${v}\``) && !section.includes(`${v}\``))).toEqual([]);
  });
});
