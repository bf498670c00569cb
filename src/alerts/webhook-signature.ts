import { createHmac } from 'node:crypto';

/**
 * `X-Bridge-Signature`: HMAC-SHA256 with ALERT_WEBHOOK_SECRET over `<timestamp>.<body>`, hex, with
 * a `sha256=` prefix. The timestamp inside the MAC lets a receiver refuse replays of old deliveries.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
