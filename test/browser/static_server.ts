/**
 * A tiny static file server for the browser tests, on 127.0.0.1 and a free port. By default it
 * sends the cross-origin isolation headers (COOP/COEP, which give pages SharedArrayBuffer); the
 * tests also serve without them, as most static hosts do.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
};

export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Serves files under `root`, plus `extra` (URL path -> file), with isolation headers unless `isolate` is false. */
export async function serveStatic(
  root: string,
  extra: Record<string, string> = {},
  isolate = true,
): Promise<StaticServer> {
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = extra[path] ?? join(root, normalize(path === '/' ? '/index.html' : path));
    const inside = extra[path] !== undefined || file.startsWith(root + sep);
    let size = -1;
    try {
      size = inside && req.method === 'GET' ? statSync(file).size : -1;
    } catch {
      size = -1;
    }
    if (size < 0) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': size,
      'Cache-Control': 'no-store',
      ...(isolate ? ISOLATION_HEADERS : {}),
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
