// Names in weir.yaml that become Hive names, file names and metric labels.
import { z } from 'zod';

export const name = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'use letters, digits and _ (not starting with a digit)');

/** Names of sources, tables and sinks. */
export const entityName = name.describe('letters, digits and _; not starting with a digit');
