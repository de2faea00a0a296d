/**
 * The webviews (the summary panel, the image viewer) set every value from DICOM files as text. Checked statically over the
 * webview sources (and the built bundle when present): no HTML sinks (innerHTML, outerHTML,
 * insertAdjacentHTML, document.write, createContextualFragment, DOMParser, srcdoc), no string
 * evaluation (eval, new Function, setTimeout with a string), no inline event-handler attributes;
 * and behaviourally: the DOM builder (webview/dom.ts) turns markup strings into text nodes.
 * The integration test injection.test.ts checks that the panel is sent the raw values.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import * as ts from 'typescript';
import { filesUnder } from '../fixtures/files';

const REPO = path.resolve(__dirname, '../../..');
const WEBVIEW = path.join(REPO, 'webview');

const sources = (dir: string) => filesUnder(dir, (name) => /\.(ts|js|mjs)$/.test(name) && !name.endsWith('.d.ts'));

/** Source without comments (so that a comment naming innerHTML is no finding). */
function code(file: string): string {
  return fs
    .readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:\\'"`])\/\/.*$/gm, '$1');
}

/** A right-hand side that is one constant string literal without interpolation. */
const CONSTANT = String.raw`\s*(?:'[^'\\\n]*'|"[^"\\\n]*"|\`[^\`$\\]*\`)\s*(?:;|$|\n)`;

