import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { installErrorHandling } from '../../src/http/error-handler.ts';
import { webAppRoutes } from '../../src/http/routes/web-app.routes.ts';
import type { HubApp } from '../../src/http/types.ts';

const INDEX_HTML = '<!doctype html><title>Hutong web app</title><div id="root"></div>';
const CONSOLE_HTML = '<!doctype html><title>Hutong operator console</title><script type="module" src="/app/assets/admin-5e6f7a8b.js"></script><div id="root"></div>';

/** A hub with only the web-app routes (and one API route), serving `distDir`. */
async function hubServing(distDir: string): Promise<HubApp> {
  const app: HubApp = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>();
  installErrorHandling(app);
  await app.register(swagger, { openapi: { openapi: '3.1.0', info: { title: 'web app routes', version: '1' } } });
  app.get('/v1/cities', async () => ({ items: [] }));
  webAppRoutes(app, { distDir });
  await app.ready();
  return app;
}

describe('the web app at /app/', () => {
  let dir: string;
  let built: HubApp;
  let unbuilt: HubApp;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hutong-web-dist-'));
    await mkdir(path.join(dir, 'dist', 'assets'), { recursive: true });
    await writeFile(path.join(dir, 'dist', 'index.html'), INDEX_HTML);
    await writeFile(path.join(dir, 'dist', 'assets', 'index-3f9a1c2b.js'), 'console.log("app")');
    await writeFile(path.join(dir, 'dist', 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    built = await hubServing(path.join(dir, 'dist'));
    unbuilt = await hubServing(path.join(dir, 'not-built'));
  });

  after(async () => {
    await built?.close();
    await unbuilt?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html for the app root and for every page path, revalidated on each visit', async () => {
    for (const url of ['/app/', '/app/login?next=%2Fapp%2Fme', '/app/me', '/app/cities/shanghai/services/traffic.violations']) {
      const res = await built.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), /^text\/html/, url);
      assert.equal(res.headers['cache-control'], 'no-cache', url);
      assert.equal(res.body, INDEX_HTML, url);
    }
  });

  it('serves hashed assets with a year-long immutable cache, other files revalidated', async () => {
    const asset = await built.inject({ method: 'GET', url: '/app/assets/index-3f9a1c2b.js' });
    assert.equal(asset.statusCode, 200);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.match(String(asset.headers['content-type']), /javascript/);
    assert.equal(asset.body, 'console.log("app")');

    const icon = await built.inject({ method: 'GET', url: '/app/favicon.svg' });
    assert.equal(icon.statusCode, 200);
    assert.equal(icon.headers['cache-control'], 'no-cache');
    assert.match(String(icon.headers['content-type']), /^image\/svg\+xml/);
  });

  it('answers a missing asset with 404, not with the page', async () => {
    const res = await built.inject({ method: 'GET', url: '/app/assets/index-00000000.js' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'HUTONG_ERR_ROUTE_NOT_FOUND');
  });

  it('redirects /app to /app/, keeping the query', async () => {
    const res = await built.inject({ method: 'GET', url: '/app?city=shanghai' });
    assert.equal(res.statusCode, 301);
    assert.equal(res.headers.location, '/app/?city=shanghai');
  });

  it('serves nothing outside the build', async () => {
    for (const url of ['/app/../package.json', '/app/%2e%2e/package.json', '/app/assets/%2e%2e/%2e%2e/package.json']) {
      const res = await built.inject({ method: 'GET', url });
      assert.doesNotMatch(res.body, /"dependencies"/, url);
    }
  });

  it('only answers GET and HEAD: other methods are an unknown route', async () => {
    const head = await built.inject({ method: 'HEAD', url: '/app/me' });
    assert.equal(head.statusCode, 200);
    const post = await built.inject({ method: 'POST', url: '/app/me', payload: {} });
    assert.equal(post.statusCode, 404);
    assert.equal(post.json().error.code, 'HUTONG_ERR_ROUTE_NOT_FOUND');
  });

  it('answers 503 HUTONG_ERR_WEB_APP_NOT_BUILT, naming the build command, when there is no build', async () => {
    for (const url of ['/app/', '/app/me', '/app/assets/index-3f9a1c2b.js']) {
      const res = await unbuilt.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 503, url);
      const { error } = res.json();
      assert.equal(error.code, 'HUTONG_ERR_WEB_APP_NOT_BUILT');
      assert.match(error.message, /npm run build:web/);
    }
    const api = await unbuilt.inject({ method: 'GET', url: '/v1/cities' });
    assert.equal(api.statusCode, 200, 'the API works without the web app');
  });

  it('keeps the web app out of the OpenAPI document', () => {
    const paths = Object.keys((built.swagger() as { paths?: Record<string, unknown> }).paths ?? {});
    assert.deepEqual(paths, ['/v1/cities']);
  });
});

