// Weir's HTTP app as a plain value: tests call `app.request(...)`; only `weir serve` binds a port.
import { Hono } from 'hono';
import type { Project } from '../config/project.ts';
import { registryError, registryJson, registryRoutes } from './registry/routes.ts';
import type { Registry } from './registry/store.ts';
import { weirRoutes } from './weir-routes.ts';

export interface AppOptions {
  registry: Registry;
  project?: Project;
}

export function createApp(opts: AppOptions): Hono {
  const app = new Hono();
  app.onError(registryError);
  app.route('/', weirRoutes(opts.project));
  app.route('/', registryRoutes(opts.registry));
  app.notFound((c) =>
    registryJson({ error_code: 404, message: `No such endpoint: ${c.req.method} ${c.req.path}` }, 404),
  );
  return app;
}
