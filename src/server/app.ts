// Weir's HTTP app as a plain value: tests call `app.request(...)`; only `weir serve` binds a port.
import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Project } from '../config/project.ts';
import { registryError, registryJson, registryRoutes } from './registry/routes.ts';
import type { Registry } from './registry/store.ts';
import { weirRoutes } from './weir-routes.ts';

export interface AppOptions {
  registry: Registry;
  project?: Project;
  /** Once set, every write (POST, PUT, DELETE) needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Larger request bodies get 413 (default 2 MiB: a schema of up to 1 MiB, escaped). */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createApp(opts: AppOptions): Hono {
  const app = new Hono();
  app.onError(registryError);
  const { token } = opts;
  if (token !== undefined) {
    app.use('*', async (c, next) => {
      if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
      const given = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
      if (given === undefined || !sameToken(given, token)) {
        return registryJson(
          {
            error_code: 401,
            message: 'This server needs a token for changes: send Authorization: Bearer <token>',
          },
          401,
        );
      }
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
  app.route('/', registryRoutes(opts.registry));
  app.notFound((c) =>
    registryJson({ error_code: 404, message: `No such endpoint: ${c.req.method} ${c.req.path}` }, 404),
  );
  return app;
}
