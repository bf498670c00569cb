import { canonicalJson } from './audit-chain.js';

export const EXPORT_FORMATS = ['csv', 'json', 'jsonl', 'xml'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The exported columns, in order (`key` is the event type). */
export const EXPORT_COLUMNS = [
  'id',
  'at',
  'key',
  'outcome',
  'actor',
  'client_id',
  'grant_id',
  'ip',
  'country',
  'user_agent',
  'route',
  'status',
  'duration_ms',
  'request_id',
  'details',
  'chain_id',
  'seq',
  'hash',
] as const;
type Column = (typeof EXPORT_COLUMNS)[number];

/** One exported row: details as the parsed object (JSON) or its canonical JSON text (CSV, XML). */
export type ExportRecord = Record<Exclude<Column, 'details'>, string | number | null> & {
  details: Record<string, unknown>;
};

/** A format: what comes before the first row, each row (with its index), and after the last. */
export interface ExportFormatter {
  contentType: string;
  head: string;
  row(record: ExportRecord, index: number): string;
  tail: string;
}

const cellText = (r: ExportRecord, c: Column): string | null => {
  if (c === 'details') return canonicalJson(r.details);
  const v = r[c];
  return v === null ? null : String(v);
};

// A spreadsheet runs a cell beginning with one of these as a formula (CSV injection): a leading
// apostrophe makes it text.
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | null): string {
  if (value === null) return '';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csv: ExportFormatter = {
  contentType: 'text/csv; charset=utf-8',
  head: EXPORT_COLUMNS.join(',') + '\r\n', // RFC 4180: CRLF after every record
  row: (r) => EXPORT_COLUMNS.map((c) => csvCell(cellText(r, c))).join(',') + '\r\n',
  tail: '',
};

const json: ExportFormatter = {
  contentType: 'application/json; charset=utf-8',
  head: '[',
  row: (r, i) => (i ? ',\n' : '\n') + JSON.stringify(r),
  tail: '\n]\n',
};

const jsonl: ExportFormatter = {
  contentType: 'application/x-ndjson; charset=utf-8',
  head: '',
  row: (r) => JSON.stringify(r) + '\n',
  tail: '',
};

// XML 1.0 allows only these characters, even escaped: the rest (control characters, lone
// surrogates, U+FFFE/FFFF) become U+FFFD.
const XML_ILLEGAL = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#13;', // a parser turns a literal CR into LF
  '\t': '&#9;', // and, in an attribute, a tab or LF into a space
  '\n': '&#10;',
};

/** Text or attribute value, escaped; illegal characters replaced. */
export function xmlEscape(value: string): string {
  return value.replace(XML_ILLEGAL, '\uFFFD').replace(/[&<>"'\r\t\n]/g, (c) => XML_ESCAPES[c]!);
}

const xml: ExportFormatter = {
  contentType: 'application/xml; charset=utf-8',
  head: '<?xml version="1.0" encoding="UTF-8"?>\n<audit_events>\n',
  row: (r) => {
    const fields = EXPORT_COLUMNS.filter((c) => c !== 'id')
      .map((c) => [c, cellText(r, c)] as const)
      .filter(([, v]) => v !== null) // a missing element is a null column
      .map(([c, v]) => `<${c}>${xmlEscape(v!)}</${c}>`);
    return `<event id="${xmlEscape(String(r.id))}">${fields.join('')}</event>\n`;
  },
  tail: '</audit_events>\n',
};

export const EXPORT_FORMATTERS: Record<ExportFormat, ExportFormatter> = { csv, json, jsonl, xml };
