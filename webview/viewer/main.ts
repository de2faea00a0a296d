/**
 * The image viewer's browser side (the series viewer and the .dcm editor). It shows what the host
 * sends (`open`, then `slice` by slice) and asks for slices (`load`); windowing, the value under the
 * cursor and scrolling run here on the stored values, so a drag never waits for the host. Slices
 * are kept in an LRU bounded by bytes and fetched ahead in the scrolling direction. Every value from
 * a file is set as text.
 */
import { LRUCache } from 'lru-cache';
import { modality, PRESETS, type ExplicitWindow, type PresetName, type Window } from '../../src/shared/voi';
import {
  isViewerHostMessage,
  prefetchOrder,
  VIEWER_CACHE_BYTES,
  VIEWER_PROTOCOL_VERSION,
  type SlicePixels,
  type ViewerOpen,
  type ViewerShown,
  type ViewerWebviewMessage,
} from '../../src/shared/viewerMessages';
import { clear, h } from '../dom';
import { paint, sliceVoi, toSlice, type Slice } from './render';

type Outgoing = ViewerWebviewMessage extends infer M ? (M extends { v: number } ? Omit<M, 'v'> : never) : never;

/** What the webview keeps across its reloads (a hidden tab shown again): the slice and the window. */
interface Saved {
  v: number;
  index?: number;
  preset?: 'file' | PresetName | 'custom';
  custom?: Window;
}
const vscode = acquireVsCodeApi<Saved>();
const save = () => vscode.setState({ v: VIEWER_PROTOCOL_VERSION, index, preset, custom });
const post = (m: Outgoing) => vscode.postMessage({ ...m, v: VIEWER_PROTOCOL_VERSION });

const CACHE_BYTES = VIEWER_CACHE_BYTES;

const cache = new LRUCache<number, Slice>({ maxSize: CACHE_BYTES, sizeCalculation: (s) => Math.max(1, s.bytes) });
const errors = new Map<number, string>();
let requested = new Set<number>();

let open: ViewerOpen | undefined;
let index = 0;
let direction = 1;
/** The window chosen: 'file' (each slice's own), a preset, or a custom one (a drag, from the shown one). */
let preset: 'file' | PresetName | 'custom' = 'file';
let custom: ExplicitWindow = { center: 40, width: 400 };
let probe: ViewerShown['probe'];
let painted: Slice | undefined;
let restored = false;
/**
 * The shown slice, held outside the cache as well: a slice larger than the whole cache (which the
 * LRU refuses to keep) is still drawn, redrawn for a new window, and not asked for again.
 */
let shown: { index: number; slice: Slice } | undefined;
/** The size of the last slice that came (bytes): how many neighbours fit in the cache. */
let sliceBytes = 0;

/** The slice at `i`, if it is here. */
const sliceAt = (i: number): Slice | undefined => (shown?.index === i ? shown.slice : cache.get(i));

// ---- skeleton -------------------------------------------------------------------------------------
const app = document.getElementById('app')!;
const title = h('h1', { class: 'title' });
const subtitle = h('p', { class: 'subtitle' });
const findingsList = h('ul', { class: 'findings', 'aria-label': 'Findings of the dataset checks' });
const presetButtons = new Map<string, HTMLButtonElement>();
const PRESET_LABELS: [string, string][] = [
  ['file', 'File'],
  ['lung', 'Lung'],
  ['mediastinum', 'Mediastinum'],
  ['bone', 'Bone'],
  ['brain', 'Brain'],
];
const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Window presets' });
for (const [id, label] of PRESET_LABELS) {
  const w = id === 'file' ? "the file's own window" : `${PRESETS[id as PresetName].center}/${PRESETS[id as PresetName].width}`;
  const b = h('button', { type: 'button', class: 'preset', 'data-preset': id, title: `Window: ${w}`, 'aria-pressed': id === 'file' ? 'true' : 'false' }, label);
  b.addEventListener('click', () => choosePreset(id as 'file' | PresetName));
  presetButtons.set(id, b);
  toolbar.appendChild(b);
}
const windowText = h('span', { class: 'window', id: 'window-text', 'aria-live': 'polite' });
toolbar.appendChild(windowText);

