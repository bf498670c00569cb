/** Times as the console's people pages show them: UTC to the minute, and ages in words. */
export function formatWhen(d: Date | string | null | undefined): string | null {
  if (!d) return null;
  const date = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(date.getTime())) return null;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "5 min", "3 h 12 min", "2 d 4 h": how long ago `since` was at `now`. */
export function formatAge(since: Date, now: number): string {
  const minutes = Math.max(0, Math.floor((now - since.getTime()) / 60_000));
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** The pair a template shows in a <time> element: machine value and words. */
export const timeOf = (d: Date | null | undefined) => (d ? { iso: d.toISOString(), text: formatWhen(d)! } : null);
