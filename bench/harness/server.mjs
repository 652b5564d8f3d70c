// Child-process entry: serves one variant's app on a loopback port, reports its CPU time, stops when told.
// Usage (by bench/harness/processes.mjs only): node bench/harness/server.mjs '<JSON createApp arguments>'

import { createServer } from 'node:http';
import { createApp } from './apps.mjs';

const { variant, ...options } = JSON.parse(process.argv[2] ?? '{}');
const { app, close } = await createApp(variant, options);
// A backlog above the default 511 so that a burst of 1,000 new connections is not delayed by SYN retries.
const server = createServer(app).listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  process.send?.({ type: 'listening', port });
});
process.on('message', async (/** @type {{ type: string }} */ message) => {
  if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ type: 'cpu', micros: user + system });
    return;
  }
  if (message.type !== 'stop') return;
  server.close();
  server.closeAllConnections();
  await close();
  // Exiting normally (not by a signal) lets --cpu-prof write its profile.
  process.exit(0);
});
process.on('disconnect', () => process.exit(0));
