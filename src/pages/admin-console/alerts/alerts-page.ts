import Router from '@koa/router';
import type { AlertsService } from '../../../alerts/alerts-service.js';
import { formBody } from '../../../security/form-body.js';
import type { ConsolePage } from '../console-deps.js';
import { presentAlerts } from './present-alerts.js';

/** Fixed sentences for ?done= (nothing from the query is ever shown). */
const DONE: Record<string, string> = {
  acknowledged: 'Alert acknowledged. It left the open list; the audit trail keeps it.',
};

/**
 * /admin/alerts: open alerts (one row per incident), acknowledging one (owners; not destructive,
 * so no step-up: the alert stays in the outbox and the trail), and the webhook's delivery status.
 */
export function alertsPage(deps: { alerts: AlertsService }): ConsolePage {
  const { alerts } = deps;
  return (guard, render) => {
    const router = new Router();
    router.get('/admin/alerts', guard.signedIn, async (ctx) => {
      const [open, delivery] = await Promise.all([alerts.open(), alerts.deliveryStatus()]);
      const done = typeof ctx.query.done === 'string' ? (DONE[ctx.query.done] ?? null) : null;
      return render(ctx, 'admin-alerts', {
        title: 'Alerts',
        notice: done,
        csrfToken: ctx.state.console!.session.csrfToken,
        ...presentAlerts(open, delivery),
      });
    });
    router.post(
      '/admin/alerts/:id/acknowledge',
      formBody(),
      guard.signedIn,
      guard.sessionCsrf,
      guard.ownerOnly,
      async (ctx) => {
        const ok = await alerts.acknowledge(ctx.params.id!, ctx.state.console!.username);
        if (!ok)
          return render(
            ctx,
            'admin-message',
            {
              title: 'No such open alert',
              text: 'It was acknowledged already, or it does not exist.',
              back: '/admin/alerts',
            },
            404,
          );
        ctx.status = 303;
        ctx.redirect('/admin/alerts?done=acknowledged');
      },
    );
    return router;
  };
}
