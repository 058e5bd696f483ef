// One record per item of a bag; a record without a bag is dropped; a "boom" record throws.
export function explode(rec) {
  if (rec.kind === 'boom') throw new TypeError('cannot explode a boom');
  if (rec.kind === 'number') return 42;
  if (!rec.bag) return null;
  if (!Array.isArray(rec.bag)) return { role_id: rec.role_id, item: String(rec.bag), count: 1 };
  return rec.bag.map((item) => ({ role_id: rec.role_id, item: item.name, count: item.n }));
}
