import type { Context } from 'koa';

/**
 * `__Host-` in production: the browser then insists on Secure, Path=/ and no Domain, so no other
 * host or path can set or shadow it. SameSite=Strict: no cross-site request carries it.
 */
export function consoleCookie(production: boolean) {
  const name = production ? '__Host-bridge_admin' : 'bridge_admin';
  const options = { httpOnly: true, sameSite: 'strict' as const, secure: production, path: '/', overwrite: true };
  return {
    name,
    get: (ctx: Context) => ctx.cookies.get(name) ?? undefined,
    set: (ctx: Context, value: string) => ctx.cookies.set(name, value, options),
    clear: (ctx: Context) => ctx.cookies.set(name, null, options),
  };
}

/** The sign-in form's CSRF token before any session exists: a signed cookie echoed by the form. */
export function preSessionCsrf(production: boolean) {
  const name = production ? '__Host-bridge_admin_csrf' : 'bridge_admin_csrf';
  const options = { httpOnly: true, sameSite: 'strict' as const, secure: production, path: '/', signed: true };
  return {
    get: (ctx: Context) => ctx.cookies.get(name, { signed: true }) ?? undefined,
    set: (ctx: Context, value: string) => ctx.cookies.set(name, value, { ...options, overwrite: true }),
  };
}
