// The server process's CPU time, µs (user, system): bench/next.ts reads it
// around each slice and divides by the requests served. It is the process
// that runs the route handlers, the one our middleware costs.
export const dynamic = 'force-dynamic';

export async function GET() {
  return Response.json({ cpu: process.cpuUsage(), pid: process.pid });
}
