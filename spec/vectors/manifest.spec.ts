// fixtures/vectors/ is a verbatim copy: every data file is listed in
// manifest.json with the SHA-256 and size it had at its source, and the
// licence notes cover every group.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { readFixtureBytes, readVectors } from '../helpers/vectors.ts';

interface ManifestEntry {
  file: string;
  bytes: number;
  sha256: string;
  license: string;
  numberOfTests?: number;
}

const manifest = readVectors<{ files: ManifestEntry[] }>('manifest.json');
const ROOT = new URL('../../fixtures/vectors/', import.meta.url);
// written for this repository, so not in the upstream manifest
const LOCAL_FILES = new Set(['README.md', 'manifest.json', 'LICENSES.md', 'LICENSE-Apache-2.0.txt']);

function listFiles(dir: URL, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

describe('fixtures/vectors manifest', () => {
  test('lists every data file of fixtures/vectors and nothing else', () => {
    const onDisk = listFiles(ROOT).filter((file) => !LOCAL_FILES.has(file)).sort();
    assert.deepEqual(onDisk, manifest.files.map((entry) => entry.file).sort());
  });

  for (const entry of manifest.files) {
    test(`${entry.file} has the size, SHA-256 and test count the manifest records`, () => {
      const bytes = readFixtureBytes(entry.file);
      assert.equal(bytes.length, entry.bytes);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), entry.sha256);
      if (entry.numberOfTests !== undefined) {
        const data = JSON.parse(bytes.toString('utf8')) as { testGroups?: { tests: unknown[] }[]; tests?: unknown[] };
        const count = data.testGroups ? data.testGroups.reduce((n, group) => n + group.tests.length, 0) : data.tests!.length;
        assert.equal(count, entry.numberOfTests);
      }
    });
  }

  test('LICENSES.md names the licence of each group the manifest lists', () => {
    const licenses = readFileSync(new URL('LICENSES.md', ROOT), 'utf8');
    for (const [group, licence] of [['wycheproof/', 'Apache-2.0'], ['rfc/', 'IETF Trust'], ['generated/', 'CC0-1.0']] as const) {
      assert.ok(manifest.files.filter((entry) => entry.file.startsWith(group)).every((entry) => entry.license.includes(licence)), `manifest licence of ${group}`);
      assert.ok(licenses.includes(`\`${group}`) && licenses.includes(licence), `LICENSES.md on ${group}`);
    }
    assert.match(readFileSync(new URL('LICENSE-Apache-2.0.txt', ROOT), 'utf8'), /Apache License\s+Version 2\.0, January 2004/);
  });
});
