import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEWS_DIR } from '../../src/pages/kit/view-renderer.js';
import type { TestServer } from '../support/test-server.js';
import { Browser, authorizationUrl, createClient, startInteractionServer } from '../support/page-flows.js';

const css = readFileSync(join(VIEWS_DIR, 'assets', 'app.css'), 'utf8');

function cssVariable(name: string): string {
  const m = new RegExp(`--${name}:\\s*(#[0-9a-fA-F]{6})\\b`).exec(css);
  if (!m) throw new Error(`--${name} is not a #rrggbb colour in app.css`);
  return m[1]!;
}

/** WCAG 2.x relative luminance and contrast ratio. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5]
    .map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
};

describe('focus ring contrast (WCAG 2.2 non-text contrast, 3:1)', () => {
  it('the contrast helper matches known values', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#ffbf47', '#ffffff')).toBeCloseTo(1.64, 2);
  });

  it('--focus reaches 3:1 against the card surface and the page background', () => {
    const focus = cssVariable('focus');
    expect(contrast(focus, cssVariable('surface'))).toBeGreaterThanOrEqual(3);
    expect(contrast(focus, cssVariable('bg'))).toBeGreaterThanOrEqual(3);
  });

  it('every focus outline uses --focus (no translucent ring)', () => {
    const outlines = [...css.matchAll(/:focus[^{]*\{[^}]*outline:\s*([^;]+);/g)].map((m) => m[1]!.trim());
    expect(outlines.length).toBeGreaterThanOrEqual(2);
    for (const o of outlines) expect(o).toBe('3px solid var(--focus)');
  });
});

describe('branding: the product’s own name and the store’s (BRAND_NAME), nothing imitating Magento', () => {
  let s: TestServer;
  let clientId: string;
  beforeAll(async () => {
    s = await startInteractionServer({ BRAND_NAME: 'Acme Outdoor' });
    ({ clientId } = await createClient(s));
  });
  afterAll(() => s.close());

  it('the sign-in page names the product and the store', async () => {
    const page = await new Browser(s.baseUrl).go('GET', authorizationUrl(s, clientId).url);
    expect(page.status).toBe(200);
    expect(page.html).toContain('<title>Sign in · Store Access Bridge for Acme Outdoor</title>');
    expect(page.html).toMatch(
      /<span class="brand-name">Store Access Bridge<\/span><span class="brand-sub"><span class="visually-hidden">for <\/span>Acme Outdoor<\/span>/,
    );
    expect(page.html).not.toMatch(/Magento OAuth/i);
  });

  it('the stylesheet carries no Magento orange', () => {
    expect(css.toLowerCase()).not.toContain('#f26322');
    expect(css).not.toMatch(/Magento OAuth/);
  });
});
