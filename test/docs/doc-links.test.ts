import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The README and docs/ point only at things the repository has: relative links resolve to files
// (and their #anchors to headings), and every repository path quoted in backticks exists.
const root = resolve(import.meta.dirname, '..', '..');
const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
const anchorsOf = (text: string) =>
  new Set([...withoutFences(text).matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1]!.replace(/`/g, ''))));
const withoutFences = (text: string) => text.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');

function linksOf(text: string): string[] {
  const body = withoutFences(text);
  const inline = [...body.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
  const defined = [...body.matchAll(/^\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]!);
  return [...inline, ...defined].filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('documentation links', () => {
  it('covers the README and every page in docs/', () => {
    expect(docs).toEqual(expect.arrayContaining(['README.md', 'docs/operators.md', 'docs/architecture.md']));
    expect(docs.length).toBeGreaterThanOrEqual(6);
  });

  it.each(docs)('%s: every relative link points to an existing file and heading', (file) => {
    const broken: string[] = [];
    for (const target of linksOf(read(file))) {
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const targetFile = path ? relative(root, resolve(root, dirname(file), path)) : file;
      if (!existsSync(join(root, targetFile))) broken.push(`${target} (no file ${targetFile})`);
      else if (anchor && targetFile.endsWith('.md') && !anchorsOf(read(targetFile)).has(anchor)) {
        broken.push(`${target} (no heading #${anchor} in ${targetFile})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it.each(docs)('%s: every repository path in backticks exists', (file) => {
    const paths = [...read(file).matchAll(/`((?:src|test|tools|docs|views|migrations|seeds)\/[^`\s]*)`/g)];
    const missing = paths.map((m) => m[1]!).filter((p) => !existsSync(join(root, p)));
    expect(missing).toEqual([]);
  });

  it.each(docs)('%s: no reference to files the repository does not have', (file) => {
    expect(linksOf(read(file)).filter((t) => /PROTOCOL\.md|(^|\/)shared\//.test(t))).toEqual([]);
  });
});
