/**
 * The panel's bar charts (chart.js, bundled; only the pieces used are registered). Colours come from
 * VS Code's `--vscode-*` CSS variables and are re-read when the theme changes.
 *
 * Slice thickness (and the measured step between slices) is drawn on a numeric, logarithmic axis: each bar stands at its value, so 650 mm
 * is far from 10 mm, and 1.2 mm is next to 1.25 mm. Logarithmic because thickness is a ratio
 * quantity (1 → 2 mm is as big a step as 5 → 10 mm) whose usual values (0.5–10 mm) span more than a
 * decade and whose outliers (a 650 mm scout) span two more: on a linear axis every usual value
 * would sit in the first few pixels. Bars keep a visible width (at least MIN_BAR_PX); bars closer
 * than that overlap, drawn with a border of the background so each stays visible.
 *
 * A bar is chosen with the mouse or, on the focused chart, with the arrow keys (Enter or Space):
 * the chart calls `onPick`, the panel filters the series table, and the chart shows that bar as
 * chosen (the others dimmed).
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  LogarithmicScale,
  Tooltip,
  type ActiveElement,
  type ChartConfiguration,
  type ChartType,
  type Plugin,
} from 'chart.js';
import { formatCount, formatNumber } from '../src/shared/format';
import { CHART_IDS, type ChartId } from '../src/shared/messages';
import { percent } from '../src/shared/summaryFormat';

declare module 'chart.js' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface PluginOptionsByType<TType extends ChartType> {
    valueLabels?: { colour?: string };
  }
}

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LogarithmicScale, Tooltip);

/** Narrowest bar on a numeric axis, CSS pixels. */
export const MIN_BAR_PX = 6;
const MAX_BAR_PX = 28;

export interface ChartBar {
  /** The value the bar stands for: a thickness (numeric axis) or a category (modality). */
  key: number | string;
  /** How the key reads ("1.25", "CT"). */
  label: string;
  count: number;
}

export interface ChartSpec {
  /** `numeric`: bars at their key on a logarithmic axis; `category`: side by side in order. */
  axis: 'numeric' | 'category';
  bars: ChartBar[];
  /** "instances", "series": what a count counts (tooltips). */
  unit: string;
  /** x-axis unit and title, e.g. "mm". */
  xUnit?: string;
  /** Index of the chosen bar, if any. */
  picked?: number;
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
    border: highContrast ? cssVar(s, '--vscode-contrastBorder', fg) : cssVar(s, '--vscode-editorWidget-background', cssVar(s, '--vscode-editor-background', '#ffffff')),
    font: cssVar(s, '--vscode-font-family', 'system-ui, sans-serif'),
    highContrast,
  };
}

/** Each bar's count above it, left to right, leaving out a label that would overlap the one before. */
const valueLabels: Plugin<'bar'> = {
  id: 'valueLabels',
  afterDatasetsDraw(chart) {
    const colour = chart.options.plugins?.valueLabels?.colour ?? '#888';
    const meta = chart.getDatasetMeta(0);
    const values = (chart.data.datasets[0]?.data ?? []) as unknown[];
    if (!meta || meta.hidden || !values.length) return;
    const ctx = chart.ctx;
    ctx.save();
    ctx.fillStyle = colour;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.font = `11px ${chart.options.font?.family ?? 'sans-serif'}`;
    const order = meta.data.map((bar, i) => ({ bar, i })).sort((a, b) => a.bar.x - b.bar.x);
    let right = -Infinity;
    for (const { bar, i } of order) {
      const v = values[i];
      const n = typeof v === 'number' ? v : Number((v as { y?: unknown })?.y);
      const text = formatCount(n);
      const w = ctx.measureText(text).width;
      if (bar.x - w / 2 < right + 3) continue;
      ctx.fillText(text, bar.x, bar.y - 2);
      right = bar.x + w / 2;
    }
    ctx.restore();
  },
};

/** 1-2-5 ticks on the logarithmic axis (0.5, 1, 2, 5, 10, …) are labelled and gridded; the others are not. */
function isMajorTick(value: number): boolean {
  const m = value / 10 ** Math.floor(Math.log10(value) + 1e-9);
  return [1, 2, 5].some((k) => Math.abs(m - k) < 1e-6);
}
const logTick = (value: number) => (isMajorTick(value) ? formatNumber(value) : '');

/** Bar width on the numeric axis: most of the narrowest gap between neighbours, within bounds. */
function numericBarWidth(chart: Chart<'bar'>, keys: number[]): number {
  const x = chart.scales.x;
  if (!x || keys.length < 2) return MAX_BAR_PX;
  const px = keys.map((k) => x.getPixelForValue(k)).sort((a, b) => a - b);
  let gap = Infinity;
  for (let i = 1; i < px.length; i++) gap = Math.min(gap, px[i] - px[i - 1]);
  return Math.max(MIN_BAR_PX, Math.min(MAX_BAR_PX, Math.floor(gap * 0.8)));
}

