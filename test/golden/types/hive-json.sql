-- org.apache.hive.hcatalog.data.JsonSerDe is in the jar org.apache.hive.hcatalog:hive-hcatalog-core
-- of your Hive's version (2.3.10 for Spark 4's built-in Hive): ADD JAR it in Hive, give it to Spark
-- with --jars or spark.jars.packages, or use weir ddl --dialect spark (no jar needed).
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
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS TEXTFILE
LOCATION 'hdfs://nn:8020/warehouse/game_logs.db/login\'s'
