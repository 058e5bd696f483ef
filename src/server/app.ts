// Weir's HTTP app as a plain value: tests call `app.request(...)`; only `weir serve` binds a port.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Project } from '../config/project.ts';
import { centerRouteOf } from './center/api.ts';
import { callers, centerRoutes } from './center/routes.ts';
import type { ConfigStore } from './center/store.ts';
import { registryError, registryJson, registryRoutes } from './registry/routes.ts';
import type { Registry } from './registry/store.ts';
import { allows, type Role, type TokenCheck, tokenCheck } from './tokens.ts';
import { weirRoutes } from './weir-routes.ts';

export interface AppOptions {
  registry: Registry;
  project?: Project;
  /** Once set, every write (POST, PUT, DELETE) needs `Authorization: Bearer <token>` (an admin token). */
  token?: string;
  /** The tokens with roles the server accepts (src/server/tokens.ts); `token` is one admin token. */
  tokens?: TokenCheck;
  /** The config center's store: serves /projects (src/server/center). */
  center?: ConfigStore;
  /** Larger request bodies get 413 (default 2 MiB: a schema of up to 1 MiB, escaped). */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;

/**
 * The role a request needs once tokens are configured. Reads stay open (registry clients and Flink
 * read schemas without a token). Lookups and compatibility checks by POST need any token
 * (viewer); registering a schema needs editor; deleting and changing compatibility levels, admin.
 */
export function roleNeeded(method: string, path: string): Role | null {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return null;
  // The config center's roles are in its route table.
  const center = centerRouteOf(method, path);
  if (center) return center.role;
  if (method === 'POST' && (/^\/subjects\/[^/]+\/?$/.test(path) || path.startsWith('/compatibility/')))
    return 'viewer';
  if (method === 'POST' && /^\/subjects\/[^/]+\/versions\/?$/.test(path)) return 'editor';
  return 'admin';
}

export function createApp(opts: AppOptions): Hono {
  const app = new Hono();
  app.onError(registryError);
  const tokens = opts.tokens ?? (opts.token !== undefined ? tokenCheck(undefined, opts.token) : undefined);
  if (tokens !== undefined) {
    app.use('*', async (c, next) => {
      const needed = roleNeeded(c.req.method, c.req.path);
      if (needed === null || !(await tokens.configured())) return next();
      const given = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
      const caller = given === undefined ? null : await tokens.caller(given);
      if (caller === null) {
        return registryJson(
          {
            error_code: 401,
            message: 'This server needs a token for changes: send Authorization: Bearer <token>',
          },
          401,
        );
      }
      if (!allows(caller.role, needed)) {
        return registryJson(
          {
            error_code: 403,
            message: `Token "${caller.name}" has role ${caller.role}; ${c.req.method} ${c.req.path} needs role ${needed}`,
          },
          403,
        );
      }
      callers.set(c.req.raw, caller.name);
      return next();
    });
  }
  const maxSize = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  app.use(
    '*',
    bodyLimit({
      maxSize,
      onError: () =>
        registryJson(
          {
            error_code: 413,
            message: `The request body is larger than the ${maxSize} bytes this server accepts`,
          },
          413,
        ),
    }),
  );
  app.route('/', weirRoutes(opts.project));
  if (opts.center) app.route('/', centerRoutes(opts.center));
  app.route('/', registryRoutes(opts.registry));
  app.notFound((c) =>
    registryJson({ error_code: 404, message: `No such endpoint: ${c.req.method} ${c.req.path}` }, 404),
  );
  return app;
}
