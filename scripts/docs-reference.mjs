// Writes the API reference (docs/reference/) from the types: one page per
// entry point of package.json `exports` (read here, so a new subpath is picked
// up without editing this script), by TypeDoc and typedoc-plugin-markdown,
// and errors.md, the table of error codes with the status and challenge the
// adapters really send (from the built package, dist/).
//   node scripts/docs-reference.mjs [outDir]     (npm run docs:reference)
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Application, Converter } from 'typedoc';

const ROOT = join(import.meta.dirname, '..');
const outDir = process.argv[2] ?? join(ROOT, 'docs/reference');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

// './express' → { name: 'logto-authkit/express', source: 'lib/adapters/express.ts' }, from the entry's types path
const entries = Object.entries(pkg.exports)
  .filter(([key]) => key !== './package.json')
  .map(([key, target]) => ({
    name: key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`,
    source: target.import.types.replace(/^\.\/dist\//, 'lib/').replace(/\.d\.ts$/, '.ts'),
  }));

const app = await Application.bootstrapWithPlugins({
  entryPoints: entries.map((entry) => join(ROOT, entry.source)),
  tsconfig: join(ROOT, 'tsconfig.build.json'),
  plugin: ['typedoc-plugin-markdown'],
  out: outDir,
  readme: 'none',
  name: `${pkg.name} API reference`,
  // stable output: no source links (they carry a commit), no timestamps
  disableSources: true,
  disableGit: true,
  sourceLinkTemplate: undefined,
  excludePrivate: true,
  excludeInternal: true,
  outputFileStrategy: 'modules',
  entryFileName: 'README',
  hidePageHeader: true,
  hideBreadcrumbs: true,
  useCodeBlocks: true,
  useHTMLAnchors: true, // explicit anchors: two headings that differ only in case (resourceMetadataHandler, ResourceMetadataHandler) keep apart
  parametersFormat: 'table',
  interfacePropertiesFormat: 'table',
  classPropertiesFormat: 'table',
  typeDeclarationFormat: 'table',
  propertyMembersFormat: 'table',
  enumMembersFormat: 'table',
  expandObjects: true,
  sort: ['kind', 'instance-first', 'alphabetical-ignoring-documents'],
  validation: { notExported: false, invalidLink: false, rewrittenLink: false },
  logLevel: 'Warn',
});

// each module is named as it is imported: 'logto-authkit/express', not 'adapters/express'
const nameBySource = new Map(entries.map((entry) => [join(ROOT, entry.source), entry.name]));
app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
  for (const module of context.project.children ?? []) {
    const file = module.sources?.[0]?.fullFileName ?? [...nameBySource.keys()].find((path) => path.endsWith(`${module.name}.ts`));
    const name = file && nameBySource.get(file);
    if (name) module.name = name;
  }
});

const project = await app.convert();
if (!project) throw new Error('typedoc could not convert the entry points');
rmSync(outDir, { recursive: true, force: true });
await app.generateOutputs(project);
writeFileSync(join(outDir, 'errors.md'), await errorTable());
appendFileSync(join(outDir, 'README.md'), '\n## Error codes\n\n- [Every code, its status and challenge](errors.md)\n');
console.log(`wrote ${outDir}: ${entries.map((entry) => entry.name).join(', ')} and errors.md`);

// The status and challenge come from the code that sends them (AUTH_ERROR_STATUS
// and errorAnswer), not from a copy here, so the table cannot drift from the wire.
async function errorTable() {
  execFileSync(process.execPath, ['build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
  const { AUTH_ERROR_STATUS, AuthError, errorAnswer } = await import(pathToFileURL(join(ROOT, 'dist/index.js')).href);
  const rows = Object.entries(AUTH_ERROR_STATUS).map(([code, status]) => {
    const answer = errorAnswer(new AuthError(code, 'message'));
    const challenge = answer.headers['www-authenticate'] ?? '';
    const other = Object.entries(answer.headers)
      .filter(([name]) => name !== 'www-authenticate' && name !== 'cache-control' && name !== 'content-type')
      .map(([name, value]) => `\`${name}: ${value}\``);
    return `| \`${code}\` | ${status} | ${challenge ? `\`${challenge}\`` : 'none'} | ${other.join(', ') || ''} |`;
  });
  return `# Error codes

Every \`AuthError\` code, the HTTP status the adapters answer with, and the
\`WWW-Authenticate\` challenge they send (RFC 6750 §3), as the built package
produces them for an error raised on a token that was sent. The body is always
\`{ "error": code, "message": message }\` with \`Cache-Control: no-store\`.

- With no token at all (\`TOKEN_MISSING\`), the challenge has no \`error\`
  attribute (RFC 6750 §3.1).
- A 403 from a scope guard adds \`scope="..."\` (the scopes required).
- With \`resourceMetadata\` set, every challenge adds \`resource_metadata="..."\`
  (RFC 9728 §5.1).

Generated by \`npm run docs:reference\` from \`AUTH_ERROR_STATUS\` and
\`errorAnswer\`; do not edit by hand.

| code | status | \`WWW-Authenticate\` | other headers |
| --- | --- | --- | --- |
${rows.join('\n')}
`;
}
