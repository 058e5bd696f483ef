// A deterministic generator of realistic game logs: operation logs (a fixed header plus a nested
// JSON body), nginx access lines and program logs, with configurable kinds, malformed records and
// schema drift. The same seed always gives the same lines (quickstart, tests, benchmarks).

export interface GenerateOptions {
  seed?: number;
  /** Distinct operation-log kinds (LoginRole, Payment, ... then Event0006, Event0007, ...). */
  kinds?: number;
  /** Share of records that are malformed (truncated JSON, broken headers, wrong types). */
  malformed?: number;
  /** Share of records that drift: a missing field, an extra field, or a field changing type. */
  drift?: number;
  /** Share of nginx access lines and program logs among all lines (each half of it). */
  otherLogs?: number;
  /** First log time, ms since epoch. */
  start?: number;
}

/** mulberry32: small, fast, good enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const NAMED_KINDS = ['LoginRole', 'LogoutRole', 'GiftSend', 'Payment', 'ItemChange'];

export function kindName(i: number): string {
  return i < NAMED_KINDS.length ? NAMED_KINDS[i] : `Event${String(i).padStart(4, '0')}`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
function logTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function nginxTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

const NAMES = ['阿狸', 'Ragnar', 'Ünal', 'Mia', 'ケン', '小明', 'Zoë', 'Игорь', 'Olu', 'Sam🎮'];
const CURRENCIES = ['CNY', 'USD', 'EUR', 'JPY', 'KRW'];
const PATHS = ['/api/login', '/api/shop/buy', '/api/match/join', '/static/app.js', '/api/friends?page=2'];
const AGENTS = ['Mozilla/5.0 (Linux; Android 14)', 'GameClient/3.2.1 (iOS 18.1)', 'curl/8.5.0'];
const SERVICES = ['match-svc', 'chat-svc', 'pay-svc', 'gate'];

export interface GeneratedLine {
  line: string;
  /** oplog kind, 'nginx' or 'program' */
  kind: string;
  malformed: boolean;
}

/** An endless, deterministic stream of log lines. */
export function* generate(opts: GenerateOptions = {}): Generator<GeneratedLine> {
  const rand = rng(opts.seed ?? 42);
  const kinds = Math.max(1, opts.kinds ?? NAMED_KINDS.length);
  const malformed = opts.malformed ?? 0.01;
  const drift = opts.drift ?? 0.02;
  const other = opts.otherLogs ?? 0.2;
  let ms = opts.start ?? Date.UTC(2026, 10, 24, 0, 0, 0);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: T[]): T => xs[int(xs.length)];

  for (let seq = 0; ; seq++) {
    ms += int(40);
    const r = rand();
    const bad = rand() < malformed;
    if (r < other / 2) {
      const status = pick([200, 200, 200, 304, 404, 500]);
      const line = `10.${int(256)}.${int(256)}.${int(256)} - - [${nginxTime(ms)}] "${pick(['GET', 'POST'])} ${pick(PATHS)} HTTP/1.1" ${status} ${int(90000)} "-" "${pick(AGENTS)}" ${(rand() * 2).toFixed(3)}`;
      yield { line: bad ? line.slice(0, 20) : line, kind: 'nginx', malformed: bad };
      continue;
    }
    if (r < other) {
      const level = pick(['INFO', 'INFO', 'WARN', 'ERROR']);
      const line = `${logTime(ms)}.${pad(ms % 1000, 3)} ${level} [${pick(SERVICES)}] room=${int(100000)} players=${1 + int(8)} cost_ms=${int(300)} msg="${pick(['matched', 'timeout', 'retry', '完成'])}"`;
      yield { line, kind: 'program', malformed: false };
      continue;
    }
    const k = int(kinds);
    const kind = kindName(k);
    const serverId = rand() < 0.03 ? 9000 + int(10) : 1 + int(200);
    const roleId = 10_000_000 + int(90_000_000);
    const body: Record<string, unknown> = {
      server_id: serverId,
      role_id: roleId,
      account_id: `acc_${int(1e9).toString(36)}`,
      role: {
        name: pick(NAMES),
        level: 1 + int(120),
        vip: { lv: int(16), exp: int(100000) },
        guild: rand() < 0.5 ? null : { id: int(50000), name: `guild-${int(999)}` },
      },
      device: {
        os: pick(['android', 'ios', 'pc']),
        model: pick(['Pixel 9', 'iPhone 16', 'Desktop']),
        ip: `10.0.${int(256)}.${int(256)}`,
      },
      items: Array.from({ length: int(6) }, () => ({ id: 1000 + int(9000), cnt: 1 + int(99) })),
      seq,
    };
    if (kind === 'Payment') {
      body.order_id = `o${seq}${int(1e6)}`;
      body.amount = (int(100000) / 100).toFixed(2);
      body.currency = pick(CURRENCIES);
    } else if (kind === 'GiftSend') {
      body.to_role_id = 10_000_000 + int(90_000_000);
      body.gift = { id: int(500), price: int(10000) / 100 };
    } else if (k >= NAMED_KINDS.length) {
      body.value = int(1e6);
      body.tags = ['a', 'b', 'c'].slice(0, 1 + int(3));
    }
    // Some bodies are long, as real operation logs are (300 B – 2 KB).
    if (rand() < 0.3) body.extra = { note: 'x'.repeat(200 + int(1200)), flags: [rand() < 0.5, rand() < 0.5] };
    if (rand() < drift) {
      const d = int(3);
      if (d === 0) delete body.account_id;
      else if (d === 1) body[`new_field_${int(5)}`] = int(100);
      else body.role_id = String(roleId);
    }
    let line = `[${logTime(ms)}][${kind}],${JSON.stringify(body)}`;
    if (bad) {
      const how = int(3);
      if (how === 0) line = line.slice(0, Math.max(30, Math.floor(line.length / 2)));
      else if (how === 1) line = line.replace(`][${kind}]`, `[${kind}]`);
      else line = line.replace(`"server_id":${serverId}`, '"server_id":"s-unknown"');
    }
    yield { line, kind, malformed: bad };
  }
}

/** The first `count` lines, joined with newlines (with a trailing newline). */
export function generateText(count: number, opts: GenerateOptions = {}): string {
  const out: string[] = [];
  const it = generate(opts);
  for (let i = 0; i < count; i++) out.push(it.next().value!.line);
  return `${out.join('\n')}\n`;
}
