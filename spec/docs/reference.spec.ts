// The API reference under docs/reference/ is what `npm run docs:reference`
// writes from the types today (regenerated to a temporary folder and
// compared), and every property of every public options interface, read from
// the shipped declarations, has its row in it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import ts from 'typescript';
import { ROOT } from './markdown.ts';

const REFERENCE = join(ROOT, 'docs/reference');
const fresh = join(ROOT, 'tmp', `docs-reference-${process.pid}`);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

before(() => execFileSync(process.execPath, ['build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'inherit' }));
after(() => rmSync(fresh, { recursive: true, force: true }));

// every file under dir, as paths relative to it
function files(dir: string): string[] {
  const walk = (at: string): string[] => readdirSync(at, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(at, entry.name)) : [join(at, entry.name)]));
  return existsSync(dir) ? walk(dir).map((path) => relative(dir, path)).sort() : [];
}

test('the committed reference is what npm run docs:reference writes today', { timeout: 300_000 }, () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts/docs-reference.mjs'), fresh], { cwd: ROOT, stdio: 'pipe' });
  assert.deepEqual(files(REFERENCE), files(fresh), 'docs/reference/ has other files: run npm run docs:reference');
  for (const file of files(fresh)) {
    assert.equal(readFileSync(join(REFERENCE, file), 'utf8'), readFileSync(join(fresh, file), 'utf8'), `docs/reference/${file} is stale: run npm run docs:reference`);
  }
});

// interface name → its property names, for every exported interface named *Options of every entry point's declarations
function optionInterfaces(): Map<string, string[]> {
  const entries = Object.entries(pkg.exports as Record<string, { import?: { types: string } }>)
    .filter(([key]) => key !== './package.json')
    .map(([, target]) => join(ROOT, target.import!.types));
  const program = ts.createProgram(entries, { strict: true, skipLibCheck: true, noEmit: true, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler });
  const checker = program.getTypeChecker();
  const found = new Map<string, string[]>();
  for (const entry of entries) {
    const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (!(symbol.flags & ts.SymbolFlags.Interface) || !exported.name.endsWith('Options')) continue;
      const type = checker.getDeclaredTypeOfSymbol(symbol);
      found.set(exported.name, checker.getPropertiesOfType(type).map((property) => property.name));
    }
  }
  return found;
}

// the part of a reference page from the interface's heading to the next heading of that level
function section(page: string, name: string): string | undefined {
  const start = page.search(new RegExp(`^### ${name}$`, 'm'));
  if (start < 0) return undefined;
  const rest = page.slice(start + 1);
  const end = rest.search(/^### /m);
  return end < 0 ? rest : rest.slice(0, end);
}

test('every property of every public options interface has its row in the reference', () => {
  const interfaces = optionInterfaces();
  assert.ok(interfaces.has('VerifyAuthOptions'), [...interfaces.keys()].join(', '));
  assert.ok(interfaces.get('VerifyAuthOptions')!.includes('onEvent'));
  const pages = files(REFERENCE).filter((file) => file.endsWith('.md')).map((file) => readFileSync(join(REFERENCE, file), 'utf8'));
  const missing: string[] = [];
  for (const [name, properties] of interfaces) {
    const sections = pages.map((page) => section(page, name)).filter((text): text is string => text !== undefined);
    if (sections.length === 0) {
      missing.push(`${name} (no section)`);
      continue;
    }
    for (const property of properties) {
      if (!sections.some((text) => text.includes(`\`${property}\``) || text.includes(`\`${property}?\``))) missing.push(`${name}.${property}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('the error table lists every code of AUTH_ERROR_STATUS with its status', async () => {
  const { AUTH_ERROR_STATUS } = await import(join(ROOT, 'dist/index.js'));
  const table = readFileSync(join(REFERENCE, 'errors.md'), 'utf8');
  for (const [code, status] of Object.entries(AUTH_ERROR_STATUS as Record<string, number>)) {
    assert.match(table, new RegExp(`^\\| \`${code}\` \\| ${status} \\|`, 'm'), code);
  }
});

test('every option of VerifyAuthOptions states its default, or that it is required, in its reference row', () => {
  const page = readFileSync(join(REFERENCE, 'logto-authkit.md'), 'utf8');
  const rows = section(page, 'VerifyAuthOptions')!.split('\n').filter((line) => line.startsWith('| <a id="property-'));
  const properties = optionInterfaces().get('VerifyAuthOptions')!;
  assert.equal(rows.length, properties.length);
  assert.deepEqual(rows.filter((row) => !/Default: |Required\./.test(row)).map((row) => row.slice(0, 80)), []);
});