const canvas = h('canvas', { class: 'image', width: 1, height: 1, 'aria-hidden': 'true' });
const ctx = canvas.getContext('2d')!;
const message = h('p', { class: 'message', role: 'alert', hidden: true });
const sliceText = h('span', { class: 'overlay top-left', id: 'slice-text' });
const probeText = h('span', { class: 'overlay bottom-left', id: 'probe-text' });
const stage = h(
  'div',
  {
    class: 'stage',
    tabindex: 0,
    role: 'img',
    'aria-label': 'Image. Mouse wheel, arrow keys, Page Up/Down, Home and End change the slice; drag to change the window.',
  },
  canvas,
  message,
  sliceText,
  probeText,
);
const slider = h('input', { type: 'range', class: 'slider', min: 0, max: 0, value: 0, step: 1, 'aria-label': 'Slice' });
const marksBar = h('div', { class: 'marks', 'aria-hidden': 'true' });
const sliderBox = h('div', { class: 'slider-box' }, slider, marksBar);
const marksList = h('p', { class: 'marks-text' });
const tagsBox = h('details', { class: 'tags', hidden: true }, h('summary', {}, 'Tags'));
const status = h('p', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
app.append(h('header', {}, title, subtitle, findingsList), toolbar, stage, sliderBox, marksList, tagsBox, status);

// ---- showing --------------------------------------------------------------------------------------
/** The window shown (a drag starts from it). */
function currentWindow(s: Slice | undefined): Window {
  if (preset === 'custom') return custom;
  if (preset !== 'file') return PRESETS[preset];
  return s ? sliceVoi(s, 'file').window : custom;
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(Math.abs(x) < 10 ? 2 : 1));
const isCt = () => (open?.modality ?? '').toUpperCase() === 'CT';

function show(i: number): void {
  if (!open || !open.slices.length) return;
  const n = open.slices.length;
  const next = Math.max(0, Math.min(n - 1, i));
  if (next !== index) direction = next > index ? 1 : -1;
  index = next;
  slider.value = String(index);
  save();
  const info = open.slices[index];
  const where = [
    `${open.source === 'file' ? 'Frame' : 'Slice'} ${index + 1} / ${n}`,
    info.position !== null ? `${fmt(info.position)} mm` : '',
    info.instanceNumber !== null && open.source === 'series' ? `#${info.instanceNumber}` : '',
  ].filter(Boolean);
  const gap = open.marks.find((m) => m.index === index);
  sliceText.textContent = where.join(' · ') + (gap ? ` · after: ${gap.label}` : '');
  slider.setAttribute('aria-valuetext', where.join(', '));
  const s = sliceAt(index);
  if (s) shown = { index, slice: s };
  const err = errors.get(index);
  if (s) draw(s);
  else if (err) showMessage(`This image cannot be shown: ${err}`);
  else showMessage('Loading…', false);
  want();
  report();
}

function draw(s: Slice): void {
  const { rows, columns } = s.px;
  if (canvas.width !== columns || canvas.height !== rows) {
    canvas.width = columns;
    canvas.height = rows;
  }
  const img = ctx.createImageData(columns, rows);
  const voi = sliceVoi(s, preset === 'custom' ? custom : preset);
  const win = voi.window;
  paint(s, voi, img);
  ctx.putImageData(img, 0, 0);
  painted = s;
  fit();
  canvas.hidden = false;
  message.hidden = true;
  windowText.textContent = s.px.samplesPerPixel === 3 ? 'colour image' : `C ${fmt(win.center)} / W ${fmt(win.width)}${preset === 'file' ? ' (file)' : ''}`;
}

/** Scales the canvas to fill the stage, aspect kept (small images enlarged too). */
function fit(): void {
  const k = Math.min(stage.clientWidth / canvas.width, stage.clientHeight / canvas.height);
  if (!Number.isFinite(k) || k <= 0) return;
  canvas.style.width = `${Math.floor(canvas.width * k)}px`;
  canvas.style.height = `${Math.floor(canvas.height * k)}px`;
}
new ResizeObserver(() => fit()).observe(stage);

function showMessage(text: string, hideImage = true): void {
  message.textContent = text;
  message.hidden = false;
  if (hideImage) {
    canvas.hidden = true;
    painted = undefined;
    probeText.textContent = '';
  }
}

/** Asks for the shown slice and its neighbours in the scrolling direction that are not here yet. */
function want(): void {
  if (!open) return;
  const order = prefetchOrder(index, direction === 1 ? 1 : -1, open.slices.length, sliceBytes, CACHE_BYTES);
  const missing = order.filter((i) => !sliceAt(i) && !errors.has(i));
  const key = missing.join(',');
  if (key === [...requested].join(',')) return;
  requested = new Set(missing);
  if (missing.length) post({ type: 'load', indexes: missing });
}

function choosePreset(p: 'file' | PresetName): void {
  preset = p;
  for (const [id, b] of presetButtons) b.setAttribute('aria-pressed', id === p ? 'true' : 'false');
  redraw();
}

function redraw(): void {
  save();
  const s = sliceAt(index);
  if (s) draw(s);
  report();
}

let reportTimer: ReturnType<typeof setTimeout> | undefined;
function report(): void {
  clearTimeout(reportTimer);
  reportTimer = setTimeout(() => {
    const win = currentWindow(sliceAt(index));
    post({
      type: 'shown',
      state: { index, drawn: !!painted && painted === sliceAt(index), center: win.center, width: win.width, preset, probe, error: errors.get(index), cached: cache.size, cachedBytes: cache.calculatedSize },
    });
  }, 80);
}

// ---- input ----------------------------------------------------------------------------------------
slider.addEventListener('input', () => show(Number(slider.value)));

let wheelRest = 0;
stage.addEventListener(
  'wheel',
  (e) => {
    e.preventDefault();
    // One slice per mouse notch (deltaY 53–120 px); a trackpad's small deltas add up to a slice every 40 px.
    wheelRest += e.deltaMode === 1 ? e.deltaY * 40 : e.deltaMode === 2 ? e.deltaY * 400 : e.deltaY;
    if (Math.abs(wheelRest) < 40) return;
    const steps = Math.max(1, Math.min(10, Math.round(Math.abs(wheelRest) / 100)));
    show(index + Math.sign(wheelRest) * steps);
    wheelRest = 0;
  },
  { passive: false },
);

function onKey(e: KeyboardEvent): void {
  if (!open) return;
  const page = Math.max(1, Math.round(open.slices.length / 10));
  const moves: Record<string, number> = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1, PageDown: page, PageUp: -page };
  if (e.key in moves) show(index + moves[e.key]);
  else if (e.key === 'Home') show(0);
  else if (e.key === 'End') show(open.slices.length - 1);
  else return;
  e.preventDefault();
}
stage.addEventListener('keydown', onKey);
// Keys anywhere but in a control that uses them itself (the slider handles its own arrows).
document.addEventListener('keydown', (e) => {
  const t = e.target as HTMLElement | null;
  if (t === stage || t === slider || t?.closest('button, input, select, textarea, summary')) return;
  onKey(e);
});

