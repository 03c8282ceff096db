// Every code block of README.md and docs/**/*.md is checked, as
// docs/README.md describes: TypeScript and JavaScript blocks type-check under
// strict against the built package (imported by its name, logto-authkit, as a
// user does) and the repository's dev dependencies, in one TypeScript program;
// JSON blocks parse; each `npm run X` of a shell block is a script of
// package.json; any other block says what it is by a language from a short
// list. A failure names the markdown file and line.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import ts from 'typescript';
import { codeBlocks, isReference, JSON_LANGS, markdownFiles, npmScripts, originOf, PLAIN, ROOT, SHELL, TYPED, typedPrograms, type Block, type Program } from './markdown.ts';

const blocks: Block[] = markdownFiles()
  .filter((file) => !isReference(file))
  .flatMap(codeBlocks);
// inside the repository, so `logto-authkit` resolves to dist/ by package self-reference
const dir = join(ROOT, 'tmp', `docs-blocks-${process.pid}`);

before(() => execFileSync(process.execPath, ['build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'inherit' }));
after(() => rmSync(dir, { recursive: true, force: true }));

test('README.md and the guides have code blocks to check', () => {
  assert.ok(blocks.filter((block) => block.file === 'README.md' && TYPED[block.lang] !== undefined).length >= 5);
});

test('every block names a language the checks know', () => {
  const known = [...Object.keys(TYPED), ...SHELL, ...JSON_LANGS, ...PLAIN];
  const unknown = blocks.filter((block) => !known.includes(block.lang)).map((block) => `${block.file}:${block.line}: \`\`\`${block.lang} (use one of ${known.join(' ')})`);
  assert.deepEqual(unknown, []);
});

test('every TypeScript and JavaScript block type-checks under strict against the built package', { timeout: 180_000 }, () => {
  const { programs, errors } = typedPrograms(blocks);
  assert.deepEqual(errors, []);
  mkdirSync(dir, { recursive: true });
  const byPath = new Map(
    programs.map((program, i) => {
      // each markdown file's blocks in a folder of its own, where `check: file PATH` blocks import each other
      const folder = join(dir, program.file.replace(/[/.]/g, '_'));
      const path = join(folder, program.path ?? `L${program.line}-${i}${program.ext}`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, program.text);
      return [path, program] as const;
    }),
  );
  // one program for every block, and one more for each block checked alone
  const shared = [...byPath].filter(([, source]) => !source.alone).map(([path]) => path);
  const groups = [shared, ...[...byPath].filter(([, source]) => source.alone).map(([path]) => [path])];
  const problems = groups.flatMap((paths) => diagnostics(paths, byPath));
  assert.deepEqual(problems, []);
});

function diagnostics(paths: string[], byPath: Map<string, Program>): string[] {
  const program = ts.createProgram(paths, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: ['node'],
    jsx: ts.JsxEmit.ReactJSX,
    // as `nest new` sets it: Nest's decorators (on parameters too) are the legacy ones
    experimentalDecorators: true,
    // a page's files import each other as `./app.ts`, as Node, tsx and Vitest run them
    allowImportingTsExtensions: true,
    strict: true,
    emitDecoratorMetadata: true,
    allowJs: true,
    checkJs: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    noEmit: true,
  });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const source = diagnostic.file && byPath.get(diagnostic.file.fileName);
    if (!diagnostic.file || !source) return `${diagnostic.file?.fileName ?? '(program)'}: TS${diagnostic.code} ${message}`;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    return `${originOf(source, line + 1)}: TS${diagnostic.code} ${message}`;
  });
}

test('check: file names the file a block is checked as, with its preludes, and refuses a path out of its folder', () => {
  const block = (line: number, names: string[]): Block => ({ file: 'docs/x.md', lang: 'js', line, code: 'module.exports = {};', directive: { kind: 'file', names } });
  const { programs, errors } = typedPrograms([block(3, ['express/app.cjs', 'logger']), block(9, ['../escape.ts']), block(12, [])]);
  assert.deepEqual(programs.map((program) => [program.path, program.ext, program.segments.map((segment) => segment.file)]), [['express/app.cjs', '.cjs', ['docs/.checks/logger.ts', 'docs/x.md']]]);
  assert.deepEqual(errors, ['docs/x.md:9: "check: file" needs a relative path without ..', 'docs/x.md:12: "check: file" needs a relative path without ..']);
  // CommonJS stays CommonJS: no `export {}` appended to a .cjs file
  assert.ok(!programs[0]!.text.includes('export {}'));
});

test('every JSON block parses', () => {
  const broken = blocks
    .filter((block) => JSON_LANGS.includes(block.lang))
    .flatMap((block) => {
      try {
        JSON.parse(block.code);
        return [];
      } catch (error) {
        return [`${block.file}:${block.line}: ${(error as Error).message}`];
      }
    });
  assert.deepEqual(broken, []);
});

test('every npm run in a shell block is a script of package.json', () => {
  const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
  const missing = blocks
    .filter((block) => SHELL.includes(block.lang))
    .flatMap((block) => npmScripts(block.code).filter((name) => !(name in scripts)).map((name) => `${block.file}:${block.line}: npm run ${name}`));
  assert.deepEqual(missing, []);
});
