/**
 * (c) nginx `proxy_cache` in front of the same department endpoint the hub's cached query reads:
 * the traffic police's SOAP `QueryViolations` for the plate of section b's citizen, a POST, cached
 * by nginx on method, URI and body. A comparison point for what a plain caching proxy gives on
 * this machine; runs only when nginx is installed.
 */
import { access, mkdir, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClientAsync } from 'soap';
import type { BenchContext } from '../lib/context.ts';
import { populationOf } from '../lib/citizens.ts';
import { freePort, reachable } from '../lib/http.ts';
import { fixedRate, saturate } from '../lib/load.ts';
import { startChild, stopChild } from '../lib/processes.ts';
import { round } from '../lib/stats.ts';
import { knobs } from '../lib/config.ts';
import { CACHED_CITY } from './hub-cached.ts';
import { failures } from './raw-ceiling.ts';

/** The nginx binary: BENCH_NGINX as a path, or found on PATH (and /usr/sbin, often not on PATH). */
export async function findNginx(): Promise<string | undefined> {
  const candidates = knobs.nginx.includes('/')
    ? [knobs.nginx]
    : [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin'].map((dir) => path.join(dir, knobs.nginx));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function nginxConf(dir: string, port: number, upstream: URL): string {
  // As root, nginx would run its workers as "nobody", who cannot use this run's private folder.
  const user = process.getuid?.() === 0 ? `user ${os.userInfo().username};\n` : '';
  return `${user}daemon off;
master_process on;
worker_processes ${knobs.nginxWorkers};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy_temp;
  fastcgi_temp_path ${dir}/fastcgi_temp;
  uwsgi_temp_path ${dir}/uwsgi_temp;
  scgi_temp_path ${dir}/scgi_temp;
  proxy_cache_path ${dir}/cache levels=1:2 keys_zone=bench:10m max_size=100m inactive=10m use_temp_path=off;
  upstream department { server ${upstream.hostname}:${upstream.port}; keepalive 16; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://department;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # SOAP queries are POSTs: cache them by method, URI and body (the body is read first).
      client_body_buffer_size 64k;
      proxy_cache bench;
      proxy_cache_methods GET HEAD POST;
      proxy_cache_key "$request_method|$request_uri|$request_body";
      proxy_cache_valid 200 60s;
      proxy_cache_lock on;
      add_header X-Cache-Status $upstream_cache_status always;
    }
  }
}
`;
}

/** The SOAP request the hub's connector sends for a plate's violations, as the soap client writes it. */
async function queryViolationsRequest(emulators: string, city: string, plate: string): Promise<{ path: string; body: string; headers: Record<string, string> }> {
  const wsdlPath = `/traffic-police/${city}/ws`;
  const client = await createClientAsync(`${emulators}${wsdlPath}?wsdl`);
  await client.QueryViolationsAsync({ hphm: plate, hpzl: '02', pageNo: 1, pageSize: 50 });
  const sent = (client as unknown as { lastRequestHeaders?: Record<string, string> }).lastRequestHeaders ?? {};
  const headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8' };
  for (const [name, value] of Object.entries(sent)) if (/^soapaction$/i.test(name)) headers.SOAPAction = String(value);
  return { path: wsdlPath, body: client.lastRequest!, headers };
}

export async function nginxCache(ctx: BenchContext): Promise<void> {
  const { report, emulators } = ctx;
  const nginx = await findNginx();
  if (!nginx) {
    report.skip('c', 'nginx proxy_cache in front of the traffic police', 'nginx not installed');
    return;
  }
  const dir = path.join(ctx.tmp, 'nginx');
  await mkdir(path.join(dir, 'cache'), { recursive: true });
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  await writeFile(conf, nginxConf(dir, port, new URL(emulators.url)));
  const plate = populationOf(CACHED_CITY).citizen(1).plate;
  const request = await queryViolationsRequest(emulators.url, CACHED_CITY, plate);

  const { child } = await startChild('nginx', nginx, ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')], {
    // nginx prints nothing when it is up: it is ready when its port takes connections.
    probe: async () => ((await reachable('127.0.0.1', port, 200)) ? true : undefined),
    timeoutMs: 15_000,
  });
  try {
    const url = `http://127.0.0.1:${port}${request.path}`;
    const target = { url, method: 'POST' as const, headers: request.headers, body: request.body };
    const statuses: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
      await res.text();
      if (res.status !== 200) throw new Error(`nginx → traffic police answered ${res.status}`);
      statuses.push(res.headers.get('x-cache-status') ?? '?');
    }
    await emulators.admin.resetTraffic();
    const saturated = await saturate(target);
    const fixed = await fixedRate(target);
    const departmentCalls = (await emulators.admin.departmentTraffic('traffic-police')).requests;
    report.details.c = { nginx, workers: knobs.nginxWorkers, firstTwoCacheStatuses: statuses, saturated, fixed, trafficPoliceCallsDuringLoad: departmentCalls };
    const note = `${knobs.nginxWorkers} worker; cache ${statuses.join(' then ')}; traffic police called ${departmentCalls} times during the load`;
    report.add({ section: 'c', name: 'nginx proxy_cache → traffic police SOAP query, saturated', value: saturated.rps, unit: 'req/s', rps: saturated.rps, p50Ms: saturated.p50Ms, p99Ms: saturated.p99Ms, note: [note, failures(saturated)].filter(Boolean).join('; ') });
    report.add({ section: 'c', name: `nginx proxy_cache, fixed ${knobs.rate} req/s`, value: fixed.p99Ms ?? 'no answers', unit: 'ms p99', rps: fixed.rps, p50Ms: fixed.p50Ms, p99Ms: fixed.p99Ms, note: failures(fixed) });
    const hub = ctx.shared.hub;
    if (hub) report.add({ section: 'c', name: 'hub / nginx throughput', value: round(hub.saturated.rps / saturated.rps, 3)!, unit: '×' });
  } finally {
    await stopChild(child);
  }
}
