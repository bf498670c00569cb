// audit:export: every format parses back to the rows, hostile values are escaped (CSV formula
// injection, XML markup and control characters), filters select, pages join without gaps, and
// the writer waits for a slow reader instead of buffering.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { exportAuditEvents } from '../../src/audit/audit-export.js';
import { EXPORT_COLUMNS, csvCell, xmlEscape } from '../../src/audit/audit-export-formats.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/logging/logger.js';
import { createSecretBox } from '../../src/security/secret-box.js';
import { createFakeClock } from '../support/fake-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { testEnv } from '../support/test-env.js';
import { runCliInProcess } from '../support/in-process-cli.js';

let t: TestDb;
const clock = createFakeClock(Date.parse('2026-12-01T12:00:00Z'));
const config = loadConfig(testEnv());
const box = createSecretBox(config.encryptionKeys);
const cli = (argv: string[]) => runCliInProcess(argv, () => ({ config, db: t.db, box, clock }));

const HOSTILE = {
  actor: '=HYPERLINK("http://evil.example","x")',
  clientId: '+1+2',
  ip: '-3',
  userAgent: '@SUM(A1) <b>&amp;"quoted" \'single\'\u0001\u001f\u000b\uffff',
  route: '\tGET /rest/V1/orders',
  requestId: '\rrid',
  details: { note: 'a,"b"\r\nc', '<k>': '&\'"', ctl: 'x\u0008y' },
};

beforeAll(async () => {
  t = await createTestDb();
  const audit = createAuditLog({ db: t.db, clock, logger: createLogger({ level: 'silent' }) });
  await audit.record({
    type: 'gateway.call',
    outcome: 'success',
    status: 200,
    durationMs: 5,
    country: 'DE',
    ...HOSTILE,
  });
  clock.advance(60_000);
  // 2,500 more: three keyset pages.
  for (let i = 0; i < 2500; i++)
    await audit.record({
      type: i % 2 ? 'token.issued' : 'oauth.error',
      outcome: 'info',
      actor: `actor-${i % 5}`,
      clientId: `c${i % 3}`,
    });
  clock.advance(60_000);
  await audit.record({ type: 'consent.approved', outcome: 'success', actor: 'alice', details: { scopes: ['a'] } });
  await audit.flush();
});
afterAll(async () => t?.destroy());

/** RFC 4180 reader: quoted fields with doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') endCell();
    else if (ch === '\r' && text[i + 1] === '\n') {
      endCell();
      rows.push(row);
      row = [];
      i++;
    } else if (ch === '\n' || ch === '\r' || ch === '"') throw new Error(`bare ${JSON.stringify(ch)} at ${i}`);
    else cell += ch;
  }
  if (cell || row.length) throw new Error('last record without CRLF');
  return rows;
}

interface XmlEvent {
  id: string;
  fields: Record<string, string>;
}
const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/**
 * A strict little reader for the export's XML shape (no parser ships with node): the declaration,
 * one root, <event id="…"> holding leaf elements; every tag must close in order, text may hold only
 * the five entities and numeric references, and only characters XML 1.0 allows.
 */