describe('the operator console at /admin/', () => {
  let dir: string;
  let built: HubApp;
  let appOnly: HubApp;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hutong-console-dist-'));
    await mkdir(path.join(dir, 'dist', 'admin'), { recursive: true });
    await mkdir(path.join(dir, 'dist', 'assets'), { recursive: true });
    await writeFile(path.join(dir, 'dist', 'index.html'), INDEX_HTML);
    await writeFile(path.join(dir, 'dist', 'admin', 'index.html'), CONSOLE_HTML);
    await writeFile(path.join(dir, 'dist', 'assets', 'admin-5e6f7a8b.js'), 'console.log("console")');
    built = await hubServing(path.join(dir, 'dist'));
    // A build from before the console existed: the citizen app only.
    await mkdir(path.join(dir, 'app-only'), { recursive: true });
    await writeFile(path.join(dir, 'app-only', 'index.html'), INDEX_HTML);
    appOnly = await hubServing(path.join(dir, 'app-only'));
  });

  after(async () => {
    await built?.close();
    await appOnly?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the console page for /admin/ and every console path, revalidated on each visit', async () => {
    for (const url of ['/admin/', '/admin/departments', '/admin/payments?date=2025-06-01', '/admin/departments/shanghai/traffic-police']) {
      const res = await built.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), /^text\/html/, url);
      assert.equal(res.headers['cache-control'], 'no-cache', url);
      assert.equal(res.body, CONSOLE_HTML, url);
    }
    const head = await built.inject({ method: 'HEAD', url: '/admin/departments' });
    assert.equal(head.statusCode, 200);
  });

  it('loads its script from the app\'s assets, and the citizen app is still the citizen app', async () => {
    const asset = await built.inject({ method: 'GET', url: '/app/assets/admin-5e6f7a8b.js' });
    assert.equal(asset.statusCode, 200);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    const citizenPage = await built.inject({ method: 'GET', url: '/app/me' });
    assert.equal(citizenPage.body, INDEX_HTML);
  });

  it('redirects /admin to /admin/, keeping the query', async () => {
    const res = await built.inject({ method: 'GET', url: '/admin?tab=payments' });
    assert.equal(res.statusCode, 301);
    assert.equal(res.headers.location, '/admin/?tab=payments');
  });

  it('never serves a file named by the path', async () => {
    for (const url of ['/admin/../package.json', '/admin/%2e%2e/%2e%2e/package.json', '/admin/index.html/../../index.html']) {
      const res = await built.inject({ method: 'GET', url });
      assert.doesNotMatch(res.body, /"dependencies"/, url);
      if (res.statusCode === 200) assert.equal(res.body, CONSOLE_HTML, url);
    }
  });

  it('answers 503 HUTONG_ERR_WEB_APP_NOT_BUILT when the build has no console, while the citizen app works', async () => {
    for (const url of ['/admin/', '/admin/departments']) {
      const res = await appOnly.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 503, url);
      assert.equal(res.json().error.code, 'HUTONG_ERR_WEB_APP_NOT_BUILT');
      assert.match(res.json().error.message, /npm run build:web/);
    }
    const page = await appOnly.inject({ method: 'GET', url: '/app/' });
    assert.equal(page.statusCode, 200);
  });

  it('keeps the console out of the OpenAPI document', () => {
    const paths = Object.keys((built.swagger() as { paths?: Record<string, unknown> }).paths ?? {});
    assert.deepEqual(paths, ['/v1/cities']);
  });
});
