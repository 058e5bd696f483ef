export { type AvroField, type AvroRecordSchema, type AvroType, avroSchema } from './avro.ts';
export { DerivationError, TypeSyntaxError } from './errors.ts';
export { type FlinkKafkaTableSpec, flinkKafkaDdl, flinkType } from './flink.ts';
export { type HiveTableSpec, hiveDdl, hiveString, hiveType, sparkDdl, sparkType } from './hive.ts';
export { JSON_SCHEMA_DIALECT, type JsonSchema, rowJsonSchema, typeSchema } from './jsonschema.ts';
export { type ParquetSchemaOptions, parquetSchemaText } from './parquet.ts';
export { type ColumnTypeSpec, type DefaultLiteral, parseColumnType, parseType, TYPE_NAMES } from './parse.ts';
export { printType, quoteIdentifier, quoteSqlString, spellType, type TypeSpelling } from './print.ts';
export { editDistance, suggest } from './suggest.ts';
