// Micro benchmark of compiled expressions: prints ns per evaluation. Quick (about a second).
// Run: node bench/expr.ts
import type { LogicalType } from '../src/core/types.ts';
import { compileExpr, type ExprScope } from '../src/expr/index.ts';

const dynamic: ExprScope = { dynamic: true };
const typed: ExprScope = {
  fields: new Map<string, LogicalType>([
    ['level', { kind: 'INT', nullable: true }],
    ['price', { kind: 'DECIMAL', precision: 10, scale: 2, nullable: true }],
    ['name', { kind: 'STRING', nullable: true }],
    ['ts', { kind: 'TIMESTAMP', precision: 3, nullable: true }],
  ]),
};

const plain = {
  level: 42,
  name: 'Knight of the Realm',
  role: { class: 'mage', level: 7 },
  time: '2026-03-04 05:06:07',
  channel: 'ios',
};
const row = { level: 42, price: 1999n, name: 'Knight of the Realm', ts: Date.UTC(2026, 2, 4) * 1000 };

const cases: [string, ExprScope, Record<string, unknown>][] = [
  ["level > 10 AND role.class = 'mage'", dynamic, plain],
  ["channel IN ('ios', 'android', 'pc')", dynamic, plain],
  ["upper(substring(name, 1, 6)) || '-' || level", dynamic, plain],
  ["name LIKE 'Knight%'", dynamic, plain],
  ["date_format(time, 'yyyyMMdd')", dynamic, plain],
  ["CASE WHEN level >= 40 THEN 'high' WHEN level >= 10 THEN 'mid' ELSE 'low' END", dynamic, plain],
  ['level * 2 + 1 > 50', typed, row],
  ['price * 2 > 30.00', typed, row],
  ["hour(ts) = 0 AND name <> ''", typed, row],
];

const N = 200_000;
for (const [text, scope, rec] of cases) {
  const e = compileExpr(text, scope);
  for (let i = 0; i < 20_000; i++) e.evaluate(rec); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) e.evaluate(rec);
  const ns = Number(process.hrtime.bigint() - start) / N;
  console.log(`${ns.toFixed(1).padStart(8)} ns/eval  ${scope.dynamic ? 'dynamic' : 'typed  '}  ${text}`);
}
