// The Confluent Schema Registry REST API (the subset Weir implements; see docs/registry.md).
import type { Context } from 'hono';
import { Hono } from 'hono';
import { type Registry, RegistryError } from './store.ts';

export const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** A JSON response with the registry's content type. */
export function registryJson(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': REGISTRY_CONTENT_TYPE },
  });
}

/** Turns a thrown error into Confluent's `{error_code, message}` body. */
export function registryError(err: unknown): Response {
  if (err instanceof RegistryError) {
    return registryJson({ error_code: err.errorCode, message: err.message }, err.status);
  }
  return registryJson(
    { error_code: 50001, message: `Error in the registry: ${(err as Error).message}` },
    500,
  );
}

const flag = (c: Context, name: string) => c.req.query(name) === 'true';

interface SchemaRequest {
  schema?: unknown;
  schemaType?: unknown;
  references?: unknown;
}

async function body(c: Context): Promise<SchemaRequest> {
  let parsed: unknown;
  try {
    parsed = await c.req.json();
  } catch {
    throw new RegistryError(400, 400, 'The request body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RegistryError(400, 400, 'The request body must be a JSON object');
  }
  return parsed as SchemaRequest;
}

function schemaType(req: SchemaRequest): string | undefined {
  return req.schemaType === undefined || req.schemaType === null ? undefined : String(req.schemaType);
}

function schemaId(c: Context): number {
  const raw = c.req.param('id') ?? '';
  const id = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(id)) throw new RegistryError(404, 40403, `Schema ${raw} not found`);
  return id;
}

/** Confluent omits schemaType for AVRO, the default. */
function versionBody(v: { subject: string; id: number; version: number; schema: string }) {
  return { subject: v.subject, version: v.version, id: v.id, schema: v.schema };
}

/** The Confluent-compatible registry endpoints over `registry`. */
export function registryRoutes(registry: Registry): Hono {
  const app = new Hono();
  app.onError(registryError);

  app.get('/subjects', (c) => registryJson(registry.subjects(flag(c, 'deleted'))));

  app.get('/subjects/:subject/versions', (c) =>
    registryJson(registry.versions(c.req.param('subject'), flag(c, 'deleted'))),
  );

  app.get('/subjects/:subject/versions/:version', (c) =>
    registryJson(
      versionBody(registry.version(c.req.param('subject'), c.req.param('version'), flag(c, 'deleted'))),
    ),
  );

  app.get('/subjects/:subject/versions/:version/schema', (c) => {
    const v = registry.version(c.req.param('subject'), c.req.param('version'), flag(c, 'deleted'));
    return new Response(v.schema, { headers: { 'content-type': REGISTRY_CONTENT_TYPE } });
  });

  app.get('/subjects/:subject/versions/:version/referencedby', (c) => {
    registry.version(c.req.param('subject'), c.req.param('version'));
    return registryJson([]);
  });

  app.post('/subjects/:subject/versions', async (c) => {
    const req = await body(c);
    const id = await registry.register(
      c.req.param('subject'),
      req.schema as string,
      schemaType(req),
      Array.isArray(req.references) ? req.references : undefined,
    );
    return registryJson({ id });
  });

  app.post('/subjects/:subject', async (c) => {
    const req = await body(c);
    const found = registry.lookup(
      c.req.param('subject'),
      req.schema as string,
      schemaType(req),
      flag(c, 'deleted'),
    );
    return registryJson(versionBody(found));
  });

  app.delete('/subjects/:subject', async (c) =>
    registryJson(await registry.deleteSubject(c.req.param('subject'), flag(c, 'permanent'))),
  );

  app.delete('/subjects/:subject/versions/:version', async (c) =>
    registryJson(
      await registry.deleteVersion(c.req.param('subject'), c.req.param('version'), flag(c, 'permanent')),
    ),
  );

  app.get('/schemas/types', (_c) => registryJson(['AVRO']));

  app.get('/schemas/ids/:id', (c) => registryJson(registry.schemaById(schemaId(c))));

  app.get('/schemas/ids/:id/schema', (c) => {
    const { schema } = registry.schemaById(schemaId(c));
    return new Response(schema, { headers: { 'content-type': REGISTRY_CONTENT_TYPE } });
  });

  app.get('/schemas/ids/:id/versions', (c) => {
    const id = schemaId(c);
    registry.schemaById(id);
    return registryJson(registry.usages(id, flag(c, 'deleted')));
  });

  app.get('/schemas/ids/:id/subjects', (c) => {
    const id = schemaId(c);
    registry.schemaById(id);
    return registryJson([...new Set(registry.usages(id, flag(c, 'deleted')).map((u) => u.subject))]);
  });

  app.get('/config', (_c) => registryJson({ compatibilityLevel: registry.globalCompatibility() }));

  app.put('/config', async (c) => {
    const req = (await body(c)) as { compatibility?: unknown };
    return registryJson({ compatibility: await registry.setCompatibility(undefined, req.compatibility) });
  });

  app.get('/config/:subject', (c) => {
    const subject = c.req.param('subject');
    const own = registry.subjectCompatibility(subject);
    if (own !== undefined) return registryJson({ compatibilityLevel: own });
    if (flag(c, 'defaultToGlobal')) {
      return registryJson({ compatibilityLevel: registry.globalCompatibility() });
    }
    throw new RegistryError(
      404,
      40408,
      `Subject '${subject}' does not have subject-level compatibility configured`,
    );
  });

  app.put('/config/:subject', async (c) => {
    const req = (await body(c)) as { compatibility?: unknown };
    const level = await registry.setCompatibility(c.req.param('subject'), req.compatibility);
    return registryJson({ compatibility: level });
  });

  app.delete('/config/:subject', async (c) =>
    registryJson({ compatibilityLevel: await registry.deleteCompatibility(c.req.param('subject')) }),
  );

  const compatibility = async (c: Context, version: string | undefined) => {
    const req = await body(c);
    const result = registry.testCompatibility(
      c.req.param('subject')!,
      version,
      req.schema as string,
      schemaType(req),
    );
    return registryJson(
      flag(c, 'verbose')
        ? { is_compatible: result.compatible, messages: result.messages }
        : { is_compatible: result.compatible },
    );
  };
  app.post('/compatibility/subjects/:subject/versions/:version', (c) =>
    compatibility(c, c.req.param('version')),
  );
  app.post('/compatibility/subjects/:subject/versions', (c) => compatibility(c, undefined));

  app.get('/mode', (_c) => registryJson({ mode: 'READWRITE' }));
  app.get('/', (_c) => registryJson({}));

  return app;
}
