// Reads the code blocks and links of README.md and docs/**/*.md, for the
// specs beside it that check them. The convention a block follows is
// written down in docs/README.md ("How the code in these pages is checked").
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, dirname, extname, normalize, relative, sep } from 'node:path';

export const ROOT = join(import.meta.dirname, '../..');
/** Links to this repository's files that must work from the npm tarball are written this way. */
export const REPOSITORY_BLOB = 'https://github.com/logto-authkit/logto-authkit/blob/main/';
const REPOSITORY_LINK = /^https:\/\/github\.com\/logto-authkit\/logto-authkit\/(?:blob|tree)\/main\/([^#?]*)/;

/** Languages type-checked as TypeScript or JavaScript, and the file extension each is checked as. */
export const TYPED: Record<string, string> = { ts: '.ts', typescript: '.ts', tsx: '.tsx', js: '.js', javascript: '.js', mjs: '.js', jsx: '.jsx' };
/** Shell blocks: each `npm run X` in them must be a script of package.json. */
export const SHELL = ['sh', 'bash', 'shell', 'console'];
/** Parsed as JSON. */
export const JSON_LANGS = ['json'];
/** Not code a reader runs as written: program output, HTTP exchanges, configuration of other tools. */
export const PLAIN = ['text', 'md', 'markdown', 'http', 'yaml', 'toml', 'html', 'diff', 'dockerfile', 'ini', 'env', 'jsonc'];

/** README.md, then every markdown file under docs/ (the generated reference included), sorted. */
export function markdownFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) return entry.name.startsWith('.') ? [] : walk(path);
      return entry.name.endsWith('.md') ? [path] : [];
    });
  return ['README.md', ...(existsSync(join(ROOT, 'docs')) ? walk('docs').sort() : [])];
}

/** The generated API reference: its code comes from the JSDoc that tsc already checks, its links are checked here. */
export const isReference = (file: string): boolean => file.startsWith('docs/reference/');

/**
 * Every fenced block of a markdown file: its language, its first code line
 * (1-based), its code, and the `<!-- check: ... -->` directive written on the
 * line(s) just above it, if any.
 */
export interface Directive {
  kind: string;
  names: string[];
}

export interface Block {
  file: string;
  lang: string;
  line: number;
  code: string;
  directive: Directive | undefined;
}

export function codeBlocks(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]!);
    if (!open) continue;
    const [, indent = '', fence = '```', lang = ''] = open;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end]!.trimStart().startsWith(fence)) end++;
    const code = lines.slice(start, end).map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line)).join('\n');
    blocks.push({ file, lang: lang.toLowerCase(), line: start + 1, code, directive: directiveAbove(lines, i) });
    i = end;
  }
  return blocks;
}

// the nearest non-blank line above the fence, when it is a check comment
function directiveAbove(lines: string[], fenceIndex: number): Directive | undefined {
  let j = fenceIndex - 1;
  while (j >= 0 && lines[j]!.trim() === '') j--;
  const match = j >= 0 ? /^\s*<!--\s*check:\s*(.*?)\s*-->\s*$/.exec(lines[j]!) : null;
  if (!match) return undefined;
  const [kind = '', ...names] = match[1]!.split(/\s+/);
  return { kind, names };
}

/**
 * The TypeScript/JavaScript programs the blocks make: one file per block, or
 * per run of blocks joined by `<!-- check: after -->`, with the named preludes
 * (docs/.checks/NAME.ts) in front. `segments` maps the generated lines back to
 * the markdown file and line. Problems with the convention itself come back in
 * `errors`.
 */
export interface Segment {
  from: number;
  to: number;
  file: string;
  line: number;
}

export interface Program {
  /** Checked in a program of its own (`check: alone`): for a block whose imports change global types. */
  alone: boolean;
  /**
   * `check: file PATH`: the block is checked as the file PATH in a folder of
   * its markdown file's own, so that another block of that page imports it by
   * its relative path, as the page's files import each other.
   */
  path: string | undefined;
  file: string;
  line: number;
  ext: string;
  text: string;
  lines: number;
  segments: Segment[];
}

export function typedPrograms(blocks: Block[]): { programs: Program[]; errors: string[] } {
  const programs: Program[] = [];
  const errors: string[] = [];
  let previous: Program | undefined;
  for (const block of blocks) {
    const ext = TYPED[block.lang];
    if (ext === undefined) continue;
    const directive = block.directive;
    if (directive?.kind === 'after') {
      if (previous === undefined || previous.file !== block.file || previous.ext !== ext) {
        errors.push(`${block.file}:${block.line}: "check: after" needs an earlier ${block.lang} block in the same file`);
        continue;
      }
      append(previous, block.code, block);
      continue;
    }
    if (directive !== undefined && directive.kind !== 'prelude' && directive.kind !== 'alone' && directive.kind !== 'file') {
      errors.push(`${block.file}:${block.line}: unknown directive "check: ${directive.kind}" (prelude NAME..., alone, after, file PATH NAME...)`);
      continue;
    }
    const [path, ...preludes] = directive?.kind === 'file' ? directive.names : [undefined, ...(directive?.kind === 'prelude' ? directive.names : [])];
    if (directive?.kind === 'file' && (path === undefined || !/^[\w.-]+(\/[\w.-]+)*$/.test(path) || path.split('/').includes('..'))) {
      errors.push(`${block.file}:${block.line}: "check: file" needs a relative path without ..`);
      continue;
    }
    const program: Program = { alone: directive?.kind === 'alone', path, file: block.file, line: block.line, ext: path === undefined ? ext : extname(path), text: '', lines: 0, segments: [] };
    for (const name of preludes) {
      const path = join(ROOT, 'docs/.checks', `${name}.ts`);
      if (!existsSync(path)) {
        errors.push(`${block.file}:${block.line}: no prelude docs/.checks/${name}.ts`);
        continue;
      }
      append(program, readFileSync(path, 'utf8').replace(/\n$/, ''), { file: `docs/.checks/${name}.ts`, line: 1 });
    }
    append(program, block.code, block);
    programs.push(program);
    previous = program;
  }
  // a module: top-level await, names kept apart (a CommonJS file is one already, by its require and module.exports)
  for (const program of programs) program.text += program.ext === '.cjs' ? '\n' : '\nexport {};\n';
  return { programs, errors };
}

