import { createHash, randomBytes } from 'node:crypto';

/**
 * The audit trail's hash chain. Every writer appends to a chain of its own (one per process start,
 * so instances never coordinate): row n stores prev_hash = hash of row n-1 (or the chain's genesis
 * value) and hash = sha256(prev_hash, canonical content). Editing a row breaks its hash; deleting
 * one leaves a seq gap; splicing rows breaks the next prev_hash.
 */

/** Every stored column the hash covers: all but id and hash (prev_hash enters the hash on its own). */
export interface ChainContent {
  chain_id: string;
  seq: number | string;
  at: Date | string;
  type: string;
  outcome: string;
  actor: string | null;
  client_id: string | null;
  grant_id: string | null;
  ip: string | null;
  request_id: string | null;
  country: string | null;
  user_agent: string | null;
  route: string | null;
  status: number | null;
  duration_ms: number | null;
  /** The stored JSON: text as written, or the object PostgreSQL's jsonb hands back. */
  details: string | Record<string, unknown>;
}

export interface ChainLinks {
  chain_id: string;
  seq: number;
  prev_hash: string;
  hash: string;
}

/** Where a chain stands: the last row's seq and hash (seq 0 and the genesis value before the first). */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** Lower-case hex: a chain id is also a key in audit.pruned details, and snake_case JSON must keep it as is. */
export const newChainId = () => randomBytes(12).toString('hex');

export const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export const genesisHash = (chainId: string) => sha256Hex(`genesis:${chainId}`);

export const genesisHead = (chainId: string): ChainHead => ({ seq: 0, hash: genesisHash(chainId) });

/**
 * JSON with object keys sorted (by UTF-16 code unit) and no whitespace. PostgreSQL's jsonb stores
 * keys in its own order and normalises spacing, so the hash is taken over this form of the parsed
 * value, at write and at verify alike.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const parsedDetails = (d: ChainContent['details']): unknown => (typeof d === 'string' ? JSON.parse(d) : d);

/** The row's content in one canonical string: the same for the row as inserted and as read back. */
export function canonicalContent(row: ChainContent): string {
  return canonicalJson({
    chain_id: row.chain_id,
    seq: String(row.seq), // bigint: a string from pg, a number at write
    at: new Date(row.at).toISOString(),
    type: row.type,
    outcome: row.outcome,
    actor: row.actor ?? null,
    client_id: row.client_id ?? null,
    grant_id: row.grant_id ?? null,
    ip: row.ip ?? null,
    request_id: row.request_id ?? null,
    country: row.country ?? null,
    user_agent: row.user_agent ?? null,
    route: row.route ?? null,
    status: row.status ?? null,
    duration_ms: row.duration_ms ?? null,
    details: parsedDetails(row.details),
  });
}

export const rowHash = (prevHash: string, row: ChainContent) => sha256Hex(`${prevHash}\n${canonicalContent(row)}`);

/** Links `rows` onto the chain after `head`, in order; the head itself is left as it is. */
export function sealRows<R extends Omit<ChainContent, 'chain_id' | 'seq'>>(
  chainId: string,
  head: ChainHead,
  rows: readonly R[],
): (R & ChainLinks)[] {
  let { seq, hash } = head;
  return rows.map((row) => {
    seq += 1;
    const linked = { ...row, chain_id: chainId, seq, prev_hash: hash };
    hash = rowHash(linked.prev_hash, linked);
    return { ...linked, hash };
  });
}

type StandaloneRow = Pick<ChainContent, 'at' | 'type' | 'outcome' | 'details'> &
  Partial<Omit<ChainContent, 'chain_id' | 'seq'>>;

/**
 * A row written outside the batched writer, inside some other unit of work (the retention job's
 * delete, an alert's outbox row): a one-row chain of its own, so it verifies like any other row.
 */
export function sealStandalone(row: StandaloneRow) {
  const chainId = newChainId();
  const nulls = { actor: null, client_id: null, grant_id: null, ip: null, request_id: null, country: null };
  const full = { ...nulls, user_agent: null, route: null, status: null, duration_ms: null, ...row };
  return sealRows(chainId, genesisHead(chainId), [full])[0]!;
}
