// User regexes (regex parser, filter regex, oplog header) must not be able to stall a job.
//
// Engine choice (numbers in bench/regex.ts): V8's backtracking engine runs the nginx access-log
// pattern at ~0.9 µs/line, re2js (linear, pure JS) at ~36 µs/line. With the V8 flag
// --enable-experimental-regexp-engine-on-excessive-backtracks, V8 switches a regex to its linear
// engine after too many backtracks, so `^(a+)+$` on 'aaa…!' takes milliseconds — but only for
// patterns the linear engine supports and only without the u/i/d/y flags (with them it keeps
// backtracking for minutes). So: a pattern the linear engine accepts runs natively, flag-less;
// anything else (counted repetition like a{1,1000}, \p{…}, (?i), (?P<name>…)) runs on re2js;
// a pattern neither can bound (backreferences, lookahead) is refused with a plain message.
import v8 from 'node:v8';
import { RE2JS } from 're2js';
import { StageError } from '../../core/errors.ts';

v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
// Lets us ask V8 whether a pattern can run linearly (the `l` flag); it changes nothing else.
v8.setFlagsFromString('--enable-experimental-regexp-engine');

export interface UserRegexMatch {
  /** Named groups that took part in the match. */
  groups: Record<string, string>;
  /** Index just past the match. */
  end: number;
}

export interface UserRegex {
  readonly pattern: string;
  /** `native` (V8, with linear fallback) or `re2js`. */
  readonly engine: 'native' | 're2js';
  /** Named groups of the first match, or null when the pattern does not match. */
  exec(text: string): Record<string, string> | null;
  /** Like exec, plus where the match ends. */
  match(text: string): UserRegexMatch | null;
  test(text: string): boolean;
  /** Names of the named groups, in pattern order. */
  readonly groupNames: string[];
}

/** Compiles a user pattern; throws a plain Error (a config problem) when it is invalid or unsafe. */
export function compileUserRegex(pattern: string): UserRegex {
  const native = compileNative(pattern);
  if (native) return nativeRegex(pattern, native);
  let re2: RE2JS;
  try {
    re2 = RE2JS.compile(pattern);
  } catch (e) {
    throw new Error(explainRejection(pattern, e));
  }
  return re2Regex(pattern, re2);
}

function compileNative(pattern: string): RegExp | null {
  // Without the u flag these escapes mean something else (\p{L} = "p{L}"); let re2js handle them.
  if (/\\[pPu]\{/.test(pattern)) return null;
  try {
    new RegExp(pattern, 'l');
    return new RegExp(pattern);
  } catch {
    return null;
  }
}

function explainRejection(pattern: string, re2Error: unknown): string {
  let nativeOk = false;
  try {
    new RegExp(pattern);
    nativeOk = true;
  } catch {}
  if (nativeOk) {
    return (
      `regex /${pattern}/ uses a feature (a backreference like \\1, or a lookahead like (?=…)) that ` +
      'cannot be matched in bounded time, so one bad record could stall the job; rewrite it without them'
    );
  }
  const detail = re2Error instanceof Error ? re2Error.message.replace(/^error parsing regexp: /, '') : '';
  return `invalid regex /${pattern}/: ${detail}`;
}

function setField(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true });
  else target[key] = value;
}

function copyGroups(groups: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!groups) return out;
  for (const k in groups) {
    const v = groups[k];
    if (v !== undefined) setField(out, k, v);
  }
  return out;
}

// V8 bounds the time a regex takes but not its backtrack stack: a pattern like ^(a|b)*c on a
// line of megabytes throws RangeError. That is the record's size meeting the pattern, so it is
// this record's error, not the job's.
function gaveUp(pattern: string, text: string, e: unknown): unknown {
  if (!(e instanceof RangeError)) return e;
  return new StageError(
    'PARSE_REGEX_TIMEOUT',
    `the regex /${pattern}/ gave up on this record of ${text.length} characters (${e.message}); ` +
      'simplify the pattern, e.g. avoid a repeated group like (a|b)* running over the whole line',
    { errorClass: 'RangeError', cause: e },
  );
}

function nativeRegex(pattern: string, re: RegExp): UserRegex {
  const groupNames = namesOf(pattern);
  const match = (text: string): UserRegexMatch | null => {
    let m: RegExpExecArray | null;
    try {
      m = re.exec(text);
    } catch (e) {
      throw gaveUp(pattern, text, e);
    }
    return m ? { groups: copyGroups(m.groups), end: m.index + m[0].length } : null;
  };
  return {
    pattern,
    engine: 'native',
    groupNames,
    match,
    exec: (text) => match(text)?.groups ?? null,
    test: (text) => {
      try {
        return re.test(text);
      } catch (e) {
        throw gaveUp(pattern, text, e);
      }
    },
  };
}

function re2Regex(pattern: string, re: RE2JS): UserRegex {
  const groupNames = Object.keys(re.namedGroups());
  const match = (text: string): UserRegexMatch | null => {
    const m = re.exec(text) as RegExpExecArray | null;
    return m ? { groups: copyGroups(m.groups), end: m.index + m[0].length } : null;
  };
  return {
    pattern,
    engine: 're2js',
    groupNames,
    match,
    exec: (text) => match(text)?.groups ?? null,
    test: (text) => re.test(text),
  };
}

function namesOf(pattern: string): string[] {
  // An empty alternative always matches, so exec returns every group (as undefined).
  const m = new RegExp(`${pattern}|`).exec('');
  return m?.groups ? Object.keys(m.groups) : [];
}
