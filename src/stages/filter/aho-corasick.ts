// Aho–Corasick over UTF-16 code units: finds every keyword occurring in a text in one pass.
// Matching code units is exact for any unicode text (a keyword's surrogate pairs match only the
// same pairs). The automaton is a full DFA over the keywords' alphabet (plus "any other char"),
// so each text character costs two array reads.

export interface KeywordMatcher {
  /** Calls onMatch(keywordId) for each keyword found (possibly more than once per keyword). */
  scan(text: string, onMatch: (id: number) => void): void;
}

export function buildAhoCorasick(keywords: string[]): KeywordMatcher {
  // Character classes: 0 = a char no keyword contains.
  const classOf = new Uint16Array(65536);
  let classes = 1;
  for (const k of keywords) {
    for (let i = 0; i < k.length; i++) {
      const c = k.charCodeAt(i);
      if (classOf[c] === 0) classOf[c] = classes++;
    }
  }
  // Trie.
  const next: Map<number, number>[] = [new Map()];
  const outs: number[][] = [[]];
  keywords.forEach((k, id) => {
    let s = 0;
    for (let i = 0; i < k.length; i++) {
      const cls = classOf[k.charCodeAt(i)]!;
      let t = next[s]!.get(cls);
      if (t === undefined) {
        t = next.length;
        next.push(new Map());
        outs.push([]);
        next[s]!.set(cls, t);
      }
      s = t;
    }
    outs[s]!.push(id);
  });
  // BFS: failure links, full transition table, outputs merged along failure links.
  const states = next.length;
  const delta = new Int32Array(states * classes);
  const fail = new Int32Array(states);
  const queue: number[] = [];
  for (const [cls, t] of next[0]!) {
    delta[cls] = t;
    queue.push(t);
  }
  for (let q = 0; q < queue.length; q++) {
    const s = queue[q]!;
    const f = fail[s]!;
    if (outs[f]!.length > 0) outs[s] = outs[s]!.concat(outs[f]!);
    for (let cls = 0; cls < classes; cls++) {
      const t = next[s]!.get(cls);
      if (t === undefined) delta[s * classes + cls] = delta[f * classes + cls]!;
      else {
        delta[s * classes + cls] = t;
        fail[t] = delta[f * classes + cls]!;
        queue.push(t);
      }
    }
  }
  const output: (Int32Array | null)[] = outs.map((o) => (o.length > 0 ? Int32Array.from(o) : null));
  return {
    scan(text, onMatch) {
      let s = 0;
      for (let i = 0; i < text.length; i++) {
        s = delta[s * classes + classOf[text.charCodeAt(i)]!]!;
        const o = output[s];
        if (o !== null) for (let j = 0; j < o.length; j++) onMatch(o[j]!);
      }
    },
  };
}
