import v8 from 'node:v8';
v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
v8.setFlagsFromString('--enable-experimental-regexp-engine');
const r = new RegExp('^(?:(a+)+$)', 'd');
let t0 = performance.now();
console.log(r.exec('a'.repeat(40) + '!'), performance.now() - t0);
const r2 = new RegExp('^(?:(?<x>a+)+)', 'd');
console.log(r2.exec('aaab')?.indices, r2.exec('aaab')?.[0].length);
for (const p of ['(?P<a>x)', '(?i)abc', '\\p{L}', '[', '(?<a>x)(?<a>y)']) { try { new RegExp(p); console.log(p,'ok'); } catch (e) { console.log(p, (e as Error).message); } }
t0 = performance.now();
console.log(new RegExp('^(a+)+$', 'g').exec('a'.repeat(40) + '!'), performance.now() - t0);
