// Run a server script under Bun (the `bun` dev dependency) as its own process:
// the script prints its URLs as one JSON line on stdout and exits when its
// stdin closes, so it never outlives the test process.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from './docs-snippet.ts';

export const BUN = join(ROOT, 'node_modules', '.bin', 'bun');

export interface BunAppProcess {
  urls: Record<string, string>;
  close(): Promise<void>;
}

/** Starts `bun run <script>` with `env` added to the environment; resolves once it printed its URLs. */
export async function startBunApp(script: string, env: Record<string, string>): Promise<BunAppProcess> {
  const child = spawn(BUN, ['run', '--no-install', script], { cwd: ROOT, env: { ...process.env, ...env, DO_NOT_TRACK: '1' }, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before listening`)));
  });
  let closing: Promise<void> | undefined;
  return {
    urls: JSON.parse(line) as Record<string, string>,
    close: () =>
      (closing ??= (async () => {
        child.stdin!.end();
        await exited;
      })()),
  };
}
