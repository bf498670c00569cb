/** One bar: its label (axis and table) and value. */
export interface BarInput {
  label: string;
  value: number;
}

export interface BarChartInput {
  /** Unique on the page: ids of the SVG's title and description. */
  id: string;
  title: string;
  /** What one bar counts ("tokens issued", "calls"): the table's value column and the description. */
  unit: string;
  bars: BarInput[];
  /** The table's first column ("Day", "App"). */
  labelHeading: string;
  /** Bars of the alternate colour (failures, refusals). */
  tone?: 'default' | 'alert';
  /** More numbers per bar for the table only (e.g. calls by status class), one row per bar. */
  extraColumns?: { headings: string[]; rows: number[][] };
}

export interface BarGeometry {
  x: number;
  y: number;
  width: number;
  height: number;
  label: string;
  value: number;
  /** The axis label under the bar, or null where labels would crowd (every bar has a <title>). */
  axisLabel: string | null;
  labelX: number;
}

export interface BarChartModel {
  id: string;
  title: string;
  description: string;
  unit: string;
  labelHeading: string;
  /** The table's value column heading ("Tokens issued"). */
  valueHeading: string;
  extraHeadings: string[];
  extraTotals: number[];
  /** Per bar: the extra table cells (empty when none). */
  bars: (BarGeometry & { extra: number[] })[];
  barClass: string;
  width: number;
  height: number;
  plot: { left: number; right: number; top: number; bottom: number };
  ticks: { value: number; y: number }[];
  total: number;
  empty: boolean;
}

const WIDTH = 640;
const HEIGHT = 200;
const PAD = { left: 48, right: 8, top: 14, bottom: 30 };
/** Room for one axis label, in viewBox units. */
const LABEL_ROOM = 56;
const AXIS_LABEL_CHARS = 10;
const MAX_BAR = 64;

/** The smallest 1, 2 or 5 × 10^n at or above `v` (a round top for the axis). */
export function niceCeiling(v: number): number {
  if (v <= 0) return 1;
  const pow = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * pow >= v) return Math.max(1, m * pow);
  return 10 * pow;
}

/**
 * Geometry of a server-rendered SVG bar chart (views/partials/bar-chart.ejs): bar rectangles in a
 * fixed viewBox, axis ticks at 0, half and the top, and labels thinned to what fits. Integers only
 * in the values; coordinates rounded to 0.1.
 */
export function presentBarChart(input: BarChartInput): BarChartModel {
  const plot = { left: PAD.left, right: WIDTH - PAD.right, top: PAD.top, bottom: HEIGHT - PAD.bottom };
  const plotW = plot.right - plot.left;
  const plotH = plot.bottom - plot.top;
  const n = input.bars.length;
  const max = Math.max(0, ...input.bars.map((b) => b.value));
  const top = niceCeiling(max);
  const slot = n ? plotW / n : plotW;
  // Few bars stay bars, not slabs.
  const barW = Math.max(1, Math.min(slot * 0.7, MAX_BAR));
  const every = Math.max(1, Math.ceil(LABEL_ROOM / slot));
  const r = (v: number) => Math.round(v * 10) / 10;
  const bars = input.bars.map((b, i) => {
    // A non-zero value stays visible, however small next to the top.
    const h = b.value > 0 ? Math.max(1.5, (b.value / top) * plotH) : 0;
    const x = plot.left + i * slot + (slot - barW) / 2;
    const short = b.label.length > AXIS_LABEL_CHARS ? `${b.label.slice(0, AXIS_LABEL_CHARS - 1)}…` : b.label;
    return {
      x: r(x),
      y: r(plot.bottom - h),
      width: r(barW),
      height: r(h),
      label: b.label,
      value: b.value,
      // Keep the last label (today) too when thinning.
      axisLabel: i % every === 0 || (i === n - 1 && n > 1 && (n - 1) % every >= every / 2) ? short : null,
      labelX: r(x + barW / 2),
      extra: input.extraColumns?.rows[i] ?? [],
    };
  });
  const total = input.bars.reduce((s, b) => s + b.value, 0);
  const ticks = (top === 1 ? [0, 1] : [0, top / 2, top]).map((value) => ({
    value,
    y: r(plot.bottom - (value / top) * plotH),
  }));
  return {
    id: input.id,
    title: input.title,
    description: n
      ? `${total} ${input.unit} in all; the highest bar is ${max}. The same numbers are in the table below.`
      : `No ${input.unit}.`,
    unit: input.unit,
    labelHeading: input.labelHeading,
    valueHeading: input.unit.charAt(0).toUpperCase() + input.unit.slice(1),
    extraHeadings: input.extraColumns?.headings ?? [],
    extraTotals: (input.extraColumns?.headings ?? []).map((_, c) => bars.reduce((s, b) => s + (b.extra[c] ?? 0), 0)),
    barClass: input.tone === 'alert' ? 'bar bar-alt' : 'bar',
    width: WIDTH,
    height: HEIGHT,
    plot,
    bars,
    ticks,
    total,
    empty: n === 0,
  };
}
