import type { Context } from 'koa';
import type { RenderPage } from '../kit/view-renderer.js';

/** The console's sections, in the order of the navigation. */
export const CONSOLE_SECTIONS = [
  { href: '/admin', label: 'Overview' },
  { href: '/admin/apps', label: 'Apps' },
  { href: '/admin/grants', label: 'Grants' },
  { href: '/admin/links', label: 'Store link' },
  { href: '/admin/admins', label: 'Admins' },
  { href: '/admin/audit', label: 'Audit' },
  { href: '/admin/alerts', label: 'Alerts' },
  { href: '/admin/doctor', label: 'Diagnostics' },
  { href: '/admin/passkeys', label: 'Passkeys' },
] as const;

export interface ConsoleNav {
  username: string;
  role: string;
  owner: boolean;
  csrfToken: string;
  idleMinutes: number;
  expiresAt: string;
  sections: { href: string; label: string; current: boolean }[];
}

/**
 * The renderer of console pages: a signed-in page gets the navigation, who is signed in (role,
 * session ends) and the console's script (copy buttons). Pages pass only their own model.
 */
export function consoleRenderer(render: RenderPage, opts: { idleMinutes: number }): RenderPage {
  return (ctx: Context, view, model, status) => {
    const c = ctx.state.console;
    if (!c) return render(ctx, view, model, status);
    const current = CONSOLE_SECTIONS.filter((s) => ctx.path === s.href || ctx.path.startsWith(`${s.href}/`)).pop();
    const consoleNav: ConsoleNav = {
      username: c.username,
      role: c.role,
      owner: c.role === 'owner',
      csrfToken: c.session.csrfToken,
      idleMinutes: opts.idleMinutes,
      expiresAt: c.session.expiresAt.toISOString(),
      sections: CONSOLE_SECTIONS.map((s) => ({ ...s, current: s === current })),
    };
    const scripts = [...(model.scripts ?? []), '/assets/console.js'];
    // `owner` at the top of every model: templates show write controls only to owners.
    return render(ctx, view, { owner: consoleNav.owner, ...model, consoleNav, scripts }, status);
  };
}
