/** One measured point of the growth bench. */
export interface GrowthPoint {
  readonly store: 'redis' | 'postgres';
  readonly members: number;
  readonly operationsPerSecond: number;
  readonly cpuPercent: number;
  readonly bytesPerSecond: number;
  /** Heartbeats each member achieved per second in the window (2 at the default 500 ms interval). */
  readonly beatsPerMemberPerSecond: number;
  readonly joinVisibleMs: number;
  readonly crashDetectedMs: number;
  readonly shardMovesPerJoin: number;
}

interface Panel {
  readonly title: string;
  readonly value: (point: GrowthPoint) => number;
  /** Stores drawn in this panel. */
  readonly stores: readonly GrowthPoint['store'][];
}

const PANELS: readonly Panel[] = [
  {
    title: 'store operations / s (Redis commands, Postgres transactions)',
    value: (p) => p.operationsPerSecond,
    stores: ['redis', 'postgres'],
  },
  { title: 'store CPU, % of one core', value: (p) => p.cpuPercent, stores: ['redis', 'postgres'] },
  { title: 'Redis bytes / s (in + out), KB', value: (p) => p.bytesPerSecond / 1024, stores: ['redis'] },
  {
    title: 'crash detected, ms (target ≤ 3000)',
    value: (p) => p.crashDetectedMs,
    stores: ['redis', 'postgres'],
  },
];
const COLOURS = { redis: '#c0392b', postgres: '#2471a3' } as const;
/** Below this many heartbeats per member per second (2 expected), the driver process did not keep the pace. */
export const DRIVER_PACE_FLOOR = 1.8;

function driverBehind(point: GrowthPoint): boolean {
  return point.beatsPerMemberPerSecond < DRIVER_PACE_FLOOR;
}
const WIDTH = 440;
const HEIGHT = 260;
const MARGIN = { left: 64, right: 16, top: 34, bottom: 40 };

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((m) => m >= value / 1) ?? 10 * magnitude;
  return step;
}

function format(value: number): string {
  if (value >= 10_000) return `${Math.round(value / 1000)}k`;
  if (value >= 1000) return `${(value / 1000).toFixed(1)}k`;
  return value >= 10 ? String(Math.round(value)) : value.toFixed(1);
}

function panel(points: readonly GrowthPoint[], spec: Panel, x0: number, y0: number): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const ns = [...new Set(points.map((p) => p.members))].sort((a, b) => a - b);
  const maxN = Math.max(...ns);
  const inPanel = points.filter((p) => spec.stores.includes(p.store));
  // Points where the driver fell behind are drawn hollow, outside the curve and the scale: they measure the
  // driver's churn (members expiring and re-joining), not the store's growth.
  const shown = inPanel.filter((p) => !driverBehind(p));
  const behind = inPanel.filter(driverBehind);
  const maxY = niceMax(Math.max(...(shown.length > 0 ? shown : inPanel).map(spec.value)) * 1.1);
  const x = (n: number): number => x0 + MARGIN.left + (n / maxN) * plotW;
  const y = (v: number): number => y0 + MARGIN.top + plotH - (v / maxY) * plotH;
  const parts: string[] = [
    `<text x="${x0 + MARGIN.left}" y="${y0 + 20}" font-size="13" font-weight="bold">${spec.title}</text>`,
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(maxN)}" y2="${y(0)}" stroke="#555"/>`,
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(0)}" y2="${y(maxY)}" stroke="#555"/>`,
  ];
  for (const fraction of [0.25, 0.5, 0.75, 1]) {
    const v = maxY * fraction;
    parts.push(
      `<line x1="${x(0)}" y1="${y(v)}" x2="${x(maxN)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${x(0) - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${format(v)}</text>`,
    );
  }
  for (const n of ns) {
    parts.push(`<text x="${x(n)}" y="${y(0) + 16}" font-size="11" text-anchor="middle">${n}</text>`);
  }
  parts.push(`<text x="${x(maxN / 2)}" y="${y(0) + 32}" font-size="11" text-anchor="middle">members</text>`);
  for (const store of spec.stores) {
    const series = shown.filter((p) => p.store === store).sort((a, b) => a.members - b.members);
    if (series.length === 0) continue;
    const path = series.map((p) => `${x(p.members).toFixed(1)},${y(spec.value(p)).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${COLOURS[store]}" stroke-width="2" points="${path}"/>`);
    for (const p of series) {
      parts.push(
        `<circle cx="${x(p.members).toFixed(1)}" cy="${y(spec.value(p)).toFixed(1)}" r="3" fill="${COLOURS[store]}"/>`,
      );
    }
    for (const p of behind.filter((b) => b.store === store)) {
      const value = spec.value(p);
      const cy = y(Math.min(value, maxY)).toFixed(1);
      parts.push(
        `<circle cx="${x(p.members).toFixed(1)}" cy="${cy}" r="4" fill="white" stroke="${COLOURS[store]}" stroke-width="2"/>`,
        `<text x="${x(p.members) - 8}" y="${Number(cy) + 4}" font-size="10" text-anchor="end" fill="${COLOURS[store]}">${value > maxY ? '↑ ' : ''}${format(value)}</text>`,
      );
    }
    // Linear growth from the smallest measured point, for comparison.
    const first = series[0];
    const slope = spec.value(first) / first.members;
    if (spec.title.startsWith('crash')) continue;
    const linear = series.map(
      (p) => `${x(p.members).toFixed(1)},${y(Math.min(maxY, slope * p.members)).toFixed(1)}`,
    );
    parts.push(
      `<polyline fill="none" stroke="${COLOURS[store]}" stroke-width="1" stroke-dasharray="4 3" opacity="0.6" points="${linear.join(' ')}"/>`,
    );
  }
  return parts.join('\n');
}

/**
 * An SVG chart of the growth bench: one panel per metric against the number of members, one line per store, with a
 * dashed line of linear growth from the smallest N for comparison.
 */
export function growthChart(points: readonly GrowthPoint[], caption: string): string {
  const cols = 2;
  const rows = Math.ceil(PANELS.length / cols);
  const width = WIDTH * cols;
  const height = HEIGHT * rows + 74;
  const body = PANELS.map((spec, i) =>
    panel(points, spec, (i % cols) * WIDTH, Math.floor(i / cols) * HEIGHT),
  ).join('\n');
  const legendY = HEIGHT * rows + 22;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    body,
    `<rect x="64" y="${legendY - 9}" width="14" height="4" fill="${COLOURS.redis}"/><text x="84" y="${legendY}" font-size="12">Redis store</text>`,
    `<rect x="184" y="${legendY - 9}" width="14" height="4" fill="${COLOURS.postgres}"/><text x="204" y="${legendY}" font-size="12">Postgres store</text>`,
    `<text x="324" y="${legendY}" font-size="12">dashed: linear growth from N = smallest</text>`,
    `<text x="64" y="${legendY + 20}" font-size="11" fill="#444">hollow, off the curve: the driver fell behind (under ${DRIVER_PACE_FLOOR} heartbeats/member/s) — its churn, not the store's growth</text>`,
    `<text x="64" y="${legendY + 38}" font-size="11" fill="#444">${caption}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
