// Every link of README.md and docs/**/*.md that points into this repository
// resolves: a relative link names an existing file (and heading, with
// #anchor), a link to the repository on GitHub names a file that exists here,
// and the README, which npm shows and ships, links relatively only to files
// package.json `files` puts in the tarball.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { linkProblem, links, markdownFiles, ROOT, shippedBy } from './markdown.ts';

const shipped = shippedBy(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')));
const all = markdownFiles().flatMap(links);

test('README.md links somewhere', () => {
  assert.ok(all.filter((link) => link.file === 'README.md').length > 5);
});

test('every link into the repository resolves, and the README links only to shipped files or to GitHub', () => {
  const problems = all.flatMap((link) => {
    const problem = linkProblem(link, shipped);
    return problem === undefined ? [] : [`${link.file}:${link.line}: ${problem}`];
  });
  assert.deepEqual(problems, []);
});

test('a README link to a file the tarball lacks is refused, and its GitHub form accepted', () => {
  assert.match(linkProblem({ file: 'README.md', line: 1, target: 'spec/run.mjs' }, shipped) ?? '', /not in the npm tarball; link https:\/\/github\.com\/logto-authkit\/logto-authkit\/blob\/main\/spec\/run\.mjs/);
  assert.equal(linkProblem({ file: 'README.md', line: 1, target: 'https://github.com/logto-authkit/logto-authkit/blob/main/spec/run.mjs' }, shipped), undefined);
  assert.match(linkProblem({ file: 'README.md', line: 1, target: 'https://github.com/logto-authkit/logto-authkit/blob/main/spec/nothing.ts' }, shipped) ?? '', /not in the repository/);
  assert.equal(linkProblem({ file: 'README.md', line: 1, target: 'SECURITY.md' }, shipped), undefined);
  assert.match(linkProblem({ file: 'README.md', line: 1, target: '#no-such-heading' }, shipped) ?? '', /no heading/);
});
