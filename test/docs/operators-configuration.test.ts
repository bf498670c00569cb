import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// Every variable the configuration reader knows is in the operators' configuration table, so a
// new setting cannot ship undocumented.
describe('docs/operators.md configuration reference', () => {
  it('names every environment variable load-config reads', () => {
    // load-config.ts and the readers it delegates to (src/config/*-config.ts).
    const dir = new URL('../../src/config/', import.meta.url);
    const source = readdirSync(dir)
      .filter((f) => f === 'load-config.ts' || f.endsWith('-config.ts'))
      .map((f) => readFileSync(new URL(f, dir), 'utf8'))
      .join('\n');
    const doc = readFileSync(new URL('../../docs/operators.md', import.meta.url), 'utf8');
    const start = doc.indexOf('\n## Configuration');
    expect(start).toBeGreaterThanOrEqual(0);
    const section = doc.slice(start, doc.indexOf('\n## ', start + 5));
    // r.int('NAME'…) and the small helpers that take the readers first: spec(r, 'NAME'…).
    const read = [...source.matchAll(/(?:r\.[a-zA-Z]+\(|\(r, )'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]!);
    const variables = [...new Set(read)];
    expect(variables.length).toBeGreaterThan(30);
    expect(variables.filter((v) => !section.includes(`\`${v}\``) && !section.includes(`${v}\``))).toEqual([]);
  });
});
