// The Elysia bench server, run by Bun (bench/elysia.ts forks it): one route per
// variant and algorithm, all answering the same small JSON; reports its port
// and answers 'cpu' over the IPC channel, as bench/serve-to-parent.ts does.
import { Elysia } from 'elysia';
import { logtoAuth } from '../dist/adapters/elysia.js';

const AUDIENCE = process.env.BENCH_AUDIENCE;
const logtoUrl = process.env.BENCH_LOGTO_URL;
const answer = ({ auth }) => ({ ok: true, sub: auth?.userId ?? null });
let app = new Elysia();
const ours = logtoAuth({ logtoUrl, audience: AUDIENCE });
for (const alg of process.env.BENCH_HTTP_ALGS.split(',')) {
  app = app.get(`/none/${alg}`, () => ({ ok: true, sub: null }));
  app = app.group(`/ours/${alg}`, (group) => group.derive(ours).get('', answer));
}
app.listen({ port: 0, hostname: '127.0.0.1' });
process.send({ port: app.server.port });
process.on('message', (message) => {
  if (message === 'cpu') process.send({ cpu: process.cpuUsage() });
});
process.on('disconnect', () => process.exit(0));