/**
 * Lays the chart out, then (numeric axis) sizes the bars to the pixels the axis gives them. Where
 * each bar was drawn goes on the canvas as `data-bars` (`[{ key, x, width, top, base }]`, CSS
 * pixels from the canvas's top left), so UI tests can check the axis and click a bar.
 */
function fitBars(chart: Chart<'bar'>, spec: ChartSpec): void {
  chart.update('none');
  const ds = chart.data.datasets[0];
  if (spec.axis === 'numeric' && ds) {
    const w = numericBarWidth(chart, spec.bars.map((b) => Number(b.key)));
    if (ds.barThickness !== w) {
      ds.barThickness = w;
      chart.update('none');
    }
  }
  const px = (v: number) => Math.round(v * 10) / 10;
  const bars = chart.getDatasetMeta(0).data.map((el, i) => {
    const { width, base } = el.getProps(['width', 'base'], true) as { width: number; base: number };
    return { key: spec.bars[i]?.key, x: px(el.x), width: px(width), top: px(el.y), base: px(base) };
  });
  chart.canvas.dataset.bars = JSON.stringify(bars);
}

/** `colour` at `alpha` opacity (hex and rgb() forms; others as they are). */
export function fade(colour: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3,8})$/i.exec(colour.trim());
  let rgb: number[] | undefined;
  if (hex) {
    const h = hex[1].length <= 4 ? [...hex[1]].map((c) => c + c).join('') : hex[1];
    rgb = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
  } else {
    const m = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/i.exec(colour.trim());
    if (m) rgb = [+m[1], +m[2], +m[3]];
  }
  return rgb ? `rgba(${rgb.join(', ')}, ${alpha})` : colour;
}

function barColours(spec: ChartSpec, colour: string): string[] {
  return spec.bars.map((_, i) => (spec.picked === undefined || spec.picked === i ? colour : fade(colour, 0.3)));
}

interface Hooks {
  onClick: (index: number) => void;
}

