// JSON parsing with exact big integers: JSON.parse vs JSON.parse + reviver (context.source) vs
// the iterative exact parser (src/stages/parser/json-exact.ts). Run: node bench/json.ts
import { parseJsonExact } from '../src/stages/parser/json-exact.ts';

const line = JSON.stringify({
  log_time: '2026-11-25 10:00:01',
  role_id: 123456,
  server_id: 7,
  account: 'player_0001@example.com',
  role: { level: 3, vip: { lv: 2, exp: 1520 }, items: [1, 2, 3, 4, 5], name: '勇者' },
  ip: '10.0.0.1',
  money: 12345.5,
}).replace('123456', '12345678901234567890');

type Reviver = (this: unknown, key: string, value: unknown, context: { source?: string }) => unknown;
const reviver: Reviver = (_k, v, ctx) =>
  typeof v === 'number' && !Number.isSafeInteger(v) && ctx.source !== undefined && /^-?\d+$/.test(ctx.source)
    ? BigInt(ctx.source)
    : v;

function time(label: string, fn: () => unknown, n = 50_000): void {
  for (let i = 0; i < 1000; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  console.log(`${label.padEnd(28)} ${(((performance.now() - t0) * 1000) / n).toFixed(2)} µs/record`);
}

time('JSON.parse (rounds)', () => JSON.parse(line));
time('JSON.parse + reviver', () => JSON.parse(line, reviver as never));
time('parseJsonExact', () => parseJsonExact(line));
time('/\\d{16}/ test', () => /\d{16}/.test(line));
