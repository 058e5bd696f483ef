-- Spark reads Hive's escaped text format only through the Hive SerDe: this is the Hive DDL, and
-- it needs a SparkSession with Hive support (enableHiveSupport()).
CREATE EXTERNAL TABLE IF NOT EXISTS `game_logs`.`login` (
  `id` BIGINT COMMENT 'player id',
  `flag` BOOLEAN,
  `tiny` TINYINT,
  `small` SMALLINT,
  `level` INT,
  `ratio` FLOAT,
  `score` DOUBLE,
  `price` DECIMAL(9,2),
  `amount` DECIMAL(18,4),
  `big_amount` DECIMAL(38,10),
  `plain_decimal` DECIMAL(10,0),
  `fraction` DECIMAL(3,3),
  `name` STRING COMMENT 'it\'s "quoted"\nsecond line, back\\slash, tab\there',
  `code` VARCHAR(16),
  `long_text` STRING,
  `payload` BINARY,
  `day` DATE,
  `ts0` TIMESTAMP,
  `ts3` TIMESTAMP,
  `ts6` TIMESTAMP,
  `ts9` TIMESTAMP,
  `ltz3` TIMESTAMP,
  `ltz6` TIMESTAMP,
  `tags` ARRAY<STRING>,
  `matrix` ARRAY<ARRAY<DOUBLE>>,
  `attrs` MAP<STRING,INT>,
  `by_level` MAP<INT,STRING>,
  `extra` STRING,
  `profile` STRUCT<`select`:INT COMMENT 'reserved word',`from`:STRING,`history`:ARRAY<MAP<STRING,STRUCT<`order`:BIGINT,`at`:TIMESTAMP,`note`:STRING>>> COMMENT 'nested: ROW<ARRAY<MAP<...>>>'>,
  `deep` STRUCT<`a`:STRUCT<`b`:STRUCT<`c`:STRUCT<`d`:ARRAY<INT>>>>>,
  `select` INT,
  `from` DATE,
  `order` STRING COMMENT 'a reserved word',
  `odd``name` STRING COMMENT 'a backquote in the name'
)
COMMENT 'Login events; written by Weir'
PARTITIONED BY (`dt` STRING COMMENT 'partition: day', `hour` INT)
ROW FORMAT DELIMITED
  FIELDS TERMINATED BY '\001' ESCAPED BY '\\'
  COLLECTION ITEMS TERMINATED BY '\002'
  MAP KEYS TERMINATED BY '\003'
  LINES TERMINATED BY '\n'
  NULL DEFINED AS '\\N'
STORED AS TEXTFILE
LOCATION 'hdfs://nn:8020/warehouse/game_logs.db/login\'s'
TBLPROPERTIES (
  'serialization.escape.crlf'='true',
  'hive.serialization.extend.nesting.levels'='true'
)