function config(spec: ChartSpec, colours: ThemeColours, colourIndex: number, hooks: Hooks): ChartConfiguration<'bar'> {
  const total = spec.bars.reduce((a, b) => a + b.count, 0);
  const colour = colours.bars[colourIndex % colours.bars.length];
  const numeric = spec.axis === 'numeric';
  const keys = spec.bars.map((b) => Number(b.key));
  const lo = numeric ? Math.min(...keys) : 0;
  const hi = numeric ? Math.max(...keys) : 0;
  const tickFont = { family: colours.font };
  return {
    type: 'bar',
    data: {
      labels: numeric ? undefined : spec.bars.map((b) => b.label),
      datasets: [
        {
          data: numeric ? (spec.bars.map((b) => ({ x: Number(b.key), y: b.count })) as unknown as number[]) : spec.bars.map((b) => b.count),
          backgroundColor: barColours(spec, colour),
          borderColor: colours.border,
          borderWidth: numeric || colours.highContrast ? 1 : 0,
          barThickness: numeric ? MIN_BAR_PX : undefined,
          maxBarThickness: 56,
        },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      layout: { padding: { top: 18 } },
      font: { family: colours.font },
      onClick: (_e, active: ActiveElement[]) => {
        const i = active[0]?.index;
        if (i !== undefined) hooks.onClick(i);
      },
      onResize: (chart) => requestAnimationFrame(() => fitBars(chart as Chart<'bar'>, spec)),
      onHover: (e, active) => {
        const t = e.native?.target as HTMLElement | undefined;
        if (t) t.style.cursor = active.length ? 'pointer' : '';
      },
      plugins: {
        legend: { display: false },
        valueLabels: { colour: colours.fg },
        tooltip: {
          callbacks: {
            title: (items) => {
              const b = items[0] && spec.bars[items[0].dataIndex];
              return b ? `${b.label}${spec.xUnit ? ` ${spec.xUnit}` : ''}` : '';
            },
            label: (item) => {
              const n = spec.bars[item.dataIndex]?.count ?? 0;
              return `${formatCount(n)} ${spec.unit} (${percent(n, total)})`;
            },
            footer: () => 'Click to filter the series table',
          },
        },
      },
      scales: {
        x: numeric
          ? {
              type: 'logarithmic',
              // Room on both sides for the end bars (a factor of the value: a constant width on this axis).
              min: lo / 1.35,
              max: hi * 1.35,
              ticks: { color: colours.fg, font: tickFont, autoSkip: false, maxRotation: 0, callback: (v) => logTick(Number(v)) },
              grid: { color: (c) => (c.tick && isMajorTick(Number(c.tick.value)) ? colours.grid : 'transparent') },
              border: { color: colours.grid },
              title: spec.xUnit ? { display: true, text: `${spec.xUnit} (logarithmic)`, color: colours.muted, font: tickFont } : undefined,
            }
          : {
              type: 'category',
              ticks: { color: colours.fg, font: tickFont, maxRotation: 50, autoSkip: false },
              grid: { display: false },
              border: { color: colours.grid },
            },
        y: {
          beginAtZero: true,
          ticks: { color: colours.fg, precision: 0, font: tickFont, callback: (v) => formatCount(Number(v)) },
          grid: { color: colours.grid },
          border: { display: false },
        },
      },
    },
    plugins: [valueLabels],
  };
}

interface Entry {
  chart: Chart<'bar'>;
  spec: ChartSpec;
  colourIndex: number;
  /** The bar the keyboard is on. */
  cursor: number;
}

export interface ChartsOptions {
  /** A bar was chosen (mouse or keyboard). */
  onPick: (id: ChartId, bar: ChartBar) => void;
  /** The keyboard moved to a bar: a sentence for the live region. */
  onCursor: (id: ChartId, text: string) => void;
}

export class Charts {
  private readonly charts = new Map<ChartId, Entry>();
  private colours = readColours();

  constructor(private readonly opts: ChartsOptions) {}

  /** Creates or updates the chart on `canvas` (focusable: the arrow keys choose a bar). */
  show(id: ChartId, canvas: HTMLCanvasElement, spec: ChartSpec, colourIndex: number): void {
    const old = this.charts.get(id);
    if (old && old.chart.canvas === canvas) {
      old.spec = spec;
      old.colourIndex = colourIndex;
      old.cursor = Math.min(old.cursor, spec.bars.length - 1);
      this.apply(id, old);
      return;
    }
    old?.chart.destroy();
    const chart = new Chart(canvas, config(spec, this.colours, colourIndex, this.hooks(id)));
    const entry: Entry = { chart, spec, colourIndex, cursor: spec.picked ?? -1 };
    this.charts.set(id, entry);
    fitBars(chart, spec);
    canvas.addEventListener('keydown', (e) => this.onKey(id, e));
    canvas.addEventListener('blur', () => this.highlight(entry, -1));
    this.mark();
  }

  private hooks(id: ChartId): Hooks {
    return { onClick: (i) => this.pick(id, i) };
  }

  /** New data and colours for a chart (datasets carry their own colours: replace them too). */
  private apply(id: ChartId, e: Entry): void {
    const fresh = config(e.spec, this.colours, e.colourIndex, this.hooks(id));
    e.chart.config.data.labels = fresh.data.labels;
    e.chart.config.data.datasets = fresh.data.datasets;
    e.chart.options = fresh.options!;
    fitBars(e.chart, e.spec);
  }

  private pick(id: ChartId, i: number): void {
    const e = this.charts.get(id);
    const bar = e?.spec.bars[i];
    if (bar) this.opts.onPick(id, bar);
  }

  private onKey(id: ChartId, ev: KeyboardEvent): void {
    const e = this.charts.get(id);
    if (!e || !e.spec.bars.length) return;
    const last = e.spec.bars.length - 1;
    let next: number;
    switch (ev.key) {
      case 'ArrowRight':
      case 'ArrowDown':
        next = e.cursor < 0 ? 0 : Math.min(last, e.cursor + 1);
        break;
      case 'ArrowLeft':
      case 'ArrowUp':
        next = e.cursor < 0 ? 0 : Math.max(0, e.cursor - 1);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = last;
        break;
      case 'Enter':
      case ' ':
        ev.preventDefault();
        this.pick(id, e.cursor < 0 ? 0 : e.cursor);
        return;
      default:
        return;
    }
    ev.preventDefault();
    e.cursor = next;
    this.highlight(e, next);
    const b = e.spec.bars[next];
    this.opts.onCursor(id, `${b.label}${e.spec.xUnit ? ` ${e.spec.xUnit}` : ''}: ${formatCount(b.count)} ${e.spec.unit}. Enter filters the series table.`);
  }

  /** Shows the tooltip on bar `i` (none when -1), as hovering it would. */
  private highlight(e: Entry, i: number): void {
    const active = i < 0 ? [] : [{ datasetIndex: 0, index: i }];
    const el = e.chart.getDatasetMeta(0).data[i];
    e.chart.setActiveElements(active);
    e.chart.tooltip?.setActiveElements(active, el ? { x: el.x, y: el.y } : { x: 0, y: 0 });
    e.chart.update('none');
  }

  /** The bar colours the charts draw with (in CHART_IDS order, '' for a chart not shown), on the body (`data-chart-colours`), so UI tests can check theming. */
  private mark(): void {
    document.body.dataset.chartColours = CHART_IDS
      .map((id) => {
        const c = this.charts.get(id);
        return c ? this.colours.bars[c.colourIndex % this.colours.bars.length] : '';
      })
      .join(' ');
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
    for (const [id, c] of this.charts) this.apply(id, c);
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
