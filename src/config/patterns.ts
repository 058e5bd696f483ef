// Checking user regexes (parser regex, filter regex, oplog header) at config load.

type Compile = (pattern: string) => unknown;

let compiler: Promise<Compile> | undefined;

// The parser stage owns the regex engine (src/stages/parser/regex.ts, compileUserRegex); patterns are
// checked with that same engine so a pattern accepted here also compiles there. Until that module
// exists, JavaScript's RegExp is the stand-in.
function userRegexCompiler(): Promise<Compile> {
  compiler ??= (async () => {
    const modulePath = '../stages/parser/regex.ts';
    try {
      const mod = (await import(modulePath)) as { compileUserRegex?: Compile };
      if (typeof mod.compileUserRegex === 'function') return mod.compileUserRegex;
    } catch {
      // not written yet
    }
    return (pattern: string) => new RegExp(pattern);
  })();
  return compiler;
}

export interface PatternCheck {
  /** Why the pattern does not compile, or undefined when it does. */
  error?: string;
  /** Names of its named groups, in order. */
  groups: string[];
}

export async function checkPattern(pattern: string): Promise<PatternCheck> {
  const compile = await userRegexCompiler();
  const groups = namedGroups(pattern);
  try {
    compile(pattern);
    return { groups };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      error: `the regex does not compile: ${message.replace(/^Invalid regular expression: /, '')}`,
      groups,
    };
  }
}

/** `(?<name>…)` and `(?P<name>…)` groups; an escaped `\(` is not a group. */
export function namedGroups(pattern: string): string[] {
  const out: string[] = [];
  const re = /\\.|\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/g;
  for (const m of pattern.matchAll(re)) if (m[1] !== undefined) out.push(m[1]);
  return out;
}
