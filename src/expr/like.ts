// SQL LIKE: `%` any run of characters, `_` exactly one character, with an optional escape character.
// Matches in O(text × pattern) at worst (no backtracking regex).

type Seg = (string | null)[]; // null = `_`; otherwise one code point

/** Compiles a LIKE pattern; throws Error on a dangling escape character. */
export function compileLike(pattern: string, escapeChar: string | null): (s: string) => boolean {
  const segs: Seg[] = [[]];
  let underscore = false;
  const cps = Array.from(pattern);
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    const cur = segs[segs.length - 1]!;
    if (escapeChar !== null && c === escapeChar) {
      const next = cps[i + 1];
      if (next === undefined) throw new Error(`LIKE pattern "${pattern}" ends with the escapeChar character`);
      cur.push(next);
      i++;
    } else if (c === '%') {
      segs.push([]);
    } else if (c === '_') {
      cur.push(null);
      underscore = true;
    } else {
      cur.push(c);
    }
  }
  const anchoredEnd = segs.length > 1;
  if (!underscore) {
    const lits = segs.map((s) => s.join(''));
    if (lits.length === 1) {
      const lit = lits[0]!;
      return (s) => s === lit;
    }
    const first = lits[0]!;
    const last = lits[lits.length - 1]!;
    const middle = lits.slice(1, -1).filter((l) => l !== '');
    return (s) => {
      if (!s.startsWith(first)) return false;
      let pos = first.length;
      for (const m of middle) {
        const i = s.indexOf(m, pos);
        if (i < 0) return false;
        pos = i + m.length;
      }
      return s.length - last.length >= pos && s.endsWith(last);
    };
  }
  return (s) => matchSegments(Array.from(s), segs, anchoredEnd);
}

function matchAt(text: string[], i: number, seg: Seg): boolean {
  if (i + seg.length > text.length) return false;
  for (let k = 0; k < seg.length; k++) {
    const c = seg[k];
    if (c !== null && text[i + k] !== c) return false;
  }
  return true;
}

function matchSegments(text: string[], segs: Seg[], hasPercent: boolean): boolean {
  const first = segs[0]!;
  if (!hasPercent) return text.length === first.length && matchAt(text, 0, first);
  if (!matchAt(text, 0, first)) return false;
  let pos = first.length;
  for (let k = 1; k < segs.length - 1; k++) {
    const seg = segs[k]!;
    let i = pos;
    while (i + seg.length <= text.length && !matchAt(text, i, seg)) i++;
    if (i + seg.length > text.length) return false;
    pos = i + seg.length;
  }
  const last = segs[segs.length - 1]!;
  const start = text.length - last.length;
  return start >= pos && matchAt(text, start, last);
}