const SINKS: { name: string; re: RegExp; allowConstant?: boolean }[] = [
  { name: 'innerHTML / outerHTML assignment', re: /\.(?:inner|outer)HTML\s*\+?=(?!=)/g, allowConstant: true },
  { name: 'insertAdjacentHTML', re: /\binsertAdjacentHTML\s*\(/g },
  { name: 'document.write', re: /\bdocument\s*\.\s*write(?:ln)?\s*\(/g },
  { name: 'createContextualFragment', re: /\bcreateContextualFragment\s*\(/g },
  { name: 'DOMParser', re: /\bDOMParser\b/g },
  { name: 'srcdoc', re: /\bsrcdoc\b/g },
  { name: 'eval', re: /(?<![.\w])eval\s*\(/g },
  { name: 'new Function', re: /\bnew\s+Function\s*\(/g },
  { name: 'setTimeout/setInterval with a string', re: /\bset(?:Timeout|Interval)\s*\(\s*['"`]/g },
  { name: 'inline event handler attribute', re: /setAttribute\s*\(\s*['"`]on[a-z]/gi },
  { name: 'inline event handler in h() attributes', re: /\bh\(\s*['"][a-z0-9]+['"]\s*,\s*\{[^{}]*?['"]?\bon[a-z]+['"]?\s*:/g },
  { name: 'javascript: URL', re: /javascript:/gi },
];

function findings(file: string): string[] {
  const text = code(file);
  const out: string[] = [];
  for (const s of SINKS) {
    for (const m of text.matchAll(s.re)) {
      const rest = text.slice(m.index! + m[0].length);
      if (s.allowConstant && new RegExp(`^${CONSTANT}`).test(rest)) continue;
      const line = text.slice(0, m.index).split('\n').length;
      out.push(`${path.relative(REPO, file)}:${line}: ${s.name}: ${text.split('\n')[line - 1].trim()}`);
    }
  }
  return out;
}

describe('summary webview: values only as text', () => {
  it('the webview sources use no HTML sink, no string evaluation, no inline handler', () => {
    const files = sources(WEBVIEW);
    assert.ok(files.some((f) => f.endsWith('main.ts')) && files.some((f) => f.endsWith('dom.ts')), `webview sources found: ${files.join(', ')}`);
    assert.deepEqual(files.flatMap(findings), []);
  });

  it('the check itself finds sinks (it is not vacuous)', () => {
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dwi-webview-safety-')), 'fixture.ts');
    fs.writeFileSync(
      tmp,
      [
        "el.innerHTML = '';", // constant: allowed
        'el.innerHTML = row.description;',
        'el.outerHTML += `<b>${x}</b>`;',
        "el.insertAdjacentHTML('beforeend', x);",
        'document.write(x);',
        "h('img', { onerror: x });",
        "el.setAttribute('onclick', x);",
        'setTimeout("go()", 1);',
        '// el.innerHTML = x in a comment is fine',
      ].join('\n'),
    );
    try {
      const f = findings(tmp).map((x) => x.replace(/^.*?:\d+: /, '').split(':')[0]);
      assert.deepEqual(f, [
        'innerHTML / outerHTML assignment',
        'innerHTML / outerHTML assignment',
        'insertAdjacentHTML',
        'document.write',
        'setTimeout/setInterval with a string',
        'inline event handler attribute',
        'inline event handler in h() attributes',
      ]);
    } finally {
      fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
    }
  });

  for (const name of ['webview.js', 'viewer.js']) {
    it(`the built bundle (dist/${name}), when present, has no HTML sink either`, function () {
      const bundle = path.join(REPO, 'dist', name);
      if (!fs.existsSync(bundle)) {
        console.log(`      (skipped: dist/${name} is not built; run \`node scripts/build.mjs\`)`);
        this.skip();
      }
      const text = fs.readFileSync(bundle, 'utf8');
      for (const re of [/\.(?:inner|outer)HTML\s*\+?=(?!=)/, /\binsertAdjacentHTML\s*\(/, /\bdocument\s*\.\s*write(?:ln)?\s*\(/, /\bcreateContextualFragment\b/, /\bsrcdoc\b/]) {
        const m = re.exec(text);
        assert.equal(m, null, m ? `dist/${name}: ${text.slice(Math.max(0, m.index - 80), m.index + 80)}` : '');
      }
    });
  }

  it('webview/dom.ts: h() and append() make markup strings text nodes, attributes attributes', () => {
    // Compile dom.ts (type-only syntax stripped) and run it against a recording fake document.
    const js = ts.transpileModule(fs.readFileSync(path.join(WEBVIEW, 'dom.ts'), 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    type FakeNode = { kind: 'element' | 'text'; tag?: string; text?: string; attrs: Record<string, string>; className?: string; children: FakeNode[]; firstChild?: FakeNode; appendChild(c: FakeNode): void; removeChild(c: FakeNode): void };
    const make = (kind: 'element' | 'text', tag?: string, text?: string): FakeNode => {
      const n: FakeNode = {
        kind,
        tag,
        text,
        attrs: {},
        children: [],
        appendChild(c) {
          n.children.push(c);
          n.firstChild = n.children[0];
        },
        removeChild(c) {
          n.children.splice(n.children.indexOf(c), 1);
          n.firstChild = n.children[0];
        },
      };
      const el = n as FakeNode & { setAttribute(k: string, v: string): void };
      el.setAttribute = (k, v) => (n.attrs[k] = v);
      // Any HTML-parsing property is a trap.
      for (const p of ['innerHTML', 'outerHTML']) Object.defineProperty(n, p, { set: () => assert.fail(`${p} was set`), get: () => '' });
      return n;
    };
    const document = { createElement: (tag: string) => make('element', tag), createTextNode: (t: string) => make('text', undefined, t) };
    const mod = { exports: {} as Record<string, (...a: unknown[]) => FakeNode> };
    vm.runInNewContext(js, { module: mod, exports: mod.exports, document });
    const evil = '<img src=x onerror=alert(1)><script>alert(1)</script>';
    const td = mod.exports.h('td', { title: evil, class: 'num' }, evil, 42, null, false);
    assert.equal(td.tag, 'td');
    assert.deepEqual(td.attrs, { title: evil });
    assert.equal(td.className, 'num');
    assert.deepEqual(td.children.map((c) => [c.kind, c.text]), [['text', evil], ['text', '42']]);
    mod.exports.clear(td);
    assert.equal(td.children.length, 0);
  });
});