/** The pixel under a mouse event, or undefined outside the image. */
function pixelAt(e: MouseEvent): { x: number; y: number } | undefined {
  const r = canvas.getBoundingClientRect();
  if (!painted || r.width === 0 || r.height === 0) return undefined;
  const x = Math.floor(((e.clientX - r.left) / r.width) * canvas.width);
  const y = Math.floor(((e.clientY - r.top) / r.height) * canvas.height);
  return x >= 0 && y >= 0 && x < canvas.width && y < canvas.height ? { x, y } : undefined;
}

function showProbe(e: MouseEvent): void {
  const p = pixelAt(e);
  const s = painted;
  if (!p || !s) {
    probeText.textContent = '';
    return;
  }
  const i = p.y * s.px.columns + p.x;
  if (s.px.samplesPerPixel === 3) {
    const [r, g, b] = [s.values[i * 3], s.values[i * 3 + 1], s.values[i * 3 + 2]];
    probeText.textContent = `x ${p.x} y ${p.y} · R ${r} G ${g} B ${b}`;
    probe = { x: p.x, y: p.y, stored: r, value: r };
  } else {
    const stored = s.values[i];
    const value = modality(stored, s.px.rescaleSlope, s.px.rescaleIntercept);
    const unit = isCt() ? 'HU' : 'value';
    probeText.textContent = `x ${p.x} y ${p.y} · stored ${fmt(stored)} · ${unit} ${fmt(value)}`;
    probe = { x: p.x, y: p.y, stored, value };
  }
  report();
}

let drag: { x: number; y: number; win: Window; fileFunction: boolean } | undefined;
canvas.addEventListener('mousedown', (e) => {
  if (e.button !== 0 || !painted) return;
  e.preventDefault();
  stage.focus();
  // A drag from the file's own window keeps the file's VOI function (chooseVoi), so the image does not jump.
  const fileFunction = preset === 'file' || (preset === 'custom' && custom.fileFunction === true);
  drag = { x: e.clientX, y: e.clientY, win: currentWindow(painted), fileFunction };
});
window.addEventListener('mousemove', (e) => {
  if (drag) {
    // Right: wider; down: higher centre. About one window width across the image's width.
    const r = canvas.getBoundingClientRect();
    const k = Math.max(drag.win.width, 10) / Math.max(r.width, 100);
    custom = { center: drag.win.center + (e.clientY - drag.y) * k, width: Math.max(1, drag.win.width + (e.clientX - drag.x) * k), fileFunction: drag.fileFunction };
    if (preset !== 'custom') {
      preset = 'custom';
      for (const b of presetButtons.values()) b.setAttribute('aria-pressed', 'false');
    }
    redraw();
  }
  if (e.target === canvas || drag) showProbe(e);
});
window.addEventListener('mouseup', () => (drag = undefined));
canvas.addEventListener('mouseleave', () => {
  if (!drag) probeText.textContent = '';
});

