import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogicalType } from '../core/types.ts';
import { compileExpr, ExprError } from './index.ts';

const fields = new Map<string, LogicalType>([
  ['level', { kind: 'INT', nullable: true }],
  ['name', { kind: 'STRING', nullable: true }],
  ['ok', { kind: 'BOOLEAN', nullable: true }],
  ['ts', { kind: 'TIMESTAMP', precision: 3, nullable: true }],
  ['tags', { kind: 'ARRAY', element: { kind: 'STRING', nullable: true }, nullable: true }],
  [
    'role',
    {
      kind: 'ROW',
      fields: [{ name: 'level', type: { kind: 'INT', nullable: true } }],
      nullable: true,
    },
  ],
]);

// [expression, expected message (exact), column, mode]
const BAD: [string, string, number, 'typed' | 'dynamic'][] = [
  ['lowr(name)', 'unknown function "lowr" at column 1 (did you mean lower?)', 1, 'typed'],
  ['lower(name', 'expected ")" but the expression ended at column 11', 11, 'typed'],
  ['upper(name) = (level + 1', 'expected ")" but the expression ended at column 25', 25, 'typed'],
  ['name = TRUE', 'cannot compare STRING with BOOLEAN at column 6', 6, 'typed'],
  ["'a' + 1", 'cannot apply "+" to STRING and INT (use CAST, or || to join strings) at column 5', 5, 'typed'],
  ['levle + 1', 'unknown field "levle" at column 1 (did you mean level?)', 1, 'typed'],
  ['role.levl', 'ROW<level INT> has no field "levl" at column 6 (did you mean level?)', 6, 'typed'],
  ['level.x', 'cannot read field "x" of INT at column 7', 7, 'typed'],
  [
    'substring(name)',
    'wrong number of arguments for substring: expected 2 to 3, got 1 (usage: substring(s, pos[, len])) at column 1',
    1,
    'typed',
  ],
  ['lower(level)', 'lower expects a STRING as argument 1, got INT at column 7', 7, 'typed'],
  ['level AND ok', 'AND needs a condition (BOOLEAN), got INT at column 1', 1, 'typed'],
  ['CAST(name AS INTEGR)', 'unknown type "INTEGR" (did you mean INTEGER?) at column 14', 14, 'typed'],
  ['CAST(tags AS INT)', 'cannot cast ARRAY<STRING> to INT at column 1', 1, 'typed'],
  ["CAST('abc' AS INT)", "cannot cast 'abc' to INT: not a number at column 1", 1, 'dynamic'],
  ["'unterminated", "unterminated string (missing closing ') at column 1", 1, 'dynamic'],
  ['a = = b', 'expected a value, field or function, found "=" at column 5', 5, 'dynamic'],
  ['a b', 'expected end of expression, found "b" at column 3', 3, 'dynamic'],
  ['a < b < c', 'comparisons cannot be chained; combine them with AND at column 7', 7, 'dynamic'],
  [
    '"name" = 1',
    "double quotes are not used: write strings in single quotes ('text') and odd field names in backquotes (`name`) at column 1",
    1,
    'dynamic',
  ],
  ['a # 1', 'unexpected character "#" at column 3', 3, 'dynamic'],
  ["DATE '2026-13-01'", "invalid DATE literal '2026-13-01' (expected yyyy-MM-dd) at column 1", 1, 'dynamic'],
  [
    "regexp_extract(s, '(')",
    'invalid regular expression "(": missing closing ): `(` at column 19',
    19,
    'dynamic',
  ],
  [
    "date_format(ts, 'yyyy-MM-dd QQ')",
    'unsupported letter "Q" in time format "yyyy-MM-dd QQ" (quote literal text: \'T\'; letters: yyyy MM dd HH mm ss SSS a E D X Z) at column 17',
    17,
    'typed',
  ],
  ["json_value(s, 'a.b')", 'JSON path "a.b" must start with $ at column 15', 15, 'dynamic'],
  [
    'timestampadd(DECADE, 1, ts)',
    'unknown time unit "DECADE" (use one of YEAR, QUARTER, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND) at column 14',
    14,
    'typed',
  ],
  ['tags[name]', 'an array index must be an integer, got STRING at column 6', 6, 'typed'],
  ["x LIKE 'a' ESCAPE 'ab'", 'ESCAPE takes a single-character string at column 19', 19, 'dynamic'],
  ['CASE WHEN ok THEN 1 ELSE name END', 'CASE: cannot mix INT and STRING at column 26', 26, 'typed'],
  ['', 'the expression is empty at column 1', 1, 'dynamic'],
  [
    'ts + 1',
    'cannot apply "+" to TIMESTAMP and INT (use timestampadd or datediff for dates and times) at column 4',
    4,
    'typed',
  ],
  [
    '99999999999999999999999999999999999999999',
    'the number 99999999999999999999999999999999999999999 is too large at column 1',
    1,
    'dynamic',
  ],
];

test('bad expressions: clear messages pointing at the column', () => {
  const failures: string[] = [];
  for (const [text, message, column, mode] of BAD) {
    try {
      compileExpr(text, mode === 'typed' ? { fields } : { dynamic: true });
      failures.push(`${text}: compiled without error`);
    } catch (e) {
      if (!(e instanceof ExprError)) {
        failures.push(`${text}: threw ${(e as Error).name}: ${(e as Error).message}`);
        continue;
      }
      if (e.message !== message) failures.push(`${text}:\n   got  ${e.message}\n   want ${message}`);
      if (e.column !== column) failures.push(`${text}: column ${e.column}, want ${column}`);
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(BAD.length >= 20);
});

test('an unknown time zone is a compile error', () => {
  assert.throws(() => compileExpr('now()', { dynamic: true, timezone: 'Mars/Olympus' }), {
    name: 'ExprError',
    message: /unknown time zone "Mars\/Olympus"/,
  });
});

test('the error span covers the offending text', () => {
  try {
    compileExpr('lower(name) = TRUE', { fields });
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof ExprError);
    assert.equal(e.column, 13);
    assert.equal(e.length, 1);
  }
});
