import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { hutongError } from '../../errors.ts';
import type { HubApp } from '../types.ts';

/** Where `npm run build:web` writes the citizen web app. */
export const WEB_APP_DIST_DIR = fileURLToPath(new URL('../../../web/dist', import.meta.url));

export interface WebAppOptions {
  /** The built app (index.html, admin/index.html and assets/); defaults to {@link WEB_APP_DIST_DIR}. */
  readonly distDir?: string;
}

// Vite names every file under assets/ after its content hash, so a changed file is a new URL.
const HASHED_ASSET = 'public, max-age=31536000, immutable';
const ALWAYS_REVALIDATE = 'no-cache';

/**
 * Serves the citizen web app at `/app/`: built files as they are, and `index.html` for every other
 * `/app/*` page so the app's own router can take it. The operator console, a second page of the
 * same build, is `admin/index.html` for `/admin/` and every `/admin/*` path (its assets are the
 * app's, under `/app/assets/`). Without a build, both answer 503 `HUTONG_ERR_WEB_APP_NOT_BUILT`.
 * None of it appears in the OpenAPI document.
 *
 * @example
 *   webAppRoutes(app)                                  // serves web/dist
 *   webAppRoutes(app, { distDir: '/srv/hutong-web' })
 */
export function webAppRoutes(app: HubApp, options: WebAppOptions = {}): void {
  const distDir = path.resolve(options.distDir ?? WEB_APP_DIST_DIR);
  const indexFile = path.join(distDir, 'index.html');
  if (!existsSync(indexFile)) app.log.warn({ distDir }, 'the web app is not built; /app/ answers 503 until `npm run build:web` has run');

  app.get('/app', { schema: { hide: true } }, async (request, reply) => {
    const query = request.url.indexOf('?');
    return reply.redirect(`/app/${query < 0 ? '' : request.url.slice(query)}`, 301);
  });

  const consoleFile = path.join(distDir, 'admin', 'index.html');
  app.get('/admin', { schema: { hide: true } }, async (request, reply) => {
    const query = request.url.indexOf('?');
    return reply.redirect(`/admin/${query < 0 ? '' : request.url.slice(query)}`, 301);
  });
  // The console routes its own pages; the path never picks a file, so nothing outside the build is reachable.
  app.get('/admin/*', { schema: { hide: true } }, async (_request, reply) => {
    let page: Buffer;
    try {
      page = await readFile(consoleFile);
    } catch {
      throw hutongError('HUTONG_ERR_WEB_APP_NOT_BUILT', 'The operator console has not been built on this hub; run npm run build:web (npm install and npm start build it too)');
    }
    return reply.header('cache-control', ALWAYS_REVALIDATE).type('text/html; charset=utf-8').send(page);
  });

  app.register(
    async (scope) => {
      await scope.register(fastifyStatic, {
        root: distDir,
        prefix: '/',
        index: ['index.html'],
        wildcard: true,
        redirect: false,
        schemaHide: true,
        suppressWarning: true, // a missing build is reported above, and answered below
        cacheControl: false,
        setHeaders: (reply, filePath) => {
          const relative = path.relative(distDir, filePath);
          reply.header('cache-control', relative.startsWith(`assets${path.sep}`) ? HASHED_ASSET : ALWAYS_REVALIDATE);
        },
      });

      // Reached for every /app/* path that is not a built file.
      scope.setNotFoundHandler(async (request: FastifyRequest, reply: FastifyReply) => {
        const pathname = request.url.split('?')[0] ?? '';
        if (request.method !== 'GET' && request.method !== 'HEAD') {
          return reply.status(404).send({ error: { code: 'HUTONG_ERR_ROUTE_NOT_FOUND', message: `No route ${request.method} ${pathname}` } });
        }
        if (!existsSync(indexFile)) {
          throw hutongError('HUTONG_ERR_WEB_APP_NOT_BUILT', 'The web app has not been built on this hub; run npm run build:web (npm install and npm start build it too)');
        }
        // A missing script or stylesheet must fail as such, not load the page in its place.
        if (pathname.startsWith('/app/assets/')) {
          return reply.status(404).send({ error: { code: 'HUTONG_ERR_ROUTE_NOT_FOUND', message: `No file ${pathname} in the web app build` } });
        }
        reply.header('cache-control', ALWAYS_REVALIDATE);
        return reply.sendFile('index.html', distDir, { cacheControl: false });
      });
    },
    { prefix: '/app' },
  );
}
