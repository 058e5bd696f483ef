// Writes docs/config.md, the weir.yaml reference, from the zod model (src/config/docs.ts).
// Run after changing src/config/model.ts: `node scripts/docs.ts`. A test fails while it is stale.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigDocs } from '../src/config/docs.ts';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'config.md');
writeFileSync(target, renderConfigDocs());
console.log(`wrote ${target}`);