function append(program: Program, code: string, origin: { file: string; line: number }): void {
  const count = code.split('\n').length;
  program.segments.push({ from: program.lines + 1, to: program.lines + count, file: origin.file, line: origin.line });
  program.text += (program.text === '' ? '' : '\n') + code;
  program.lines += count;
}

/** The markdown line a generated line (1-based) came from. */
export function originOf(program: Program, generatedLine: number): string {
  const segment = program.segments.find((s) => generatedLine >= s.from && generatedLine <= s.to);
  return segment ? `${segment.file}:${segment.line + generatedLine - segment.from}` : `${program.file}:${program.line}`;
}

/** `npm run X` names in a shell block. */
export function npmScripts(code: string): string[] {
  return [...code.matchAll(/\bnpm run ([\w:.-]+)/g)].map((match) => match[1]!);
}

/** Every link target of a markdown file, with its line, outside code blocks and code spans. */
export interface Link {
  file: string;
  line: number;
  target: string;
}

export function links(file: string): Link[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: Link[] = [];
  let inFence: string | undefined;
  text.split('\n').forEach((raw, index) => {
    const fence = /^\s*(`{3,}|~{3,})/.exec(raw);
    if (fence) {
      if (inFence === undefined) inFence = fence[1]!;
      else if (raw.trim().startsWith(inFence)) inFence = undefined;
      return;
    }
    if (inFence !== undefined) return;
    const line = raw.replace(/`[^`]*`/g, '');
    for (const match of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) found.push({ file, line: index + 1, target: match[1]! });
    for (const match of line.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/g)) found.push({ file, line: index + 1, target: match[1]! });
    for (const match of line.matchAll(/\s(?:href|src)="([^"]+)"/g)) found.push({ file, line: index + 1, target: match[1]! });
  });
  return found;
}

/** GitHub's heading anchors of a markdown file (lower case, punctuation dropped, spaces to hyphens, repeats numbered). */
export function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let inFence: string | undefined;
  for (const raw of readFileSync(join(ROOT, file), 'utf8').split('\n')) {
    const fence = /^\s*(`{3,}|~{3,})/.exec(raw);
    if (fence) {
      if (inFence === undefined) inFence = fence[1]!;
      else if (raw.trim().startsWith(inFence)) inFence = undefined;
      continue;
    }
    if (inFence !== undefined) continue;
    for (const match of raw.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) result.add(match[1]!);
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw);
    if (!heading) continue;
    const slug = heading[1]!
      .replace(/<[^>]+>/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/**
 * What is wrong with one link, or undefined. A relative link must name a file
 * of the repository (and a heading of it, with #anchor); a link to this
 * repository on GitHub must name a file that exists here; a link from the
 * README must also work from the npm tarball, so a relative one may name only
 * a shipped file.
 */
export function linkProblem({ file, target }: Link, shipped: (path: string) => boolean): string | undefined {
  if (/^(mailto:|data:)/.test(target)) return undefined;
  const repositoryPath = REPOSITORY_LINK.exec(target)?.[1];
  if (repositoryPath !== undefined) {
    const path = decodeURIComponent(repositoryPath).replace(/\/$/, '');
    return existsSync(join(ROOT, path)) ? undefined : `${target} names ${path}, which is not in the repository`;
  }
  if (/^[a-z][a-z+.-]*:/i.test(target)) return undefined; // another site: not fetched (no network in the suite)
  const [pathPart = '', anchor] = target.split('#');
  const resolved = pathPart === '' ? file : normalize(join(dirname(file), decodeURIComponent(pathPart)));
  if (resolved.startsWith('..') || resolved.startsWith(sep)) return `${target} leaves the repository`;
  if (!existsSync(join(ROOT, resolved))) return `${target}: ${resolved} does not exist`;
  if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) return `${target}: ${resolved} has no heading #${anchor}`;
  if (file === 'README.md' && pathPart !== '' && !shipped(resolved)) {
    return `${target}: ${resolved} is not in the npm tarball; link ${REPOSITORY_BLOB}${relative('.', resolved)}`;
  }
  return undefined;
}

/** True when package.json `files` ships the path (package.json, README and LICENSE always are). */
export function shippedBy(pkg: { files?: string[] }): (path: string) => boolean {
  const patterns = pkg.files ?? [];
  return (path) => {
    if (['package.json', 'README.md', 'LICENSE'].includes(path)) return true;
    const matches = (pattern: string) => path === pattern || path.startsWith(`${pattern}/`);
    return patterns.some((p) => !p.startsWith('!') && matches(p)) && !patterns.some((p) => p.startsWith('!') && matches(p.slice(1)));
  };
}
