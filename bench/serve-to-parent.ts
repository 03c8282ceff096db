// What every forked bench server does for its parent (bench/http.ts): report
// the port it listens on, answer the parent's 'cpu' question with its own CPU
// time (µs of CPU per request is what a middleware costs the server, whatever
// the client's pace), and stop once the parent's exit closes the IPC channel.

/** Reports `port` to the parent, answers its 'cpu' messages, and runs `stop` then exits when the parent is gone. */
export function serveToParent(port: number, stop: () => unknown): void {
  process.send!({ port });
  process.on('message', (message) => {
    if (message === 'cpu') process.send!({ cpu: process.cpuUsage() });
  });
  process.on('disconnect', () => void Promise.resolve(stop()).finally(() => process.exit(0)));
}
