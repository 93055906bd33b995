import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import type { Pivot } from './reports-model';

// Only what a bar chart needs, so the Reports chunk stays small (no chart.js/auto).
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.color = '#4b5563';

/** Colours that keep 3:1 against white; meaning is never colour alone (legend, tooltip, table). */
const PALETTE = [
  '#1d4ed8',
  '#c2410c',
  '#15803d',
  '#7c3aed',
  '#0e7490',
  '#be185d',
  '#4d7c0f',
  '#b91c1c',
  '#4b5563',
  '#a16207',
];
const NAMED: Record<string, string> = {
  Unassigned: '#6b7280',
  Pending: '#b45309',
  Rerouted: '#7c3aed',
  Accepted: '#15803d',
  Rejected: '#b91c1c',
  Open: '#1d4ed8',
  Contacted: '#0e7490',
  Nurture: '#a16207',
  Unqualified: '#6b7280',
  Opportunity: '#15803d',
  distributed: '#1d4ed8',
  registered: '#c2410c',
};

export const colourOf = (series: string, index: number): string =>
  NAMED[series] ?? PALETTE[index % PALETTE.length] ?? '#1d4ed8';

/** "Leads by source. API: distributed 10, registered 2; Manual: distributed 6. Total 18." — the chart in words. */
export function describePivot(
  title: string,
  p: Pivot,
  format: (n: number, col?: string) => string,
  withTotal = true,
): string {
  if (p.rows.length === 0) return `${title}: nothing in this range.`;
  const parts = p.rows.map((r) =>
    p.cols.length === 1
      ? `${r} ${format(p.rowTotal(r), p.cols[0])}`
      : `${r}: ${p.cols
          .filter((c) => p.cell(r, c) !== 0)
          .map((c) => `${c} ${format(p.cell(r, c), c)}`)
          .join(', ')}`,
  );
  return `${title}. ${parts.join('; ')}.${withTotal ? ` Total ${format(p.total)}.` : ''}`;
}

/**
 * A bar chart of a pivot: a bar per row, a (stacked) segment per column. The canvas is an
 * image to assistive technology, labelled with the same numbers in words; the table beside
 * it holds them too.
 */
export function BarChart(props: {
  pivot: Pivot;
  label: string;
  horizontal?: boolean;
  stacked?: boolean;
  format?: (n: number, col?: string) => string;
  /** The value axis' ticks (short: `$5K`); default `format`. */
  tick?: (n: number, col?: string) => string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { pivot: p, horizontal = false, stacked = true } = props;
  const format = props.format ?? ((n: number) => String(n));
  const tick = props.tick ?? format;
  useEffect(() => {
    if (!canvas.current) return;
    const reduced = matchMedia('(prefers-reduced-motion: reduce)').matches;
    const config: ChartConfiguration<'bar', number[], string> = {
      type: 'bar',
      data: {
        labels: p.rows,
        datasets: p.cols.map((col, i) => ({
          label: col,
          data: p.rows.map((r) => p.cell(r, col)),
          backgroundColor: colourOf(col, i),
          borderColor: '#ffffff',
          borderWidth: stacked && p.cols.length > 1 ? 1 : 0,
          maxBarThickness: 56,
        })),
      },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        responsive: true,
        maintainAspectRatio: false,
        ...(reduced ? { animation: false as const } : {}),
        scales: {
          [horizontal ? 'x' : 'y']: {
            stacked,
            beginAtZero: true,
            ticks: { precision: 0, callback: (v: string | number) => tick(Number(v), p.cols[0]) },
          },
          [horizontal ? 'y' : 'x']: { stacked },
        },
        plugins: {
          legend: { display: p.cols.length > 1, position: 'bottom' },
          tooltip: {
            callbacks: {
              label: (ctx) =>
                `${ctx.dataset.label ?? ''}: ${format(Number(horizontal ? ctx.parsed.x : ctx.parsed.y), ctx.dataset.label)}`,
            },
          },
        },
      },
    };
    const chart = new Chart(canvas.current, config);
    return () => chart.destroy();
  }, [p, horizontal, stacked]);
  const height = horizontal ? Math.max(160, p.rows.length * 34 + (p.cols.length > 1 ? 90 : 50)) : 280;
  return (
    <div class="chart" style={{ height: `${height}px` }}>
      <canvas ref={canvas} role="img" aria-label={props.label}>
        {props.label}
      </canvas>
    </div>
  );
}
