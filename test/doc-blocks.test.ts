// Every TypeScript example in README.md and docs/ is type-checked against the package, so no example
// drifts from the API. Each ```ts block is a module of its own, compiled with the repository's
// tsconfig.json (the package by name resolves to src/) and an ambient prelude for the host's own
// names the examples use (an instance store, a directory, a run id). A block can say otherwise in
// an HTML comment on the line before it:
//   <!-- ts-check: excerpt of PATH -->   its lines appear, in order, in PATH (a file the suite
//                                        type-checks or runs), for a block needing packages the
//                                        repository does not install
//   <!-- ts-check: skip: REASON -->      a deliberate fragment, with the reason
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './utils/processes.js';

interface Block {
  file: string;
  line: number;
  code: string;
  marker: string | undefined;
}

const MARKER = /^<!--\s*ts-check:\s*(.+?)\s*-->$/;

function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```ts\s*$/.exec(lines[i]!);
    if (open === null) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    const marker = k >= 0 ? MARKER.exec(lines[k]!.trim())?.[1] : undefined;
    blocks.push({ file, line: i + 1, code: body.join('\n'), marker });
    i = j;
  }
  return blocks;
}

const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const blocks = DOCS.flatMap(blocksOf);
const skipped = blocks.filter((b) => b.marker?.startsWith('skip'));
const excerpts = blocks.filter((b) => b.marker?.startsWith('excerpt of '));
const checked = blocks.filter((b) => b.marker === undefined);

// The host's own names the examples use, as a host would have them.
const PRELUDE = `
interface InstanceStore {
  reload(directory: string): Promise<void>;
  dispose(directory: string): Promise<void>;
  disposeAll(): Promise<void>;
  evictIdle(): Promise<void>;
  directories(): string[];
}
declare const instanceStore: InstanceStore;
declare const store: InstanceStore;
declare const dir: string;
declare const directory: string;
declare const runId: string;
declare const sessionId: string;
declare const controller: AbortController;
declare function work(signal: AbortSignal): Promise<void>;
declare function reload(directory: string): Promise<void>;
declare function reloadNow(directory: string): Promise<void>;
declare function disposeNow(directory: string): Promise<void>;
declare function disposeAllNow(): Promise<void>;
declare function directories(): string[];
declare function respond(body: { actionId: string }): void;
declare const exporter: import('@opentelemetry/sdk-trace-base').InMemorySpanExporter;
declare const lifecycle: import('otel-session-lifecycle').SessionLifecycleInstrumentation<'idle_eviction'>;
`;

function typeCheck(list: Block[]): string[] {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const options: ts.CompilerOptions = { ...parsed.options, noUnusedLocals: false, noUnusedParameters: false };
  const dir = join(ROOT, 'doc-blocks');
  const virtual = new Map<string, { text: string; block?: Block; offset: number }>();
  virtual.set(join(dir, 'prelude.d.ts'), { text: PRELUDE, offset: 0 });
  list.forEach((block, n) => {
    // Every block a module of its own: its imports and names stay its own.
    virtual.set(join(dir, `block-${n}.ts`), { text: `${block.code}\nexport {};\n`, block, offset: block.line });
  });
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(f)?.text ?? readFile.call(host, f);
  host.getSourceFile = (f, language, onError, create) => {
    const entry = virtual.get(f);
    return entry === undefined
      ? getSourceFile.call(host, f, language, onError, create)
      : ts.createSourceFile(f, entry.text, language, true);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file !== undefined && virtual.has(d.file.fileName))
    .map((d) => {
      const entry = virtual.get(d.file!.fileName)!;
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      const where = entry.block ? `${entry.block.file}:${entry.offset + 1 + line}` : 'prelude';
      return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}

describe('the TypeScript examples in README.md and docs/', () => {
  it('are found, and every block that is not checked says why', () => {
    expect(checked.length).toBeGreaterThan(5);
    for (const block of skipped) expect(block.marker, `${block.file}:${block.line}`).toMatch(/^skip: \S.{9,}/);
    const known = /^(skip: .+|excerpt of \S+)$/;
    for (const block of blocks) {
      if (block.marker !== undefined) expect(block.marker, `${block.file}:${block.line}`).toMatch(known);
    }
  });

  it('type-check against the package', () => {
    expect(typeCheck(checked)).toEqual([]);
  }, 60_000);

  it('an excerpt is the named file’s code, line for line and in order', () => {
    for (const block of excerpts) {
      const path = block.marker!.slice('excerpt of '.length);
      const source = readFileSync(join(ROOT, path), 'utf8').split('\n');
      let at = 0;
      for (const line of block.code.split('\n').filter((l) => l.trim() !== '')) {
        while (at < source.length && source[at]!.trim() !== line.trim()) at++;
        expect(at, `${block.file}:${block.line}: "${line.trim()}" not in ${path}`).toBeLessThan(source.length);
        at++;
      }
    }
  });

  it('a block with a type error fails the check (the check is real)', () => {
    const bad: Block = {
      file: 'README.md',
      line: 1,
      marker: undefined,
      code: "import { SessionLifecycleInstrumentation } from 'otel-session-lifecycle';\nnew SessionLifecycleInstrumentation().action(1);",
    };
    expect(typeCheck([bad]).join('\n')).toMatch(/README\.md:3: /);
  }, 60_000);
});