// ---- messages -------------------------------------------------------------------------------------
function onOpen(o: ViewerOpen): void {
  open = o;
  document.body.classList.toggle('file', o.source === 'file');
  cache.clear();
  shown = undefined;
  errors.clear();
  requested = new Set();
  title.textContent = o.title;
  subtitle.textContent = o.subtitle;
  clear(findingsList);
  for (const f of o.findings) findingsList.appendChild(h('li', { class: `finding ${f.severity}`, title: f.detail }, `${f.title}: ${f.detail}`));
  findingsList.hidden = !o.findings.length;
  const n = o.slices.length;
  slider.max = String(Math.max(0, n - 1));
  slider.disabled = n <= 1;
  sliderBox.hidden = n <= 1;
  clear(marksBar);
  for (const m of o.marks) {
    const left = n > 1 ? ((m.index - 0.5) / (n - 1)) * 100 : 0;
    const mark = h('span', { class: `mark ${m.kind}`, title: m.label });
    // Through the CSSOM: the CSP allows no style attributes.
    mark.style.left = `${Math.max(0, Math.min(100, left))}%`;
    marksBar.appendChild(mark);
  }
  const gaps = o.marks.filter((m) => m.kind === 'gap');
  marksList.textContent = gaps.length ? `Gaps on the slider: ${gaps.map((m) => `before slice ${m.index + 1} (${m.label})`).join('; ')}` : '';
  marksList.hidden = !gaps.length;
  tagsBox.hidden = !o.tags.length;
  for (const el of [...tagsBox.querySelectorAll('table')]) el.remove();
  if (o.tags.length) {
    tagsBox.open = true;
    const body = h('tbody');
    for (const t of o.tags) body.appendChild(h('tr', {}, h('td', {}, `${'› '.repeat(t.depth)}${t.keyword}`), h('td', {}, t.tag), h('td', {}, t.vr), h('td', {}, t.value)));
    tagsBox.appendChild(h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Keyword'), h('th', {}, 'Tag'), h('th', {}, 'VR'), h('th', {}, 'Value'))), body));
  }
  if (o.notice || !n) {
    showMessage(o.notice ?? 'There is no image to show.');
    stage.classList.add('empty');
    report();
    return;
  }
  // The saved view applies to the first `open` after a reload; a later one (another image chosen) starts where it says.
  const saved = restored ? undefined : vscode.getState();
  restored = true;
  if (saved?.v === VIEWER_PROTOCOL_VERSION && saved.preset) {
    preset = saved.preset === 'custom' && !saved.custom ? 'file' : saved.preset;
    if (saved.custom) custom = saved.custom;
    for (const [id, b] of presetButtons) b.setAttribute('aria-pressed', id === preset ? 'true' : 'false');
  }
  index = -1;
  show(saved?.v === VIEWER_PROTOCOL_VERSION && saved.index !== undefined && saved.index < n ? saved.index : o.start);
}

function onSlice(px: SlicePixels): void {
  requested.delete(px.index);
  if (!open || px.index >= open.slices.length) return;
  const s = toSlice(px);
  sliceBytes = s.bytes;
  cache.set(px.index, s);
  if (px.index === index) {
    shown = { index, slice: s };
    draw(s);
    report();
  }
  want();
}

window.addEventListener('message', (e: MessageEvent) => {
  const m = e.data as Record<string, unknown> | null;
  // Binary data may arrive as an ArrayBuffer or as a view of one.
  if (m && m.type === 'slice' && ArrayBuffer.isView(m.data)) {
    const v = m.data as ArrayBufferView;
    m.data = v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? v.buffer : v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength);
  }
  const msg: unknown = m;
  if (!isViewerHostMessage(msg)) return;
  switch (msg.type) {
    case 'open':
      onOpen(msg);
      break;
    case 'slice':
      onSlice(msg);
      break;
    case 'sliceError':
      requested.delete(msg.index);
      errors.set(msg.index, msg.reason);
      if (msg.index === index) {
        showMessage(`This image cannot be shown: ${msg.reason}`);
        status.textContent = `Slice ${msg.index + 1} cannot be shown.`;
        report();
      }
      break;
  }
});

post({ type: 'ready' });
