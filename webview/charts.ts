/**
 * The panel's bar charts (chart.js, bundled; only the pieces used are registered). Colours come from
 * VS Code's `--vscode-*` CSS variables and are re-read when the theme changes.
 */
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip, type ChartConfiguration, type ChartType, type Plugin } from 'chart.js';
import type { ChartId } from '../src/shared/messages';
import { formatCount } from '../src/shared/format';
import { percent } from '../src/shared/summaryFormat';

declare module 'chart.js' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface PluginOptionsByType<TType extends ChartType> {
    valueLabels?: { colour?: string };
  }
}

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

export interface ChartSpec {
  labels: string[];
  values: number[];
  /** "instances", "series": what a value counts (tooltips). */
  unit: string;
  /** x-axis title, e.g. "mm". */
  xTitle?: string;
}

export interface ThemeColours {
  fg: string;
  muted: string;
  grid: string;
  bg: string;
  bars: string[];
  border: string;
  font: string;
  highContrast: boolean;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  return style.getPropertyValue(name).trim() || fallback;
}

export function readColours(): ThemeColours {
  const s = getComputedStyle(document.body);
  const fg = cssVar(s, '--vscode-charts-foreground', cssVar(s, '--vscode-foreground', '#616161'));
  const highContrast = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  return {
    fg,
    muted: cssVar(s, '--vscode-descriptionForeground', fg),
    grid: cssVar(s, '--vscode-charts-lines', 'rgba(128, 128, 128, 0.35)'),
    bg: cssVar(s, '--vscode-editor-background', '#ffffff'),
    bars: [
      cssVar(s, '--vscode-charts-blue', '#1a85ff'),
      cssVar(s, '--vscode-charts-purple', '#b180d7'),
      cssVar(s, '--vscode-charts-green', '#388a34'),
      cssVar(s, '--vscode-charts-orange', '#d18616'),
      cssVar(s, '--vscode-charts-yellow', '#bf8803'),
      cssVar(s, '--vscode-charts-red', '#e51400'),
    ],
    border: highContrast ? cssVar(s, '--vscode-contrastBorder', fg) : 'transparent',
    font: cssVar(s, '--vscode-font-family', 'system-ui, sans-serif'),
    highContrast,
  };
}

/** Draws each bar's value above it (skipped where the labels would not fit side by side). */
const valueLabels: Plugin<'bar'> = {
  id: 'valueLabels',
  afterDatasetsDraw(chart) {
    const colours = chart.options.plugins?.valueLabels?.colour ?? '#888';
    const data = chart.data.datasets[0]?.data as number[] | undefined;
    const meta = chart.getDatasetMeta(0);
    if (!data || !meta || meta.hidden) return;
    const ctx = chart.ctx;
    const slot = chart.chartArea.width / Math.max(1, data.length);
    ctx.save();
    ctx.fillStyle = colours;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    let size = 12;
    const widest = Math.max(...data.map((v) => formatCount(v).length));
    while (size > 8 && widest * size * 0.6 > slot - 2) size--;
    if (widest * size * 0.6 > slot - 2) {
      ctx.restore();
      return;
    }
    ctx.font = `${size}px ${chart.options.font?.family ?? 'sans-serif'}`;
    meta.data.forEach((bar, i) => {
      const { x, y } = bar.tooltipPosition(false);
      if (x == null || y == null) return;
      ctx.fillText(formatCount(data[i]), x, y - 2);
    });
    ctx.restore();
  },
};

