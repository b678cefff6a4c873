// The harness's TCP delay proxy: requests arrive late and in order, answers come back at once, and a dead
// upstream resets the client as a dead server would.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DelayProxy } from '../../harness/delay-proxy.js';

/** An upstream that stamps every chunk with when it arrived and echoes it back. */
async function echoServer(): Promise<{ server: net.Server; port: number; arrivals: Array<{ text: string; at: number }> }> {
  const arrivals: Array<{ text: string; at: number }> = [];
  const server = net.createServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      arrivals.push({ text: chunk.toString(), at: performance.now() });
      socket.write(chunk);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as net.AddressInfo).port, arrivals };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('DelayProxy', () => {
  it('passes each chunk on after the delay, in order, and the answers back at once', async () => {
    const upstream = await echoServer();
    cleanups.push(() => new Promise<void>((r) => upstream.server.close(() => r())));
    const proxy = await DelayProxy.start({ target: { host: '127.0.0.1', port: upstream.port }, delayMs: 150 });
    cleanups.push(() => proxy.stop());
    const socket = await connect(proxy.port);
    cleanups.push(() => void socket.destroy());
    let echoed = '';
    socket.on('data', (c: Buffer) => (echoed += c.toString()));
    const sentAt = performance.now();
    socket.write('a');
    await new Promise((r) => setTimeout(r, 30));
    socket.write('b');
    await new Promise((r) => setTimeout(r, 400));
    expect(upstream.arrivals.map((a) => a.text).join('')).toBe('ab');
    expect(upstream.arrivals[0]!.at - sentAt).toBeGreaterThanOrEqual(145);
    expect(echoed).toBe('ab');

    // A shorter delay set later never lets a chunk overtake one sent before it.
    proxy.setDelay(300);
    socket.write('c');
    proxy.setDelay(0);
    socket.write('d');
    await new Promise((r) => setTimeout(r, 500));
    expect(upstream.arrivals.map((a) => a.text).join('')).toBe('abcd');
    expect(proxy.connections).toBe(1);
  });

  it('resets the client when the upstream refuses the connection', async () => {
    const upstream = await echoServer();
    const port = upstream.port;
    await new Promise<void>((r) => upstream.server.close(() => r()));
    const proxy = await DelayProxy.start({ target: { host: '127.0.0.1', port }, delayMs: 0 });
    cleanups.push(() => proxy.stop());
    const socket = await connect(proxy.port);
    const closed = await new Promise<boolean>((resolve) => {
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(true));
      setTimeout(() => resolve(false), 2000);
    });
    expect(closed).toBe(true);
  });
});
