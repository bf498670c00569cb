import Router from '@koa/router';
import type { ConsolePage } from '../console-deps.js';
import { loadOverview, type OverviewDeps } from './overview-data.js';
import { presentOverview } from './present-overview.js';

/** The windows the overview offers (?days=). */
export const OVERVIEW_DAYS = [7, 30] as const;

/**
 * /admin, the console's home: tokens, gateway calls, failed sign-ins and alerts over the last 7 or
 * 30 days as SVG bar charts (each with its numbers as a table), store link health, secrets due.
 */
export function overviewPage(deps: OverviewDeps): ConsolePage {
  return (guard, render) => {
    const router = new Router();
    router.get('/admin', guard.signedIn, async (ctx) => {
      const asked = typeof ctx.query.days === 'string' ? ctx.query.days : '7';
      const days = OVERVIEW_DAYS.find((n) => String(n) === asked);
      const errors = days ? {} : { days: 'Choose 7 or 30 days.' };
      const data = await loadOverview(deps, days ?? 7);
      return render(
        ctx,
        'admin-home',
        { title: 'Overview', errors, ...presentOverview(data, days ?? 7) },
        days ? 200 : 400,
      );
    });
    return router;
  };
}
