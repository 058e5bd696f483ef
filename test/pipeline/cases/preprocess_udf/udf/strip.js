// "<host> app: {json}" → "{json}"; heartbeat lines are dropped; lines without ": " throw.
export function strip(line) {
  if (line.includes('heartbeat')) return null;
  const at = line.indexOf(': ');
  if (at < 0) throw new Error(`no ": " in the line`);
  return line.slice(at + 2);
}
