// Package parser reads scripts of eddy's streaming SQL — the Flink SQL dialect, plus the
// CREATE STREAM / CREATE PUMP / SELECT STREAM / STEP constructs of Kinesis Data Analytics
// for SQL — into Statements whose queries and expressions are TiDB ASTs
// (github.com/pingcap/tidb/pkg/parser/ast).
//
// It owns: the lexer of the dialect, the statement splitter, the front parser for the
// statements TiDB cannot read (CREATE TABLE with Flink types, WATERMARK, WITH options;
// SET/RESET/SHOW/DESCRIBE/EXPLAIN/DROP; statement sets; KDA streams and pumps; the SQL
// client's HELP, QUIT, SOURCE and STOP JOB, and where a typed statement ends), the
// token rewrites that turn streaming constructs into marker function calls TiDB parses,
// and the mapping of every position (AST nodes, TiDB syntax errors) back to the user's
// line and column. It must not import planner, exec or connectors: it knows syntax,
// not meaning.
//
// # How a query reaches TiDB
//
// Queries (and the expressions of DDL, wrapped as `SELECT <expr>`) are rewritten token by
// token into SQL that TiDB reads with ANSI_QUOTES, PIPES_AS_CONCAT, NO_BACKSLASH_ESCAPES
// and IGNORE_SPACE. Each rewritten text is a Source, which maps every byte back to the
// user's text: copied tokens one to one, synthesised text to the start of the construct
// it replaced. Comments are dropped, so MySQL's `/*+ hints */` and `/*! code */` do nothing.
//
// # Markers: the contract with the planner
//
// Streaming constructs arrive as calls to functions whose lower-case names start with
// "__" (ast.FuncCallExpr with FnName.L as below). Arguments written e1, e2 are
// expressions as the user wrote them (themselves rewritten); 'X' is a string literal.
//
//	__interval('10','SECOND')          INTERVAL '10' SECOND[S], INTERVAL 10 SECOND. Value is the
//	                                   user's string ('-5' for INTERVAL -'5'); unit singular upper
//	                                   case: MILLISECOND MICROSECOND SECOND MINUTE HOUR DAY WEEK
//	                                   MONTH QUARTER YEAR, or 'MINUTE TO SECOND' style ranges.
//	                                   Not rewritten in window frames (... PRECEDING/FOLLOWING),
//	                                   which TiDB reads itself.
//	__window_tumble(__descriptor(ts), size[, offset])
//	__window_hop(__descriptor(ts), slide, size[, offset])
//	__window_cumulate(__descriptor(ts), step, size[, offset])
//	__window_session(__descriptor(ts), gap[, __partition_by(k1, k2, ...)])
//	                                   From TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), ...)) [AS a] in
//	                                   FROM, which becomes
//	                                   (SELECT * FROM t WHERE __window_tumble(...)) AS a
//	                                   (alias defaults to t's last name part; TABLE (subquery)
//	                                   becomes FROM (subquery) AS __data). Named arguments
//	                                   (DATA =>, TIMECOL =>, SIZE =>, SLIDE =>, STEP =>, GAP =>,
//	                                   OFFSET =>) map to the same positions.
//	__group_tumble(ts, size[, offset])  legacy GROUP BY TUMBLE(ts, size)
//	__group_hop(ts, slide, size)        legacy GROUP BY HOP(...)
//	__group_session(ts, gap)            legacy GROUP BY SESSION(...)
//	__tumble_start(ts, size) __tumble_end __tumble_rowtime __tumble_proctime
//	__hop_start(ts, slide, size) __hop_end __hop_rowtime __hop_proctime
//	__session_start(ts, gap) __session_end __session_rowtime __session_proctime
//	                                   the legacy auxiliary functions, arguments as written
//	__cast(e,'TYPE') __try_cast(e,'TYPE')
//	                                   every CAST / TRY_CAST; TYPE normalised as ColumnDef.Type
//	__floor_to(e,'UNIT') __ceil_to(e,'UNIT')
//	                                   FLOOR(e TO MINUTE), CEIL/CEILING(e TO ...); plain FLOOR(x) stays
//	__filter(agg, cond)                agg(...) FILTER (WHERE cond)
//	__is_distinct_from(x, y)           x IS DISTINCT FROM y
//	__is_not_distinct_from(x, y)       x IS NOT DISTINCT FROM y
//	__json_value(j, path, 'TYPE')      JSON_VALUE(j, path RETURNING type [... ON EMPTY/ERROR]);
//	                                   without RETURNING, JSON_VALUE(j, path) is TiDB's own
//	__step(e, __interval(...))         KDA's STEP(e BY INTERVAL ...)
//	__full_join(cond)                  FULL [OUTER] JOIN t ON cond becomes
//	                                   LEFT JOIN t ON __full_join(cond) (TiDB has no full join)
//	__first_value(e) __last_value(e)   FIRST_VALUE / LAST_VALUE as aggregates (without OVER)
//	__array(e1, e2, ...)               ARRAY[e1, e2, ...]
//	__map(k1, v1, k2, v2, ...)         MAP[k1, v1, k2, v2, ...]
//	__item(x, i)                       x[i]: array element (1-based, as in Flink) or map value
//
// Also rewritten, without markers: FOR SYSTEM_TIME AS OF x [AS a] becomes TiDB's
// [AS a] AS OF TIMESTAMP x (ast.TableName.AsOf); VALUES (..), (..) becomes VALUES
// ROW(..), ROW(..); the KDA word STREAM after SELECT is dropped; words TiDB reserves but
// Flink does not (lead, lag, index, keys, div, ...) are backquoted where they are names.
// PROCTIME() and CURRENT_WATERMARK(ts) are ordinary calls TiDB reads as they are.
//
// # Errors
//
// Every error is an *Error with the position in the whole script (the third statement's
// errors carry the third statement's line), the user's line of SQL, and a hint.
package parser
