import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db } from '../db/create-db.js';
import { newCsrfToken } from '../security/csrf.js';

export interface ConsoleSession {
  adminId: string;
  stage: 'password_ok' | 'active';
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** The absolute end; the idle end is lastSeenAt + the idle timeout. */
  expiresAt: Date;
  idleExpiresAt: Date;
}

/** A signed-in console session as an admin page lists it: never the cookie value or its hash. */
export interface ConsoleSessionInfo {
  /** Names the session in forms (a hash of the stored hash: useless as a cookie or a lookup key elsewhere). */
  ref: string;
  adminId: string;
  ip: string | null;
  country: string | null;
  userAgent: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

export interface ConsoleSessions {
  /** A new session (its cookie value is returned once; only its hash is stored). */
  create(
    adminId: string,
    stage: ConsoleSession['stage'],
    seen: { ip: string | null; country: string | null; userAgent: string | null },
  ): Promise<{ token: string; session: ConsoleSession }>;
  /** The live session for a cookie value (idle and absolute timeouts applied), touching it. */
  find(token: string | undefined): Promise<ConsoleSession | null>;
  end(token: string): Promise<void>;
  endForAdmin(adminId: string): Promise<number>;
  /** Signed-in (active, unexpired) sessions, newest first; only `adminId`'s when given. */
  list(filter?: { adminId?: string }): Promise<ConsoleSessionInfo[]>;
  /** Ends the session `ref` names (of `adminId` when given); false when there is none. */
  endByRef(ref: string, filter?: { adminId?: string }): Promise<boolean>;
  /** The `ref` of the session behind a cookie value (to mark "this session" in a list). */
  refOf(token: string): string;
}

const TABLE = 'admin_console_sessions';
const hash = (token: string) => createHash('sha256').update(token).digest('hex');
const refOfHash = (idHash: string) =>
  createHash('sha256').update(`console-session-ref:${idHash}`).digest('base64url').slice(0, 22);
/** A session touched more often than this is not rewritten on every page. */
const TOUCH_EVERY_MS = 60_000;
/** Between the password and the code: a few minutes, not the console's idle timeout. */
const PENDING_TTL_MS = 10 * 60_000;

/** The admin console's sessions: server-side rows, cookie value hashed, idle and absolute timeouts. */
export function createConsoleSessions(deps: {
  db: Db;
  clock: Clock;
  idleMinutes: number;
  absoluteHours: number;
}): ConsoleSessions {
  const { db, clock } = deps;
  const idleMs = deps.idleMinutes * 60_000;

  function toSession(r: Record<string, unknown>): ConsoleSession {
    const lastSeenAt = new Date(r.last_seen_at as string);
    return {
      adminId: r.admin_id as string,
      stage: r.stage as ConsoleSession['stage'],
      csrfToken: r.csrf_token as string,
      createdAt: new Date(r.created_at as string),
      lastSeenAt,
      expiresAt: new Date(r.expires_at as string),
      idleExpiresAt: new Date(lastSeenAt.getTime() + idleMs),
    };
  }

  return {
    async create(adminId, stage, seen) {
      const token = randomBytes(32).toString('base64url');
      const now = clock.now();
      const row = {
        id_hash: hash(token),
        admin_id: adminId,
        stage,
        csrf_token: newCsrfToken(),
        created_at: new Date(now),
        last_seen_at: new Date(now),
        expires_at: new Date(now + (stage === 'active' ? deps.absoluteHours * 3600_000 : PENDING_TTL_MS)),
        ip: seen.ip,
        country: seen.country,
        user_agent: seen.userAgent?.slice(0, 512) ?? null,
      };
      await db(TABLE).insert(row);
      return { token, session: toSession(row) };
    },
    async find(token) {
      if (!token || token.length > 100) return null;
      const r = await db(TABLE)
        .where({ id_hash: hash(token) })
        .first();
      if (!r) return null;
      const s = toSession(r);
      const now = clock.now();
      if (s.expiresAt.getTime() <= now || s.idleExpiresAt.getTime() <= now) {
        await db(TABLE)
          .where({ id_hash: hash(token) })
          .delete();
        return null;
      }
      if (now - s.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
        await db(TABLE)
          .where({ id_hash: hash(token) })
          .update({ last_seen_at: new Date(now) });
        return { ...s, lastSeenAt: new Date(now), idleExpiresAt: new Date(now + idleMs) };
      }
      return s;
    },
    async end(token) {
      await db(TABLE)
        .where({ id_hash: hash(token) })
        .delete();
    },
    async endForAdmin(adminId) {
      return (await db(TABLE).where({ admin_id: adminId }).delete(['id_hash'])).length;
    },
    async list(filter = {}) {
      const now = clock.now();
      const q = db(TABLE)
        .where({ stage: 'active' })
        .where('expires_at', '>', new Date(now))
        .where('last_seen_at', '>', new Date(now - idleMs))
        .orderBy('created_at', 'desc');
      if (filter.adminId) q.where({ admin_id: filter.adminId });
      return (await q).map((r: Record<string, unknown>) => ({
        ref: refOfHash(r.id_hash as string),
        adminId: r.admin_id as string,
        ip: (r.ip as string | null) ?? null,
        country: (r.country as string | null) ?? null,
        userAgent: (r.user_agent as string | null) ?? null,
        createdAt: new Date(r.created_at as string),
        lastSeenAt: new Date(r.last_seen_at as string),
        expiresAt: new Date(r.expires_at as string),
      }));
    },
    async endByRef(ref, filter = {}) {
      const q = db(TABLE).select('id_hash');
      if (filter.adminId) q.where({ admin_id: filter.adminId });
      const match = (await q).find((r: { id_hash: string }) => refOfHash(r.id_hash) === ref);
      if (!match) return false;
      await db(TABLE).where({ id_hash: match.id_hash }).delete();
      return true;
    },
    refOf(token) {
      return refOfHash(hash(token));
    },
  };
}