function config(spec: ChartSpec, colours: ThemeColours, colourIndex: number): ChartConfiguration<'bar'> {
  const total = spec.values.reduce((a, b) => a + b, 0);
  return {
    type: 'bar',
    data: {
      labels: spec.labels,
      datasets: [
        {
          data: spec.values,
          backgroundColor: colours.bars[colourIndex % colours.bars.length],
          borderColor: colours.border,
          borderWidth: colours.highContrast ? 1 : 0,
          maxBarThickness: 56,
        },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      layout: { padding: { top: 20 } },
      font: { family: colours.font },
      plugins: {
        legend: { display: false },
        valueLabels: { colour: colours.fg },
        tooltip: {
          callbacks: {
            title: (items) => (items[0] ? `${items[0].label}${spec.xTitle ? ` ${spec.xTitle}` : ''}` : ''),
            label: (item) => {
              const v = Number(item.raw);
              return `${formatCount(v)} ${spec.unit} (${percent(v, total)})`;
            },
          },
        },
      },
      scales: {
        x: {
          ticks: { color: colours.fg, font: { family: colours.font }, maxRotation: 50, autoSkip: false },
          grid: { display: false },
          border: { color: colours.grid },
          title: spec.xTitle ? { display: true, text: spec.xTitle, color: colours.muted, font: { family: colours.font } } : undefined,
        },
        y: {
          beginAtZero: true,
          ticks: { color: colours.fg, precision: 0, font: { family: colours.font }, callback: (v) => formatCount(Number(v)) },
          grid: { color: colours.grid },
          border: { display: false },
        },
      },
    },
    plugins: [valueLabels],
  };
}

export class Charts {
  private readonly charts = new Map<ChartId, { chart: Chart<'bar'>; spec: ChartSpec; colourIndex: number }>();
  private colours = readColours();

  /** Creates or updates the chart on `canvas`. */
  show(id: ChartId, canvas: HTMLCanvasElement, spec: ChartSpec, colourIndex: number): void {
    const old = this.charts.get(id);
    if (old && old.chart.canvas === canvas) {
      old.spec = spec;
      old.colourIndex = colourIndex;
      this.apply(old.chart, spec, colourIndex);
      return;
    }
    old?.chart.destroy();
    this.charts.set(id, { chart: new Chart(canvas, config(spec, this.colours, colourIndex)), spec, colourIndex });
    this.mark();
  }

  /** New data and colours for a chart (datasets carry their own colours: replace them too). */
  private apply(chart: Chart<'bar'>, spec: ChartSpec, colourIndex: number): void {
    const fresh = config(spec, this.colours, colourIndex);
    chart.config.data.labels = fresh.data.labels;
    chart.config.data.datasets = fresh.data.datasets;
    chart.options = fresh.options!;
    chart.update('none');
  }

  /** The bar colours the charts draw with, on the body (`data-chart-colours`), so UI tests can check theming. */
  private mark(): void {
    const ids: ChartId[] = ['thickness', 'seriesThickness', 'modalities'];
    document.body.dataset.chartColours = ids.map((id) => String(this.charts.get(id)?.chart.data.datasets[0]?.backgroundColor ?? '')).join(' ');
  }

  drop(id: ChartId): void {
    this.charts.get(id)?.chart.destroy();
    this.charts.delete(id);
  }

  /** Re-reads the theme colours and redraws. */
  retheme(): void {
    const next = readColours();
    if (JSON.stringify(next) === JSON.stringify(this.colours)) return;
    this.colours = next;
    for (const c of this.charts.values()) this.apply(c.chart, c.spec, c.colourIndex);
    this.mark();
  }

  /** The chart as a PNG data URL, on the editor background, with `title` above it. */
  png(id: ChartId, title: string): string | undefined {
    const c = this.charts.get(id);
    if (!c) return undefined;
    const src = c.chart.canvas;
    const ratio = c.chart.currentDevicePixelRatio || 1;
    const band = Math.round(28 * ratio);
    const out = document.createElement('canvas');
    out.width = src.width;
    out.height = src.height + band;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = this.colours.bg;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = this.colours.fg;
    ctx.font = `600 ${Math.round(14 * ratio)}px ${this.colours.font}`;
    ctx.textBaseline = 'middle';
    ctx.fillText(title, Math.round(8 * ratio), band / 2);
    ctx.drawImage(src, 0, band);
    return out.toDataURL('image/png');
  }
}
