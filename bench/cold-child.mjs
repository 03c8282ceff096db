// One cold start, in a fresh process (spawned by bench/cold.ts): time from the
// `import` of the library to the first verified token, printed as JSON.
// argv: contender (ours | ours-store | jose), logtoUrl, audience, token, store file.
// Plain JavaScript, so no loader stands between the process and the import.
import { readFileSync, writeFileSync } from 'node:fs';

const [contender, logtoUrl, audience, token, storeFile] = process.argv.slice(2);
const start = performance.now();
if (contender === 'jose') {
  const { createRemoteJWKSet, jwtVerify } = await import('jose');
  const imported = performance.now();
  await jwtVerify(token, createRemoteJWKSet(new URL(`${logtoUrl}/oidc/jwks`)), { issuer: `${logtoUrl}/oidc`, audience });
  report(imported);
} else {
  const { verifyLogtoToken } = await import('../dist/index.js');
  const imported = performance.now();
  const options = { logtoUrl, audience };
  if (contender === 'ours-store') options.store = fileStore(storeFile);
  await verifyLogtoToken(token, options);
  report(imported);
}

function report(imported) {
  const end = performance.now();
  console.log(JSON.stringify({ importMs: imported - start, firstTokenMs: end - start }));
}

// A Store that outlives the process: one JSON file, read and written whole.
// Enough for a bench with one writer at a time; not a store for production.
function fileStore(path) {
  const read = () => {
    try {
      return JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      return {};
    }
  };
  const live = (entry) => entry !== undefined && entry.expires > Date.now();
  return {
    capabilities: { consistency: 'strong', atomicSetIfAbsent: false, minTtlMs: 1 },
    async get(key) {
      const entry = read()[key];
      return live(entry) ? entry.value : undefined;
    },
    async set(key, value, ttlMs) {
      const all = read();
      all[key] = { value, expires: Date.now() + ttlMs };
      writeFileSync(path, JSON.stringify(all));
    },
    async setIfAbsent(key, value, ttlMs) {
      const all = read();
      if (live(all[key])) return false;
      all[key] = { value, expires: Date.now() + ttlMs };
      writeFileSync(path, JSON.stringify(all));
      return true;
    },
    async delete(key) {
      const all = read();
      delete all[key];
      writeFileSync(path, JSON.stringify(all));
    },
  };
}
