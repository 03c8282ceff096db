// How much heap a cache keeps after tokens cut out of large Cookie headers went
// through it, measured in a child `node --expose-gc` (node:test runs without
// gc()), by the probe in retention-probe.ts.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const PROBE = fileURLToPath(new URL('./retention-probe.ts', import.meta.url));

export interface Retention {
  /** Heap still used after the headers were dropped and gc ran, in bytes. */
  retainedBytes: number;
  /** What all the headers' padding came to, in bytes: what a leak would keep. */
  headerBytes: number;
}

export async function retainedHeap(scenario: 'seen-once-notes' | 'checked-headers'): Promise<Retention> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', PROBE, scenario], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as Retention;
}
