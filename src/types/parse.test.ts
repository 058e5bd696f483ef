import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogicalType } from '../core/types.ts';
import { parseColumnType, parseType, suggest, TypeSyntaxError } from './parse.ts';
import { printType } from './print.ts';
import { seededRandom, TypeGenerator } from './test-support.ts';

const KNOWN =
  'BOOLEAN, TINYINT, SMALLINT, INT, INTEGER, BIGINT, FLOAT, DOUBLE, DECIMAL, STRING, VARCHAR, BINARY, DATE, TIMESTAMP, TIMESTAMP_LTZ, ARRAY, MAP, ROW, JSON';

test('primitive types, aliases and defaults', () => {
  const cases: [string, LogicalType][] = [
    ['BOOLEAN', { kind: 'BOOLEAN', nullable: true }],
    ['tinyint', { kind: 'TINYINT', nullable: true }],
    ['SmallInt', { kind: 'SMALLINT', nullable: true }],
    ['INT', { kind: 'INT', nullable: true }],
    ['INTEGER', { kind: 'INT', nullable: true }],
    ['BIGINT NOT NULL', { kind: 'BIGINT', nullable: false }],
    ['FLOAT NULL', { kind: 'FLOAT', nullable: true }],
    ['DOUBLE', { kind: 'DOUBLE', nullable: true }],
    ['DECIMAL', { kind: 'DECIMAL', precision: 10, scale: 0, nullable: true }],
    ['DECIMAL(5)', { kind: 'DECIMAL', precision: 5, scale: 0, nullable: true }],
    ['decimal( 38 , 38 )', { kind: 'DECIMAL', precision: 38, scale: 38, nullable: true }],
    ['STRING', { kind: 'STRING', nullable: true }],
    ['VARCHAR(2147483647)', { kind: 'VARCHAR', length: 2147483647, nullable: true }],
    ['BINARY', { kind: 'BINARY', nullable: true }],
    ['DATE', { kind: 'DATE', nullable: true }],
    ['TIMESTAMP', { kind: 'TIMESTAMP', precision: 6, nullable: true }],
    ['TIMESTAMP(0)', { kind: 'TIMESTAMP', precision: 0, nullable: true }],
    ['TIMESTAMP_LTZ', { kind: 'TIMESTAMP_LTZ', precision: 6, nullable: true }],
    ['TIMESTAMP_LTZ(9) NOT NULL', { kind: 'TIMESTAMP_LTZ', precision: 9, nullable: false }],
    ['TIMESTAMP(3) WITH LOCAL TIME ZONE', { kind: 'TIMESTAMP_LTZ', precision: 3, nullable: true }],
    ['timestamp without time zone not null', { kind: 'TIMESTAMP', precision: 6, nullable: false }],
    ['JSON', { kind: 'JSON', nullable: true }],
    // Flink's aliases
    ['NUMERIC(12, 2)', { kind: 'DECIMAL', precision: 12, scale: 2, nullable: true }],
    ['dec', { kind: 'DECIMAL', precision: 10, scale: 0, nullable: true }],
    ['BYTES NOT NULL', { kind: 'BINARY', nullable: false }],
    ['DOUBLE PRECISION', { kind: 'DOUBLE', nullable: true }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseType(text), expected, text);
});

test('nested types carry their own nullability', () => {
  assert.deepEqual(parseType('ARRAY<INT NOT NULL> NOT NULL'), {
    kind: 'ARRAY',
    element: { kind: 'INT', nullable: false },
    nullable: false,
  });
  assert.deepEqual(parseType('map<string not null, array<decimal(12,2)>>'), {
    kind: 'MAP',
    key: { kind: 'STRING', nullable: false },
    value: {
      kind: 'ARRAY',
      element: { kind: 'DECIMAL', precision: 12, scale: 2, nullable: true },
      nullable: true,
    },
    nullable: true,
  });
});

test('ROW fields: backquoted names, comments (with or without COMMENT), both bracket styles', () => {
  assert.deepEqual(
    parseType("ROW<`select` INT NOT NULL COMMENT 'it''s reserved', `a``b` STRING 'flink style', 名字 DATE>"),
    {
      kind: 'ROW',
      fields: [
        { name: 'select', type: { kind: 'INT', nullable: false }, comment: "it's reserved" },
        { name: 'a`b', type: { kind: 'STRING', nullable: true }, comment: 'flink style' },
        { name: '名字', type: { kind: 'DATE', nullable: true } },
      ],
      nullable: true,
    },
  );
  assert.deepEqual(
    parseType('ROW(a INT, b ROW(c STRING)) NOT NULL'),
    parseType('ROW<a INT, b ROW<c STRING>> NOT NULL'),
  );
  // Keywords are fine as unquoted field names: the position says it is a name.
  assert.deepEqual(
    parseType('ROW<comment STRING, not INT>').kind === 'ROW' &&
      (parseType('ROW<comment STRING, not INT>') as { fields: { name: string }[] }).fields.map((f) => f.name),
    ['comment', 'not'],
  );
});

test('parseColumnType: DEFAULT literals and COMMENT in either order', () => {
  assert.deepEqual(parseColumnType("BIGINT NOT NULL DEFAULT -5 COMMENT 'player id'"), {
    type: { kind: 'BIGINT', nullable: false },
    default: -5,
    comment: 'player id',
  });
  assert.deepEqual(parseColumnType("STRING COMMENT 'c' DEFAULT 'it''s'"), {
    type: { kind: 'STRING', nullable: true },
    default: "it's",
    comment: 'c',
  });
  assert.deepEqual(parseColumnType('INT'), { type: { kind: 'INT', nullable: true } });
  const defaults: [string, unknown][] = [
    ['DOUBLE DEFAULT 1.5', 1.5],
    ['DOUBLE DEFAULT +2e3', 2000],
    ['BOOLEAN DEFAULT true', true],
    ['BOOLEAN DEFAULT FALSE', false],
    ['INT DEFAULT NULL', null],
    ['BIGINT DEFAULT 9007199254740993', 9007199254740993n],
    ['BIGINT DEFAULT -9223372036854775808', -9223372036854775808n],
    // More digits than a double keeps: the literal's text, for a lossless cast.
    ['DECIMAL(38,2) DEFAULT 12345678901234567.25', '12345678901234567.25'],
    ["DATE DEFAULT '2026-11-25'", '2026-11-25'],
  ];
  for (const [text, expected] of defaults) assert.deepEqual(parseColumnType(text).default, expected, text);
});

// [input, message, position]
const BAD_TYPES: [string, string, number][] = [
  ['BIGNIT', 'unknown type "BIGNIT" at 0 (did you mean BIGINT?)', 0],
  ['ARRAY<INTT>', 'unknown type "INTT" at 6 (did you mean INT?)', 6],
  ['STRUCT<a:INT>', 'unknown type "STRUCT" at 0 (did you mean ROW?)', 0],
  ['CHAR(10)', 'unknown type "CHAR" at 0 (did you mean VARCHAR(n) or STRING?)', 0],
  ['NUMERIC(39)', 'DECIMAL precision must be 1..38, got 39', 8],
  ['DOUBLE(5)', 'DOUBLE takes no parameters at 6', 6],
  ['BOOL', 'unknown type "BOOL" at 0 (did you mean BOOLEAN?)', 0],
  ['FOO', `unknown type "FOO" at 0 (known types: ${KNOWN})`, 0],
  ['ARRAY<BIGINT', 'expected ">" to close ARRAY< at 12', 12],
  ['ARRAY<INT,', 'expected ">" to close ARRAY< at 9, found ","', 9],
  ['ARRAY', 'expected "<" after ARRAY at 5', 5],
  ['ARRAY<>', 'expected a type at 6, found ">"', 6],
  ['DECIMAL(40,2)', 'DECIMAL precision must be 1..38, got 40', 8],
  ['DECIMAL(0)', 'DECIMAL precision must be 1..38, got 0', 8],
  ['DECIMAL(99999999999999999999)', 'DECIMAL precision must be 1..38, got 99999999999999999999', 8],
  ['DECIMAL(3,5)', 'scale 5 is larger than precision 3', 10],
  ['DECIMAL(38, 39)', 'scale 39 is larger than precision 38', 12],
  ['DECIMAL(10', 'expected ")" to close DECIMAL( at 10', 10],
  ['DECIMAL()', 'expected the DECIMAL precision (a whole number) at 8, found ")"', 8],
  ['DECIMAL(10.5)', 'expected the DECIMAL precision (a whole number) at 8, found "10.5"', 8],
  ['DECIMAL(10,)', 'expected the DECIMAL scale (a whole number) at 11, found ")"', 11],
  ['VARCHAR(0)', 'VARCHAR length must be 1..2147483647, got 0', 8],
  ['VARCHAR(2147483648)', 'VARCHAR length must be 1..2147483647, got 2147483648', 8],
  ['VARCHAR', 'VARCHAR needs a length, e.g. VARCHAR(255) (use STRING for text of any length) at 7', 7],
  ['VARCHAR(10', 'expected ")" to close VARCHAR( at 10', 10],
  ['TIMESTAMP(10)', 'TIMESTAMP precision must be 0..9, got 10', 10],
  ['TIMESTAMP_LTZ(12)', 'TIMESTAMP_LTZ precision must be 0..9, got 12', 14],
  ['TIMESTAMP(-1)', 'expected the TIMESTAMP precision (a whole number) at 10, found "-"', 10],
  ['TIMESTAMP WITH TIME ZONE', 'expected LOCAL TIME ZONE after TIMESTAMP ... WITH at 15, found "TIME"', 15],
  ['MAP<ARRAY<INT>, STRING>', 'MAP key type must be a primitive, got ARRAY<INT>', 4],
  ['MAP<ROW<a INT>, STRING>', 'MAP key type must be a primitive, got ROW<`a` INT>', 4],
  ['MAP<STRING>', 'expected "," after the MAP key type at 10, found ">"', 10],
  ['MAP<STRING, INT', 'expected ">" to close MAP< at 15', 15],
  ['map<string, array<row<x int>>', 'expected ">" to close MAP< at 29', 29],
  ['ROW<a INT, a STRING>', 'duplicate field "a" in ROW', 11],
  ['ROW<a INT, A STRING>', 'duplicate field "A" in ROW (same as "a" apart from case)', 11],
  ['ROW<>', 'ROW needs at least one field at 4', 4],
  ['ROW<a>', 'expected a type at 5, found ">"', 5],
  ['ROW<a INT b INT>', 'expected "," or ">" to close ROW< at 10, found "b"', 10],
  ['ROW(a INT', 'expected "," or ")" to close ROW( at 9', 9],
  ['ROW<a INT,>', 'expected a field name at 10, found ">"', 10],
  ['ROW<1a INT>', 'expected a field name at 4, found "1"', 4],
  ['ROW<`` INT>', 'empty field name at 4', 4],
  ['ROW<`a INT>', 'unclosed backquoted name (`) starting at 4', 4],
  ["ROW<a INT COMMENT 'x>", "unclosed quoted text (') starting at 18", 18],
  ['ROW<a INT COMMENT>', 'expected the comment in single quotes after COMMENT at 17, found ">"', 17],
  ['ROW INT', 'expected "<" after ROW at 4, found "INT"', 4],
  ['', 'the type is empty', 0],
  ['   ', 'the type is empty', 0],
  ['INT NOT', 'expected NULL after NOT at 7', 7],
  ['INT NOT NUL', 'expected NULL after NOT at 8, found "NUL"', 8],
  ['INT NOT NULL NOT NULL', 'unexpected "NOT" after the type at 13', 13],
  ['INT FOO', 'unexpected "FOO" after the type at 4', 4],
  ['ARRAY<INT> ARRAY<INT>', 'unexpected "ARRAY" after the type at 11', 11],
  ["INT COMMENT 'x'", 'unexpected "COMMENT" after the type at 4', 4],
  ['INT(11)', 'INT takes no parameters at 3', 3],
  ['BINARY(16)', 'BINARY takes no parameters at 6', 6],
  ['INT#', 'unexpected character "#" at 3', 3],
  ['`INT`', 'expected a type at 0, found "`INT`"', 0],
];

test(`${BAD_TYPES.length} bad type strings give the exact message and position`, () => {
  assert.ok(BAD_TYPES.length >= 40);
  for (const [input, message, position] of BAD_TYPES) {
    assert.throws(
      () => parseType(input),
      (e: unknown) => {
        assert.ok(e instanceof TypeSyntaxError, `${input}: not a TypeSyntaxError`);
        assert.equal(e.message, message, input);
        assert.equal(e.position, position, input);
        return true;
      },
    );
  }
});

const BAD_COLUMNS: [string, string, number][] = [
  ['INT DEFAULT', "expected a value after DEFAULT (a number, 'text', TRUE, FALSE or NULL) at 11", 11],
  ['INT DEFAULT -', "expected a value after DEFAULT (a number, 'text', TRUE, FALSE or NULL) at 13", 13],
  ['INT NOT NULL DEFAULT NULL', 'DEFAULT NULL on a NOT NULL column at 21', 21],
  ['INT DEFAULT 1 DEFAULT 2', 'DEFAULT given twice at 14', 14],
  ['INT COMMENT', 'expected the comment in single quotes after COMMENT at 11', 11],
  ['INT DEFAULT 1 FOO', 'unexpected "FOO" after the type at 14 (expected COMMENT)', 14],
  ["INT COMMENT 'x' y", 'unexpected "y" after the type at 16 (expected DEFAULT)', 16],
  ['INT y', 'unexpected "y" after the type at 4 (expected DEFAULT or COMMENT)', 4],
  ['BIGNIT DEFAULT 1', 'unknown type "BIGNIT" at 0 (did you mean BIGINT?)', 0],
];

test('bad column strings give the exact message and position', () => {
  for (const [input, message, position] of BAD_COLUMNS) {
    assert.throws(
      () => parseColumnType(input),
      (e: unknown) => e instanceof TypeSyntaxError && e.message === message && e.position === position,
      input,
    );
  }
});

test('errors say what was expected', () => {
  const expectedAt = (text: string) => {
    try {
      parseType(text);
    } catch (e) {
      if (e instanceof TypeSyntaxError) return e.expected;
    }
    assert.fail(`${text} parsed`);
  };
  assert.deepEqual(expectedAt('ARRAY<INT'), ['>']);
  assert.deepEqual(expectedAt('ROW<a INT'), [',', '>']);
  assert.ok(expectedAt('BIGNIT').includes('BIGINT'));
});

test('suggest: closest candidate within a typo distance, case-insensitive', () => {
  assert.equal(suggest('BIGNIT', ['INT', 'BIGINT']), 'BIGINT');
  assert.equal(suggest('brokres', ['brokers', 'topic']), 'brokers');
  assert.equal(suggest('Topic', ['brokers', 'topic']), 'topic');
  assert.equal(suggest('partiton_by', ['partitioned_by', 'location']), 'partitioned_by');
  assert.equal(suggest('xyz', ['brokers', 'topic']), undefined);
  assert.equal(suggest('ab', ['cd']), undefined);
  assert.equal(suggest('anything', []), undefined);
});

test('nesting is limited with a plain error, not a stack overflow', () => {
  assert.equal(parseType(`${'ARRAY<'.repeat(63)}INT${'>'.repeat(63)}`).kind, 'ARRAY');
  assert.throws(
    () => parseType(`${'ARRAY<'.repeat(100_000)}INT`),
    (e: unknown) => e instanceof TypeSyntaxError && e.message === 'types nest deeper than 64 levels at 384',
  );
});

test('mangled type strings only ever throw TypeSyntaxError, positioned inside the text', () => {
  const random = seededRandom(99);
  const generator = new TypeGenerator(5);
  const noise = "<>(),`' -0123456789aZ_NOTNULL";
  let failures = 0;
  for (let i = 0; i < 2000; i++) {
    const text = printType(generator.type(i % 5));
    const at = Math.floor(random() * (text.length + 1));
    const mangled = [
      text.slice(0, at),
      text.slice(0, at) + text.slice(at + 1),
      text.slice(0, at) + noise[Math.floor(random() * noise.length)] + text.slice(at),
    ][i % 3]!;
    try {
      parseType(mangled);
    } catch (e) {
      assert.ok(e instanceof TypeSyntaxError, `${mangled}: ${e}`);
      assert.ok(e.position >= 0 && e.position <= mangled.length, `${mangled}: position ${e.position}`);
      failures++;
    }
  }
  assert.ok(failures > 500, `only ${failures} mangled strings were rejected`);
});
