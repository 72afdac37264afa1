// Records the public API of every entry point of the package: for each subpath of package.json
// `exports`, the declarations its built .d.ts exports, printed without comments and sorted by name,
// into api/<entry>.api.md. test/api-report.test.ts compares them with the built package, so a
// change to the public API is a deliberate one: `npm run api:update` (build, then this) rewrites
// the reports, and the diff shows in review.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const API_DIR = join(ROOT, 'api');

interface Entry {
  /** The specifier a user imports: `otel-session-lifecycle`, `otel-session-lifecycle/view`, ... */
  readonly specifier: string;
  /** The built declarations, relative to the package root. */
  readonly types: string;
  /** The report's file name in api/. */
  readonly file: string;
}

/** The entry points of package.json `exports` that have types. */
export function entryPoints(): Entry[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    name: string;
    exports: Record<string, string | { types?: string }>;
  };
  const entries: Entry[] = [];
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string' || target.types === undefined) continue;
    const name = subpath === '.' ? 'main' : subpath.slice(2).replaceAll('/', '-');
    const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
    entries.push({ specifier, types: target.types.replace(/^\.\//, ''), file: `${name}.api.md` });
  }
  return entries;
}

const isPrivate = (member: ts.ClassElement): boolean =>
  (member.name !== undefined && ts.isPrivateIdentifier(member.name)) ||
  (ts.canHaveModifiers(member) && (ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.PrivateKeyword));

/** A declaration as users see it: a class without its private members, a variable with its statement. */
function declarationText(declaration: ts.Declaration, printer: ts.Printer): string {
  let node: ts.Node = ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration;
  if (ts.isClassDeclaration(node)) {
    const c = node;
    const members = c.members.filter((m) => !isPrivate(m));
    node = ts.factory.updateClassDeclaration(c, c.modifiers, c.name, c.typeParameters, c.heritageClauses, members);
  }
  return printer.printNode(ts.EmitHint.Unspecified, node, declaration.getSourceFile());
}

/** The report of each entry point, by file name. */
export function apiReports(): Map<string, string> {
  const entries = entryPoints();
  const program = ts.createProgram(
    entries.map((e) => join(ROOT, e.types)),
    {
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: [],
    },
  );
  const checker = program.getTypeChecker();
  const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });
  const reports = new Map<string, string>();
  for (const entry of entries) {
    const source = program.getSourceFile(join(ROOT, entry.types));
    const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    if (module === undefined) throw new Error(`${entry.types} is missing: run npm run build first`);
    const blocks: string[] = [];
    const exported = checker.getExportsOfModule(module).sort((a, b) => a.name.localeCompare(b.name));
    for (const symbol of exported) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const texts = (target.declarations ?? []).map((d) => declarationText(d, printer));
      const renamed = target.name === symbol.name ? '' : `// exported as ${symbol.name}\n`;
      blocks.push(`${renamed}${texts.join('\n')}`);
    }
    const header =
      `# The public API of \`${entry.specifier}\`\n\n` +
      `Generated from \`${entry.types}\` by \`npm run api:update\`: review the diff, do not edit.\n\n`;
    const body = blocks.length === 0 ? '// no exports: imported for its side effect' : blocks.join('\n\n');
    reports.set(entry.file, `${header}\`\`\`ts\n${body}\n\`\`\`\n`);
  }
  return reports;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(API_DIR, { recursive: true });
  for (const [file, text] of apiReports()) writeFileSync(join(API_DIR, file), text);
}