function parseXml(text: string): XmlEvent[] {
  const decl = '<?xml version="1.0" encoding="UTF-8"?>\n';
  if (!text.startsWith(decl)) throw new Error('no XML declaration');
  const illegal = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.exec(text);
  if (illegal) throw new Error(`illegal character U+${illegal[0].codePointAt(0)!.toString(16)}`);
  const decode = (s: string) => {
    if (/[<>]/.test(s)) throw new Error(`raw markup character in ${JSON.stringify(s)}`);
    return s.replace(/&([^;]*);|&/g, (m, name: string | undefined) => {
      if (name === undefined) throw new Error('bare &');
      if (name in XML_ENTITIES) return XML_ENTITIES[name]!;
      const num = /^#(\d+)$/.exec(name);
      if (num) return String.fromCodePoint(Number(num[1]));
      throw new Error(`unknown entity ${m}`);
    });
  };
  let pos = decl.length;
  const stack: string[] = [];
  const events: XmlEvent[] = [];
  let current: XmlEvent | null = null;
  let openLeaf: { name: string; start: number } | null = null;
  while (pos < text.length) {
    const lt = text.indexOf('<', pos);
    if (lt < 0) {
      if (text.slice(pos).trim()) throw new Error('text after the root');
      break;
    }
    const between = text.slice(pos, lt);
    if (openLeaf === null && between.trim()) throw new Error(`stray text ${JSON.stringify(between)}`);
    const gt = text.indexOf('>', lt);
    const tag = text.slice(lt + 1, gt);
    const close = /^\/([a-z_]+)$/.exec(tag);
    const open = /^([a-z_]+)(?: id="([^"<&]*(?:&[a-z#0-9]+;[^"<&]*)*)")?$/.exec(tag);
    if (close) {
      if (stack.pop() !== close[1]) throw new Error(`</${close[1]}> closes nothing open`);
      if (openLeaf && openLeaf.name === close[1]) {
        current!.fields[close[1]!] = decode(text.slice(openLeaf.start, lt));
        openLeaf = null;
      } else if (close[1] === 'event') current = null;
    } else if (open) {
      if (openLeaf) throw new Error(`<${open[1]}> inside the leaf <${openLeaf.name}>`);
      stack.push(open[1]!);
      if (stack.length === 2) {
        if (open[1] !== 'event' || open[2] === undefined) throw new Error('expected <event id="…">');
        current = { id: decode(open[2]), fields: {} };
        events.push(current);
      } else if (stack.length === 3) openLeaf = { name: open[1]!, start: gt + 1 };
      else if (stack.length !== 1 || open[1] !== 'audit_events') throw new Error(`unexpected <${tag}>`);
    } else throw new Error(`malformed tag <${tag}>`);
    pos = gt + 1;
  }
  if (stack.length) throw new Error(`unclosed ${stack.join(' > ')}`);
  return events;
}

describe('audit:export', () => {
  it('csv: header, RFC 4180 quoting, formula cells neutralised, values intact otherwise', async () => {
    const r = await cli(['audit:export', '--format', 'csv']);
    expect(r.code, r.err).toBe(0);
    const rows = parseCsv(r.out);
    expect(rows[0]).toEqual([...EXPORT_COLUMNS]);
    expect(rows).toHaveLength(1 + 2502);
    const col = (name: string) => EXPORT_COLUMNS.indexOf(name as (typeof EXPORT_COLUMNS)[number]);
    const hostile = rows[1]!;
    expect(hostile[col('actor')]).toBe(`'${HOSTILE.actor}`);
    expect(hostile[col('client_id')]).toBe(`'${HOSTILE.clientId}`);
    expect(hostile[col('ip')]).toBe(`'${HOSTILE.ip}`);
    expect(hostile[col('user_agent')]).toBe(`'${HOSTILE.userAgent}`);
    expect(hostile[col('route')]).toBe(`'${HOSTILE.route}`);
    expect(hostile[col('request_id')]).toBe(`'${HOSTILE.requestId}`);
    expect(JSON.parse(hostile[col('details')]!)).toEqual(HOSTILE.details);
    expect(hostile[col('key')]).toBe('gateway.call');
    expect(hostile[col('status')]).toBe('200');
    expect(hostile[col('seq')]).toBe('1');
    expect(hostile[col('hash')]).toMatch(/^[0-9a-f]{64}$/);
    expect(rows.slice(1).every((row) => row.length === EXPORT_COLUMNS.length)).toBe(true);
  });

  it('csvCell and xmlEscape, case by case', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('@x')).toBe("'@x");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe(`"'\rx"`);
    expect(csvCell('-1,2')).toBe(`"'-1,2"`);
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('a\nb')).toBe('"a\nb"');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(null)).toBe('');
    expect(xmlEscape(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
    expect(xmlEscape('a\u0000b\u001bc\ud800d\ufffee\r')).toBe('a\ufffdb\ufffdc\ufffdd\ufffde&#13;');
    expect(xmlEscape('😀 é')).toBe('😀 é');
  });

  it('json: one array that parses back to the rows, oldest first, no row twice across pages', async () => {
    const r = await cli(['audit:export', '--format', 'json']);
    expect(r.code, r.err).toBe(0);
    const events = JSON.parse(r.out) as Record<string, unknown>[];
    expect(events).toHaveLength(2502);
    const ids = events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(events[0]!)).toEqual([...EXPORT_COLUMNS]);
    expect(events[0]).toMatchObject({
      key: 'gateway.call',
      actor: HOSTILE.actor,
      user_agent: HOSTILE.userAgent,
      details: HOSTILE.details,
      status: 200,
      duration_ms: 5,
      country: 'DE',
      seq: 1,
    });
    const stored = await t.db('audit_events').orderBy('id').first();
    expect(events[0]).toMatchObject({ id: String(stored.id), hash: stored.hash, chain_id: stored.chain_id });
  });

  it('jsonl: one object per line', async () => {
    const r = await cli(['audit:export', '--format', 'jsonl', '--key', 'consent.approved']);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ actor: 'alice', details: { scopes: ['a'] } }),
    ]);
  });

  it('xml: well-formed, every value escaped, control characters replaced', async () => {
    const r = await cli(['audit:export', '--format', 'xml']);
    expect(r.code, r.err).toBe(0);
    const events = parseXml(r.out);
    expect(events).toHaveLength(2502);
    const first = events[0]!.fields;
    expect(first.actor).toBe(HOSTILE.actor);
    expect(first.route).toBe(HOSTILE.route);
    expect(first.request_id).toBe(HOSTILE.requestId);
    expect(first.user_agent).toBe('@SUM(A1) <b>&amp;"quoted" \'single\'\ufffd\ufffd\ufffd\ufffd');
    // The details JSON escapes its control characters itself (\b, \u0001): lossless through XML.
    expect(JSON.parse(first.details!)).toEqual(HOSTILE.details);
    expect(first.grant_id).toBeUndefined(); // null: no element
    expect(['\u0001', '\u0008', '\u000b', '\u001f'].filter((c) => r.out.includes(c))).toEqual([]);
    // The reader is strict: raw markup, a bare ampersand or an unclosed element is refused.
    expect(() => parseXml(r.out.replace('&lt;b&gt;', '<b>'))).toThrow(/inside the leaf/);
    expect(() => parseXml(r.out.replace('&quot;quoted', '&quoted'))).toThrow(/entity/);
    expect(() => parseXml(r.out.replace('</audit_events>', ''))).toThrow(/unclosed/);
  });

  it('filters: --key (or --type), --client, --actor, --since, --until', async () => {
    const count = async (args: string[]) => {
      const r = await cli(['audit:export', '--format', 'jsonl', ...args]);
      expect(r.code, r.err).toBe(0);
      return r.out ? r.out.trimEnd().split('\n').length : 0;
    };
    expect(await count(['--key', 'token.issued'])).toBe(1250);
    expect(await count(['--type', 'token.issued', '--client', 'c1'])).toBe(417);
    expect(await count(['--actor', 'actor-3', '--key', 'oauth.error'])).toBe(250);
    expect(await count(['--since', '2026-12-01T12:01:00Z'])).toBe(2501);
    expect(await count(['--since', '2026-12-01T12:01:00Z', '--until', '2026-12-01T12:02:00Z'])).toBe(2500);
    const listed = await cli(['audit:list', '--key', 'consent.approved', '--json']);
    expect(JSON.parse(listed.out)).toEqual([expect.objectContaining({ type: 'consent.approved', actor: 'alice' })]);
    expect((await cli(['audit:list', '--key', 'token.issued', '--type', 'oauth.error'])).code).toBe(2);
    expect((await cli(['audit:export', '--format', 'yaml'])).code).toBe(2);
    expect((await cli(['audit:export', '--key', 'token.issued'])).code).toBe(2);
    expect((await cli(['audit:export', '--format', 'csv', '--key', 'nope'])).err).toMatch(/unknown --type "nope"/);
  });

  it('waits for a slow reader (write() false → drain) and stops when the reader goes away', async () => {
    let writesWhileFull = 0;
    let writes = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(_chunk, _enc, done) {
        setTimeout(done, 2);
      },
    });
    const write = slow.write.bind(slow);
    slow.write = ((chunk: unknown, ...rest: never[]) => {
      writes++;
      if (slow.writableNeedDrain) writesWhileFull++;
      return write(chunk as string, ...rest);
    }) as typeof slow.write;
    await exportAuditEvents(t.db, {}, 'csv', slow);
    expect(writes).toBeGreaterThan(3);
    expect(writesWhileFull).toBe(0);

    const gone = new Writable({ highWaterMark: 1024, write: () => undefined }); // never drains
    const exporting = exportAuditEvents(t.db, {}, 'json', gone);
    setTimeout(() => gone.destroy(), 50);
    await expect(exporting).rejects.toThrow(/closed before the export finished/);
  });
});
