// The config center's REST API (under /projects), served by `weir serve`:
//   GET  /projects                              [{ name, latest }]
//   GET  /projects/:name/versions               every version's author, message, time, hash
//   GET  /projects/:name/versions/:n|latest     a version with its files
//   GET  /projects/:name/versions/latest?after=N&wait=S
//                                               long-poll: answers once a version newer than N
//                                               exists, or 204 after S seconds (at most 60)
//   GET  /projects/:name/diff?from=N&to=M       a unified diff (text/plain)
//   POST /projects/:name/versions               { files, message?, author? } → 201 { version } |
//                                               422 { problems: [{ path, message }] }
//   POST /projects/:name/rollback               { to: N, message? } → 201 { version }
//   POST /projects/:name/preview                { lines, version? | files?, table? } → the
//                                               `weir preview --json` report (nothing is stored)
// Writes need an editor token once tokens exist (src/server/app.ts); the author is the token's name.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Context, Hono } from 'hono';
import { diffVersions, previewVersion, publish, rollback, shapeProblems } from './center.ts';
import type { ConfigStore } from './store.ts';

/** Who sent a request (the token's name), set by the token check. */
export const callers = new WeakMap<Request, string>();

function notFound(c: Context, what: string) {
  return c.json({ error_code: 404, message: what }, 404);
}

async function body(c: Context): Promise<Record<string, unknown> | null> {
  try {
    const b = await c.req.json();
    return b !== null && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function versionParam(raw: string): number | 'latest' | undefined {
  if (raw === 'latest') return 'latest';
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export function centerRoutes(store: ConfigStore): Hono {
  const app = new Hono();
  app.get('/projects', (c) => c.json(store.projects()));
  app.get('/projects/:name/versions', (c) => {
    const versions = store.versions(c.req.param('name'));
    return versions.length === 0 ? notFound(c, `no project "${c.req.param('name')}"`) : c.json(versions);
  });
  app.get('/projects/:name/versions/:version', async (c) => {
    const name = c.req.param('name');
    const at = versionParam(c.req.param('version'));
    const after = Number(c.req.query('after'));
    if (at === 'latest' && Number.isInteger(after) && after >= 0 && store.latestNumber(name) <= after) {
      // The store is polled, not told: several servers may share its file.
      const wait = Math.min(Math.max(Number(c.req.query('wait')) || 0, 0), 60) * 1000;
      for (const end = Date.now() + wait; ; await sleep(200)) {
        if (Date.now() >= end || c.req.raw.signal.aborted) return c.body(null, 204);
        if (store.latestNumber(name) > after) break;
      }
    }
    const v = at === undefined ? undefined : store.get(name, at);
    return v ? c.json(v) : notFound(c, `project "${name}" has no version ${c.req.param('version')}`);
  });
  app.get('/projects/:name/diff', (c) => {
    const name = c.req.param('name');
    const [from, to] = [versionParam(c.req.query('from') ?? ''), versionParam(c.req.query('to') ?? 'latest')];
    const a = from === undefined ? undefined : store.get(name, from);
    const b = to === undefined ? undefined : store.get(name, to);
    if (!a || !b) return notFound(c, `project "${name}": give ?from=N&to=M of versions it has`);
    return c.text(diffVersions(a, b));
  });
  app.post('/projects/:name/versions', async (c) => {
    const b = await body(c);
    if (!b)
      return c.json(
        { error_code: 400, message: 'send JSON: { "files": { "weir.yaml": "..." }, "message": "..." }' },
        400,
      );
    const author = callers.get(c.req.raw) ?? (typeof b.author === 'string' ? b.author : 'anonymous');
    const message = typeof b.message === 'string' ? b.message : '';
    const result = await publish(store, c.req.param('name'), b.files, { author, message });
    if (!result.ok)
      return c.json({ error_code: 422, message: 'the version has problems', problems: result.problems }, 422);
    return c.json(result.version, 201);
  });
  app.post('/projects/:name/rollback', async (c) => {
    const b = await body(c);
    const to = typeof b?.to === 'number' ? b.to : undefined;
    if (to === undefined)
      return c.json({ error_code: 400, message: 'send JSON: { "to": <version number> }' }, 400);
    const author = callers.get(c.req.raw) ?? 'anonymous';
    const v = rollback(store, c.req.param('name'), to, {
      author,
      ...(typeof b?.message === 'string' ? { message: b.message } : {}),
    });
    return v ? c.json(v, 201) : notFound(c, `project "${c.req.param('name')}" has no version ${to}`);
  });
  app.post('/projects/:name/preview', async (c) => {
    const b = await body(c);
    const lines = b?.lines;
    if (!b || !Array.isArray(lines) || !lines.every((l) => typeof l === 'string') || lines.length > 10_000) {
      return c.json(
        {
          error_code: 400,
          message: 'send JSON: { "lines": ["...", ...] (up to 10,000), "version": N or "files": {...} }',
        },
        400,
      );
    }
    const name = c.req.param('name');
    let files: unknown = b.files;
    if (files === undefined) {
      const at = b.version === undefined ? 'latest' : versionParam(String(b.version));
      const v = at === undefined ? undefined : store.get(name, at);
      if (!v) return notFound(c, `project "${name}" has no version ${String(b.version ?? 'yet')}`);
      files = v.files;
    } else {
      const shape = shapeProblems(name, files);
      if (shape.length > 0)
        return c.json({ error_code: 422, message: 'the files have problems', problems: shape }, 422);
    }
    const result = await previewVersion(
      files as Record<string, string>,
      lines as string[],
      typeof b.table === 'string' ? b.table : undefined,
    );
    if (!result.ok)
      return c.json({ error_code: 422, message: 'the version has problems', problems: result.problems }, 422);
    return c.json(result.report);
  });
  return app;
}
