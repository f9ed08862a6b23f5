import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/** A file the dashboard serves: its bytes and content type. */
export interface DashboardAsset {
  readonly body: Buffer;
  readonly type: string;
}

const PUBLIC_DIR = resolve(import.meta.dirname, '../../public');

/**
 * The dashboard's files, read once at start-up: the page, its script and style from `apps/sample/public`, and the
 * Socket.IO browser client from the installed `socket.io` package (same version as the server, no CDN).
 */
export function loadDashboardAssets(): ReadonlyMap<string, DashboardAsset> {
  const require = createRequire(import.meta.url);
  const socketIoDir = dirname(require.resolve('socket.io/package.json'));
  const file = (path: string, type: string): DashboardAsset => ({ body: readFileSync(path), type });
  return new Map([
    ['index.html', file(join(PUBLIC_DIR, 'index.html'), 'text/html; charset=utf-8')],
    ['dashboard.js', file(join(PUBLIC_DIR, 'dashboard.js'), 'text/javascript; charset=utf-8')],
    ['dashboard.css', file(join(PUBLIC_DIR, 'dashboard.css'), 'text/css; charset=utf-8')],
    [
      'socket.io.min.js',
      file(join(socketIoDir, 'client-dist/socket.io.min.js'), 'text/javascript; charset=utf-8'),
    ],
  ]);
}
