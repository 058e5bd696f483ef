// Writes the generated references: docs/config.md (the weir.yaml reference, from the zod model in
// src/config/docs.ts) and the HTTP API reference in docs/config-center.md (from the route table in
// src/server/center/api.ts). Run after changing either: `node scripts/docs.ts`. Tests fail while
// either is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigDocs } from '../src/config/docs.ts';
import { withCenterApi } from '../src/server/center/api.ts';

const docs = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs');
writeFileSync(join(docs, 'config.md'), renderConfigDocs());
const center = join(docs, 'config-center.md');
writeFileSync(center, withCenterApi(readFileSync(center, 'utf8')));
console.log(`wrote ${join(docs, 'config.md')} and the API reference in ${center}`);
