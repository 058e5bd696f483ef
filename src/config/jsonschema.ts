// The JSON Schema of weir.yaml, derived from the zod model (what `weir schema` prints and the docs walk).
import { z } from 'zod';
import { Project } from './model.ts';

export function projectJsonSchema(): Record<string, unknown> {
  // `input`: what a user writes, so fields with defaults are optional.
  const schema = z.toJSONSchema(Project, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'weir.yaml' };
}
