// Compares regex engines for user patterns (parser `regex`, filter `regex`, oplog header) on a
// typical nginx access-log pattern, and on a ReDoS pattern. Run: node bench/regex.ts
// (add --enable-experimental-regexp-engine-on-excessive-backtracks to measure V8's fallback).
import { RE2JS } from 're2js';

const nginx =
  '^(?<remote_addr>\\S+) - (?<remote_user>\\S+) \\[(?<time_local>[^\\]]+)\\] "(?<method>\\S+) (?<path>\\S+) (?<protocol>[^"]+)" (?<status>\\d{3}) (?<bytes>\\d+) "(?<referer>[^"]*)" "(?<user_agent>[^"]*)"$';
const lines = Array.from(
  { length: 1000 },
  (_, i) =>
    `10.0.${i % 256}.${(i * 7) % 256} - - [25/Nov/2026:10:00:${String(i % 60).padStart(2, '0')} +0800] "GET /api/v1/role/${i}?server=7 HTTP/1.1" ${i % 10 === 0 ? 404 : 200} ${1000 + i} "https://game.example.com/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) GameClient/${i}"`,
);

function time(label: string, fn: (line: string) => unknown, rounds = 20): void {
  for (const l of lines) fn(l); // warm-up
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const l of lines) fn(l);
  const us = ((performance.now() - t0) * 1000) / (rounds * lines.length);
  console.log(`${label.padEnd(34)} ${us.toFixed(2)} µs/line`);
}

const native = new RegExp(nginx, 'u');
const re2 = RE2JS.compile(nginx);
time('native RegExp exec', (l) => native.exec(l)?.groups);
time('re2js exec (groups)', (l) => (re2.exec(l) as RegExpExecArray | null)?.groups);
time('re2js test', (l) => re2.test(l));

const redos = '^(a+)+$';
const evil = 'a'.repeat(30) + '!';
let t0 = performance.now();
RE2JS.compile(redos).exec(evil);
console.log(`re2js ReDoS ^(a+)+$ on 30 a + !    ${(performance.now() - t0).toFixed(2)} ms`);
t0 = performance.now();
new RegExp(redos).exec('a'.repeat(22) + '!');
console.log(`native ReDoS on only 22 a + !     ${(performance.now() - t0).toFixed(2)} ms`);
