package repl

// helpText is what HELP; prints.
const helpText = `Statements end with ';' and may span lines.
  CREATE TABLE t (...) WITH ('connector' = ...);  CREATE VIEW v AS SELECT ...;
  DROP TABLE t;  DROP VIEW v;  SHOW TABLES;  SHOW VIEWS;  SHOW FUNCTIONS;  DESCRIBE t;
  SELECT ...;                 shows the result live, until its input ends or Ctrl-C
  EXPLAIN SELECT ...;         the plan; each node says whether it is append or updating
  INSERT INTO t SELECT ...;   starts a background job and prints its id
  SHOW JOBS;                  lists the jobs: id, status, records in and out, statement
  STOP JOB 'id';              stops one
  SET 'key' = 'value';  SET;  RESET 'key';  RESET;
  SOURCE 'file.sql';          runs the statements of a file
  HELP;  QUIT;

Result modes: SET 'sql-client.execution.result-mode' = 'table' | 'changelog' | 'tableau';
  table      the materialized result, its rows updated in place (the default)
  changelog  the latest changes, each with its kind: +I insert, -U/+U update, -D delete
  tableau    rows printed as they come
The status line under a result shows its rows, input records per second, the watermark,
late and bad records, and the time since the query started.

Keys: Tab completes keywords, tables, columns and functions. Up/Down walk the history,
Ctrl-R searches it. Ctrl-C stops a running query, or clears the line at the prompt.
Ctrl-D on an empty line leaves.
`
