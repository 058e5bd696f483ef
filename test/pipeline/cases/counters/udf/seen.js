// Counts every record it sees, and the ones carrying a combo, before the formatter runs.
export function seen(rec, weir) {
  weir.count('udf_seen');
  if (rec.combo) weir.count('combo_hits', rec.combo);
  return rec;
}
