// The config center's REST API (under /projects), served by `weir serve`: one handler for each
// route of the route table in api.ts (its roles, requests and answers are documented there).
import { setTimeout as sleep } from 'node:timers/promises';
import { type Context, type Handler, Hono } from 'hono';
import { z } from 'zod';
import { versionLabelOf } from '../../config/project-files.ts';
import { CENTER_API, type CenterRouteKey } from './api.ts';
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

/** A path parameter of the route (the route table's paths declare them). */
const param = (c: Context, name: string): string => c.req.param(name) ?? '';

function versionParam(raw: string): number | 'latest' | undefined {
  if (raw === 'latest') return 'latest';
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

const workerShape = z.object({
  worker: z.number().int(),
  configVersion: z.string(),
  since: z.string().nullable(),
  lastCheckpoint: z.string(),
  refused: z.object({ version: z.string(), message: z.string(), time: z.string() }).optional(),
});
const reportShape = z.object({
  host: z.string(),
  dir: z.string(),
  /** The center's version number the follower last wrote into its folder. */
  following: z.number().int(),
  workers: z.record(z.string(), z.array(workerShape)),
});

/**
 * The center's number of the version labelled `label` (a run labels a version by its files'
 * hash): the follower's own when it has those files (equal files may be published twice), else
 * the newest with them; null for a label the center never gave (`version:` in weir.yaml).
 */
function numberOf(store: ConfigStore, project: string): (label: string, following: number) => number | null {
  const labels = new Map(store.versions(project).map((v) => [v.version, versionLabelOf(v.sha256)]));
  const newest = new Map([...labels].map(([n, l]) => [l, n]));
  return (label, following) => (labels.get(following) === label ? following : (newest.get(label) ?? null));
}

export function centerRoutes(store: ConfigStore): Hono {
  const handlers: Record<CenterRouteKey, Handler> = {
    'GET /projects': (c) => c.json(store.projects()),
    'GET /projects/:name/versions': (c) => {
      const versions = store.versions(param(c, 'name'));
      return versions.length === 0 ? notFound(c, `no project "${param(c, 'name')}"`) : c.json(versions);
    },
    'GET /projects/:name/versions/:version': async (c) => {
      const name = param(c, 'name');
      const at = versionParam(param(c, 'version'));
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
      return v ? c.json(v) : notFound(c, `project "${name}" has no version ${param(c, 'version')}`);
    },
    'GET /projects/:name/diff': (c) => {
      const name = param(c, 'name');
      const [from, to] = [
        versionParam(c.req.query('from') ?? ''),
        versionParam(c.req.query('to') ?? 'latest'),
      ];
      const a = from === undefined ? undefined : store.get(name, from);
      const b = to === undefined ? undefined : store.get(name, to);
      if (!a || !b) return notFound(c, `project "${name}": give ?from=N&to=M of versions it has`);
      return c.text(diffVersions(a, b));
    },
    'POST /projects/:name/versions': async (c) => {
      const b = await body(c);
      if (!b)
        return c.json(
          { error_code: 400, message: 'send JSON: { "files": { "weir.yaml": "..." }, "message": "..." }' },
          400,
        );
      const author = callers.get(c.req.raw) ?? (typeof b.author === 'string' ? b.author : 'anonymous');
      const message = typeof b.message === 'string' ? b.message : '';
      const result = await publish(
        store,
        param(c, 'name'),
        b.files,
        { author, message },
        { allowIncompatible: b.allowIncompatible === true },
      );
      if (!result.ok && result.incompatible)
        return c.json(
          {
            error_code: 409,
            message:
              'the version changes what its sinks already hold (publish with --allow-incompatible, or "allowIncompatible": true, to accept and record it)',
            problems: result.problems,
          },
          409,
        );
      if (!result.ok)
        return c.json(
          { error_code: 422, message: 'the version has problems', problems: result.problems },
          422,
        );
      return c.json(result.version, 201);
    },
    'POST /projects/:name/rollback': async (c) => {
      const b = await body(c);
      const to = typeof b?.to === 'number' ? b.to : undefined;
      if (to === undefined)
        return c.json({ error_code: 400, message: 'send JSON: { "to": <version number> }' }, 400);
      const author = callers.get(c.req.raw) ?? 'anonymous';
      const v = await rollback(store, param(c, 'name'), to, {
        author,
        ...(typeof b?.message === 'string' ? { message: b.message } : {}),
      });
      return v ? c.json(v, 201) : notFound(c, `project "${param(c, 'name')}" has no version ${to}`);
    },
    'POST /projects/:name/preview': async (c) => {
      const b = await body(c);
      const lines = b?.lines;
      if (
        !b ||
        !Array.isArray(lines) ||
        !lines.every((l) => typeof l === 'string') ||
        lines.length > 10_000
      ) {
        return c.json(
          {
            error_code: 400,
            message: 'send JSON: { "lines": ["...", ...] (up to 10,000), "version": N or "files": {...} }',
          },
          400,
        );
      }
      const name = param(c, 'name');
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
        return c.json(
          { error_code: 422, message: 'the version has problems', problems: result.problems },
          422,
        );
      return c.json(result.report);
    },
    'PUT /projects/:name/workers/:id': async (c) => {
      const id = param(c, 'id');
      if (!/^[\w.~-]{1,200}$/.test(id))
        return c.json({ error_code: 400, message: 'a follower id is letters, digits and . _ ~ - only' }, 400);
      const parsed = reportShape.safeParse(await body(c));
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return c.json(
          {
            error_code: 400,
            message: `send JSON: { "host", "dir", "following": N, "workers": { job: [...] } }; ${issue.path.join('.') || '(top)'}: ${issue.message}`,
          },
          400,
        );
      }
      return c.json({ id, ...store.report(param(c, 'name'), id, parsed.data) });
    },
    'GET /projects/:name/workers': (c) => {
      const name = param(c, 'name');
      const number = numberOf(store, name);
      return c.json(
        store.reports(name).map(({ id, received, report }) => {
          const r = report as z.infer<typeof reportShape>;
          const workers = Object.entries(r.workers).flatMap(([job, ws]) =>
            ws.map((w) => ({
              job,
              ...w,
              version: number(w.configVersion, r.following),
              ...(w.refused
                ? { refused: { ...w.refused, versionNumber: number(w.refused.version, r.following) } }
                : {}),
            })),
          );
          return { id, host: r.host, dir: r.dir, following: r.following, received, workers };
        }),
      );
    },
  };
  const app = new Hono();
  for (const r of CENTER_API) app.on(r.method, r.path, handlers[`${r.method} ${r.path}` as CenterRouteKey]);
  return app;
}
