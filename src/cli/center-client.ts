// The CLI side of the config center: requests to `weir serve`'s /projects API, with WEIR_TOKEN as
// the bearer token when set, and its answers as plain messages.
export { projectFiles } from '../config/project-files.ts';

export class CenterError extends Error {}

/** A request to the center; resolves with the parsed JSON (or text) of a 2xx answer. */
export async function centerRequest(
  url: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<unknown> {
  const token = process.env.WEIR_TOKEN;
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
  } catch (e) {
    if (init.signal?.aborted) throw e;
    throw new CenterError(`cannot reach ${url}: ${(e as Error).cause ?? (e as Error).message}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (res.ok) return json ?? text;
  const answer = json as { message?: string; problems?: { path: string; message: string }[] } | undefined;
  const problems = answer?.problems?.map((p) => `  ${p.path}: ${p.message}`).join('\n');
  throw new CenterError(
    `${res.status}: ${answer?.message ?? text}${problems ? `\n${problems}` : ''}${res.status === 401 ? ' (set WEIR_TOKEN)' : ''}`,
  );
}

/** `http://host:8081` + project → the project's API root. */
export function projectUrl(center: string, project: string): string {
  return `${center.replace(/\/+$/, '')}/projects/${encodeURIComponent(project)}`;
}
