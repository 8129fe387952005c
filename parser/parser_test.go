package parser

import (
	"strings"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// calls collects the function calls named name (lower case) under n.
func calls(n ast.Node, name string) []*ast.FuncCallExpr {
	v := &callCollector{name: name}
	n.Accept(v)
	return v.found
}

type callCollector struct {
	name  string
	found []*ast.FuncCallExpr
}

func (v *callCollector) Enter(n ast.Node) (ast.Node, bool) {
	if f, ok := n.(*ast.FuncCallExpr); ok && f.FnName.L == v.name {
		v.found = append(v.found, f)
	}
	return n, false
}

func (v *callCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func parseOK(t *testing.T, sql string) []Statement {
	t.Helper()
	stmts, err := Parse("job.sql", sql)
	require.NoError(t, err, "sql: %s", sql)
	return stmts
}

func query(t *testing.T, sql string) SQLQuery {
	t.Helper()
	stmts := parseOK(t, sql)
	require.Len(t, stmts, 1)
	switch s := stmts[0].(type) {
	case *Query:
		return s.Query
	case *Insert:
		return s.Query
	}
	t.Fatalf("not a query: %T", stmts[0])
	return SQLQuery{}
}

// strArg returns a string-literal argument of a marker call.
func strArg(t *testing.T, e ast.ExprNode) string {
	t.Helper()
	v, ok := e.(ast.ValueExpr)
	require.True(t, ok, "not a literal: %T", e)
	return v.GetString()
}

const planExamples = `CREATE TABLE bid (auction BIGINT, bidder BIGINT, price DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH ('connector' = 'filesystem', 'path' = 'bids.json', 'format' = 'json');
CREATE TABLE t2 (id INT, name STRING, payload STRING, ts_ms BIGINT, ts AS TO_TIMESTAMP_LTZ(ts_ms, 3), PRIMARY KEY (id) NOT ENFORCED, WATERMARK FOR ts AS ts) WITH ('connector'='datagen', 'number-of-rows'='100', 'fields.id.kind'='sequence', 'fields.id.start'='1', 'fields.id.end'='100');
SELECT window_start, window_end, auction, COUNT(*) AS bids, MAX(price) AS max_price FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, auction;
SELECT window_start, window_end, COUNT(DISTINCT bidder) FILTER (WHERE price > 10) AS c FROM TABLE(HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) GROUP BY window_start, window_end;
SELECT * FROM TABLE(SESSION(TABLE bid PARTITION BY bidder, DESCRIPTOR(ts), INTERVAL '30' SECOND));
SELECT TUMBLE_START(ts, INTERVAL '1' MINUTE) AS ws, auction, AVG(price) FROM bid GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE), auction;
SELECT CAST(price AS BIGINT), FLOOR(ts TO MINUTE), DATE_FORMAT(ts, 'yyyy-MM-dd HH:mm'), EXTRACT(HOUR FROM ts), name || '-' || CAST(id AS STRING) FROM t2 WHERE name LIKE 'a%' AND id BETWEEN 1 AND 10 AND ts > TIMESTAMP '2026-01-01 00:00:00';
INSERT INTO sink SELECT * FROM bid WHERE price > 9000;
EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT * FROM bid; INSERT INTO b SELECT * FROM bid; END;
SET 'table.exec.state.ttl' = '1 h';
EXPLAIN SELECT * FROM bid;
`

func TestPlannerExamples(t *testing.T) {
	stmts := parseOK(t, planExamples)
	require.Len(t, stmts, 11)
	kinds := []string{"*parser.CreateTable", "*parser.CreateTable", "*parser.Query", "*parser.Query", "*parser.Query",
		"*parser.Query", "*parser.Query", "*parser.Insert", "*parser.StatementSet", "*parser.Set", "*parser.Explain"}
	for i, s := range stmts {
		assert.Equal(t, kinds[i], typeName(s), "statement %d", i+1)
		assert.Equal(t, i+1, s.Position().Line, "statement %d", i+1)
		assert.Equal(t, 1, s.Position().Col)
	}

	bid := stmts[0].(*CreateTable)
	assert.Equal(t, "bid", bid.Name)
	require.Len(t, bid.Columns, 4)
	assert.Equal(t, []string{"BIGINT", "BIGINT", "DOUBLE", "TIMESTAMP(3)"},
		[]string{bid.Columns[0].Type, bid.Columns[1].Type, bid.Columns[2].Type, bid.Columns[3].Type})
	require.NotNil(t, bid.Watermark)
	assert.Equal(t, "ts", bid.Watermark.Column)
	wm, ok := bid.Watermark.Expr.Node.(*ast.BinaryOperationExpr)
	require.True(t, ok, "%T", bid.Watermark.Expr.Node)
	iv := calls(wm, "__interval")
	require.Len(t, iv, 1)
	assert.Equal(t, "5", strArg(t, iv[0].Args[0]))
	assert.Equal(t, "SECOND", strArg(t, iv[0].Args[1]))
	assert.Equal(t, []Option{
		{Pos: Pos{File: "job.sql", Line: 1, Col: 133, Offset: 132}, Key: "connector", Value: "filesystem"},
		{Pos: Pos{File: "job.sql", Line: 1, Col: 161, Offset: 160}, Key: "path", Value: "bids.json"},
		{Pos: Pos{File: "job.sql", Line: 1, Col: 183, Offset: 182}, Key: "format", Value: "json"},
	}, bid.Options)

	t2 := stmts[1].(*CreateTable)
	assert.Equal(t, []string{"id"}, t2.PrimaryKey)
	require.Len(t, t2.Columns, 5)
	require.NotNil(t, t2.Columns[4].Computed)
	assert.Equal(t, "", t2.Columns[4].Type)
	assert.Len(t, calls(t2.Columns[4].Computed.Node, "to_timestamp_ltz"), 1)
	assert.Equal(t, "TO_TIMESTAMP_LTZ(ts_ms, 3)", t2.Columns[4].Computed.Src.UserText(t2.Columns[4].Computed.Node))
	assert.Len(t, t2.Options, 5)

	tumble := calls(stmts[2].(*Query).Query.Node, "__window_tumble")
	require.Len(t, tumble, 1)
	assert.Len(t, tumble[0].Args, 2)

	q4 := stmts[3].(*Query).Query.Node
	hop := calls(q4, "__window_hop")
	require.Len(t, hop, 1)
	assert.Len(t, hop[0].Args, 3)
	filter := calls(q4, "__filter")
	require.Len(t, filter, 1)
	_, isAgg := filter[0].Args[0].(*ast.AggregateFuncExpr)
	assert.True(t, isAgg)

	sess := calls(stmts[4].(*Query).Query.Node, "__window_session")
	require.Len(t, sess, 1)
	require.Len(t, sess[0].Args, 3)
	pb := sess[0].Args[2].(*ast.FuncCallExpr)
	assert.Equal(t, "__partition_by", pb.FnName.L)
	assert.Len(t, pb.Args, 1)

	q6 := stmts[5].(*Query).Query.Node
	assert.Len(t, calls(q6, "__tumble_start"), 1)
	assert.Len(t, calls(q6, "__group_tumble"), 1)

	q7 := stmts[6].(*Query).Query.Node
	casts := calls(q7, "__cast")
	require.Len(t, casts, 2)
	assert.Equal(t, "BIGINT", strArg(t, casts[0].Args[1]))
	assert.Equal(t, "STRING", strArg(t, casts[1].Args[1]))
	fl := calls(q7, "__floor_to")
	require.Len(t, fl, 1)
	assert.Equal(t, "MINUTE", strArg(t, fl[0].Args[1]))

	ins := stmts[7].(*Insert)
	assert.Equal(t, "sink", ins.Table)
	set := stmts[8].(*StatementSet)
	require.Len(t, set.Inserts, 2)
	assert.Equal(t, "a", set.Inserts[0].Table)
	assert.Equal(t, "b", set.Inserts[1].Table)
	assert.Equal(t, &Set{Pos: Pos{File: "job.sql", Line: 10, Col: 1, Offset: stmts[9].Position().Offset}, Key: "table.exec.state.ttl", Value: "1 h"}, stmts[9])
	_, ok = stmts[10].(*Explain).Stmt.(*Query)
	assert.True(t, ok)
}

func typeName(s Statement) string {
	return strings.Replace(strings.Replace(sprintf("%T", s), "*", "*", 1), "parser.", "parser.", 1)
}

func TestWindowTVFs(t *testing.T) {
	cases := []struct {
		name, sql, marker string
		args              int
		alias             string
	}{
		{"tumble", "SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND))", "__window_tumble", 2, "bid"},
		{"tumble offset", "SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '1' HOUR, INTERVAL '5' MINUTES))", "__window_tumble", 3, "bid"},
		{"tumble alias", "SELECT w.window_start FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND)) AS w", "__window_tumble", 2, "w"},
		{"tumble bare alias", "SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND)) w WHERE x > 1", "__window_tumble", 2, "w"},
		{"qualified table", "SELECT * FROM TABLE(TUMBLE(TABLE db.bid, DESCRIPTOR(ts), INTERVAL '10' SECOND))", "__window_tumble", 2, "bid"},
		{"named args", "SELECT * FROM TABLE(TUMBLE(DATA => TABLE bid, TIMECOL => DESCRIPTOR(ts), SIZE => INTERVAL '10' MINUTES))", "__window_tumble", 2, "bid"},
		{"hop", "SELECT * FROM TABLE(HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND))", "__window_hop", 3, "bid"},
		{"hop named", "SELECT * FROM TABLE(HOP(DATA => TABLE bid, TIMECOL => DESCRIPTOR(ts), SIZE => INTERVAL '10' SECOND, SLIDE => INTERVAL '5' SECOND))", "__window_hop", 3, "bid"},
		{"cumulate", "SELECT * FROM TABLE(CUMULATE(TABLE bid, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '1' HOUR))", "__window_cumulate", 3, "bid"},
		{"session", "SELECT * FROM TABLE(SESSION(TABLE bid PARTITION BY bidder, auction, DESCRIPTOR(ts), INTERVAL '30' SECOND))", "__window_session", 3, "bid"},
		{"session no keys", "SELECT * FROM TABLE(SESSION(TABLE bid, DESCRIPTOR(ts), INTERVAL '30' SECOND))", "__window_session", 2, "bid"},
		{"session bracketed keys", "SELECT * FROM TABLE(SESSION(TABLE bid PARTITION BY (bidder, auction), DESCRIPTOR(ts), INTERVAL '30' SECOND))", "__window_session", 3, "bid"},
		{"subquery", "SELECT * FROM TABLE(TUMBLE(TABLE (SELECT * FROM bid WHERE price > 1), DESCRIPTOR(ts), INTERVAL '10' SECOND)) AS w", "__window_tumble", 2, "w"},
		{"join of windows", "SELECT * FROM TABLE(TUMBLE(TABLE a, DESCRIPTOR(ts), INTERVAL '1' SECOND)) x JOIN TABLE(TUMBLE(TABLE b, DESCRIPTOR(ts), INTERVAL '1' SECOND)) y ON x.window_start = y.window_start", "__window_tumble", 2, "x"},
		{"lower case", "select * from table(tumble(table bid, descriptor(ts), interval '10' seconds))", "__window_tumble", 2, "bid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := query(t, c.sql)
			found := calls(q.Node, c.marker)
			require.NotEmpty(t, found, q.Src.SQL())
			assert.Len(t, found[0].Args, c.args, q.Src.SQL())
			d, ok := found[0].Args[0].(*ast.FuncCallExpr)
			require.True(t, ok)
			assert.Equal(t, "__descriptor", d.FnName.L)
			col := d.Args[0].(*ast.ColumnNameExpr)
			assert.Equal(t, "ts", col.Name.Name.L)
			iv := calls(q.Node, "__interval")
			assert.NotEmpty(t, iv)
			from := q.Node.(*ast.SelectStmt).From.TableRefs
			var ts *ast.TableSource
			if j, ok := from.Left.(*ast.Join); ok {
				ts = j.Left.(*ast.TableSource)
			} else {
				ts = from.Left.(*ast.TableSource)
			}
			assert.Equal(t, c.alias, ts.AsName.L)
		})
	}
	// Argument order of the markers follows the positional order, whatever the names' order.
	q := query(t, "SELECT * FROM TABLE(HOP(DATA => TABLE bid, TIMECOL => DESCRIPTOR(ts), SIZE => INTERVAL '10' SECOND, SLIDE => INTERVAL '5' SECOND))")
	hop := calls(q.Node, "__window_hop")[0]
	assert.Equal(t, "5", strArg(t, hop.Args[1].(*ast.FuncCallExpr).Args[0]))
	assert.Equal(t, "10", strArg(t, hop.Args[2].(*ast.FuncCallExpr).Args[0]))
}

func TestIntervals(t *testing.T) {
	cases := []struct{ sql, value, unit string }{
		{"INTERVAL '10' SECOND", "10", "SECOND"},
		{"INTERVAL '10' SECONDS", "10", "SECOND"},
		{"INTERVAL 10 SECOND", "10", "SECOND"},
		{"interval '3' minutes", "3", "MINUTE"},
		{"INTERVAL '2' HOUR", "2", "HOUR"},
		{"INTERVAL '1' DAY", "1", "DAY"},
		{"INTERVAL '1' WEEK", "1", "WEEK"},
		{"INTERVAL '1' MONTH", "1", "MONTH"},
		{"INTERVAL '1' YEARS", "1", "YEAR"},
		{"INTERVAL '500' MILLISECOND", "500", "MILLISECOND"},
		{"INTERVAL '1:30' MINUTE TO SECOND", "1:30", "MINUTE TO SECOND"},
		{"INTERVAL '1 02:00' DAY TO HOUR", "1 02:00", "DAY TO HOUR"},
		{"INTERVAL -'5' SECOND", "-5", "SECOND"},
	}
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			q := query(t, "SELECT ts - "+c.sql+" FROM t")
			iv := calls(q.Node, "__interval")
			require.Len(t, iv, 1, q.Src.SQL())
			assert.Equal(t, c.value, strArg(t, iv[0].Args[0]))
			assert.Equal(t, c.unit, strArg(t, iv[0].Args[1]))
		})
	}
	// Window frames are TiDB's own.
	q := query(t, "SELECT SUM(x) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '1' MINUTE PRECEDING AND CURRENT ROW) FROM t")
	assert.Empty(t, calls(q.Node, "__interval"))
	assert.Contains(t, q.Src.SQL(), "INTERVAL '1' MINUTE PRECEDING")
}

func TestRewrites(t *testing.T) {
	cases := []struct {
		name, sql, marker string
		args              int
		lit               string // expected last string argument, "" to skip
	}{
		{"cast bigint", "SELECT CAST(price AS BIGINT) FROM t", "__cast", 2, "BIGINT"},
		{"cast timestamp", "SELECT CAST(s AS TIMESTAMP(3)) FROM t", "__cast", 2, "TIMESTAMP(3)"},
		{"cast varchar", "SELECT CAST(s AS VARCHAR(10)) FROM t", "__cast", 2, "VARCHAR(10)"},
		{"cast decimal", "SELECT CAST(s AS DECIMAL(10, 2)) FROM t", "__cast", 2, "DECIMAL(10,2)"},
		{"cast ltz", "SELECT CAST(s AS TIMESTAMP(3) WITH LOCAL TIME ZONE) FROM t", "__cast", 2, "TIMESTAMP_LTZ(3)"},
		{"cast nested", "SELECT CAST(CAST(a AS INT) + 1 AS STRING) FROM t", "__cast", 2, "STRING"},
		{"cast double precision", "SELECT CAST(a AS DOUBLE PRECISION) FROM t", "__cast", 2, "DOUBLE"},
		{"try_cast", "SELECT TRY_CAST(s AS INT) FROM t", "__try_cast", 2, "INT"},
		{"floor to", "SELECT FLOOR(ts TO HOUR) FROM t", "__floor_to", 2, "HOUR"},
		{"ceil to", "SELECT CEIL(ts TO DAY) FROM t", "__ceil_to", 2, "DAY"},
		{"filter", "SELECT COUNT(*) FILTER (WHERE a > 1) FROM t", "__filter", 2, ""},
		{"filter sum", "SELECT k, SUM(price) FILTER (WHERE price > 10 AND k = 'x') AS s FROM t GROUP BY k", "__filter", 2, ""},
		{"is distinct", "SELECT * FROM t WHERE a IS DISTINCT FROM b", "__is_distinct_from", 2, ""},
		{"is not distinct", "SELECT * FROM t WHERE a + 1 IS NOT DISTINCT FROM f(b) * 2 AND c = 1", "__is_not_distinct_from", 2, ""},
		{"json_value returning", "SELECT JSON_VALUE(payload, '$.a' RETURNING INT DEFAULT 0 ON EMPTY) FROM t", "__json_value", 3, "INT"},
		{"group hop", "SELECT HOP_END(ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE) FROM t GROUP BY HOP(ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE)", "__group_hop", 3, ""},
		{"hop_end", "SELECT HOP_END(ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE) FROM t GROUP BY HOP(ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE)", "__hop_end", 3, ""},
		{"group session", "SELECT SESSION_END(ts, INTERVAL '1' MINUTE) FROM t GROUP BY SESSION(ts, INTERVAL '1' MINUTE), k", "__group_session", 2, ""},
		{"session_end", "SELECT SESSION_END(ts, INTERVAL '1' MINUTE) FROM t GROUP BY SESSION(ts, INTERVAL '1' MINUTE), k", "__session_end", 2, ""},
		{"tumble_rowtime", "SELECT TUMBLE_ROWTIME(ts, INTERVAL '1' MINUTE) FROM t GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE)", "__tumble_rowtime", 2, ""},
		{"step", "SELECT STREAM STEP(s.ROWTIME BY INTERVAL '1' MINUTE) FROM s", "__step", 2, ""},
		{"full join", "SELECT * FROM a FULL OUTER JOIN b ON a.k = b.k WHERE a.x > 1", "__full_join", 1, ""},
		{"first_value agg", "SELECT k, FIRST_VALUE(x) FROM t GROUP BY k", "__first_value", 1, ""},
		{"array", "SELECT ARRAY[1, 2, a] FROM t", "__array", 3, ""},
		{"map", "SELECT MAP['a', 1, 'b', x] FROM t", "__map", 4, ""},
		{"subscript", "SELECT tags[1], m['k'] FROM t WHERE f(x)[2] > 1", "__item", 2, ""},
		{"proctime", "SELECT PROCTIME() FROM t", "proctime", 0, ""},
		{"current_watermark", "SELECT * FROM t WHERE CURRENT_WATERMARK(ts) IS NULL OR ts > CURRENT_WATERMARK(ts)", "current_watermark", 1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := query(t, c.sql)
			found := calls(q.Node, c.marker)
			require.NotEmpty(t, found, q.Src.SQL())
			f := found[0]
			assert.Len(t, f.Args, c.args, q.Src.SQL())
			if c.lit != "" {
				assert.Equal(t, c.lit, strArg(t, f.Args[len(f.Args)-1]))
			}
		})
	}
	// Chained subscripts nest.
	q := query(t, "SELECT a.b[1]['k'] FROM t")
	outer := q.Node.(*ast.SelectStmt).Fields.Fields[0].Expr.(*ast.FuncCallExpr)
	assert.Equal(t, "__item", outer.FnName.L, q.Src.SQL())
	inner := outer.Args[0].(*ast.FuncCallExpr)
	assert.Equal(t, "__item", inner.FnName.L)
	assert.Equal(t, "k", strArg(t, outer.Args[1]))

	// IS DISTINCT FROM takes whole arithmetic operands.
	q = query(t, "SELECT * FROM t WHERE a + 1 IS NOT DISTINCT FROM f(b) * 2 AND c = 1")
	f := calls(q.Node, "__is_not_distinct_from")[0]
	assert.Equal(t, "a + 1", q.Src.UserText(f.Args[0]))
	assert.Equal(t, "f(b) * 2", q.Src.UserText(f.Args[1]))
}

func TestOtherRewrites(t *testing.T) {
	q := query(t, "SELECT * FROM orders o JOIN rates FOR SYSTEM_TIME AS OF o.proc_time AS r ON o.cur = r.cur")
	var asOf *ast.TableSource
	j := q.Node.(*ast.SelectStmt).From.TableRefs
	asOf = j.Right.(*ast.TableSource)
	require.NotNil(t, asOf.Source.(*ast.TableName).AsOf, q.Src.SQL())
	assert.Equal(t, "r", asOf.AsName.L)

	q = query(t, "SELECT STREAM a, b FROM s")
	assert.Len(t, q.Node.(*ast.SelectStmt).Fields.Fields, 2)

	q = query(t, "SELECT lead, lag, `window`, \"index\", groups FROM t WHERE keys > 1")
	fields := q.Node.(*ast.SelectStmt).Fields.Fields
	require.Len(t, fields, 5)
	assert.Equal(t, "lead", fields[0].Expr.(*ast.ColumnNameExpr).Name.Name.L)
	assert.Equal(t, "window", fields[2].Expr.(*ast.ColumnNameExpr).Name.Name.L)
	assert.Equal(t, "index", fields[3].Expr.(*ast.ColumnNameExpr).Name.Name.L)

	q = query(t, "SELECT LEAD(x, 1) OVER (ORDER BY ts) FROM t")
	_, ok := q.Node.(*ast.SelectStmt).Fields.Fields[0].Expr.(*ast.WindowFuncExpr)
	assert.True(t, ok)

	// Flink semantics of quoting and operators.
	q = query(t, `SELECT "DEST".a || 'x\n' FROM "DEST"`)
	be := q.Node.(*ast.SelectStmt).Fields.Fields[0].Expr
	fc, ok := be.(*ast.FuncCallExpr)
	require.True(t, ok, "%T", be)
	assert.Equal(t, "concat", fc.FnName.L)
	assert.Equal(t, `x\n`, strArg(t, fc.Args[1]))

	// Comments are whitespace, hints are not acted on.
	q = query(t, "SELECT /*+ OPTIONS('a'='b') */ a -- trailing\nFROM t /* c */ WHERE a > 1")
	assert.Equal(t, "SELECT a FROM t WHERE a > 1", q.Src.SQL())

	stmts := parseOK(t, "INSERT INTO t VALUES (1, 'a'), (2, 'b')")
	sel := stmts[0].(*Insert).Query.Node.(*ast.SelectStmt)
	assert.Equal(t, ast.SelectStmtKindValues, sel.Kind)
	assert.Len(t, sel.Lists, 2)
}

func TestTypes(t *testing.T) {
	cases := map[string]string{
		"STRING": "STRING", "BIGINT": "BIGINT", "INT": "INT", "INTEGER": "INT", "SMALLINT": "SMALLINT",
		"TINYINT": "TINYINT", "DOUBLE": "DOUBLE", "DOUBLE PRECISION": "DOUBLE", "FLOAT": "FLOAT",
		"REAL": "FLOAT", "BOOLEAN": "BOOLEAN", "DECIMAL(10, 2)": "DECIMAL(10,2)", "NUMERIC": "DECIMAL",
		"NUMERIC(5)": "DECIMAL(5)", "TIMESTAMP": "TIMESTAMP", "TIMESTAMP(3)": "TIMESTAMP(3)",
		"TIMESTAMP(3) WITHOUT TIME ZONE": "TIMESTAMP(3)", "TIMESTAMP_LTZ(3)": "TIMESTAMP_LTZ(3)",
		"TIMESTAMP(3) WITH LOCAL TIME ZONE": "TIMESTAMP_LTZ(3)", "DATE": "DATE", "TIME": "TIME",
		"BYTES": "BYTES", "ARRAY<STRING>": "ARRAY<STRING>", "MAP<STRING, BIGINT>": "MAP<STRING,BIGINT>",
		"MAP<STRING,ARRAY<INT>>": "MAP<STRING,ARRAY<INT>>", "ROW<a INT, b STRING>": "ROW<a INT,b STRING>",
		"ROW(a INT, `b` ARRAY<INT NOT NULL>)": "ROW<a INT,b ARRAY<INT NOT NULL>>", "MULTISET<STRING>": "MULTISET<STRING>",
		"INT ARRAY": "ARRAY<INT>", "VARCHAR(20)": "VARCHAR(20)", "CHAR(3)": "CHAR(3)", "TEXT": "STRING",
		"DATETIME(3)": "TIMESTAMP(3)", "int(11)": "INT", "bigint": "BIGINT", "VARCHAR(255) CHARACTER SET utf8mb4": "VARCHAR(255)",
	}
	for in, want := range cases {
		stmts, err := Parse("", "CREATE TABLE t (c "+in+" NOT NULL COMMENT 'x') WITH ('connector' = 'datagen')")
		require.NoError(t, err, in)
		c := stmts[0].(*CreateTable).Columns[0]
		assert.Equal(t, want, c.Type, in)
		assert.True(t, c.NotNull, in)
		assert.Equal(t, "x", c.Comment, in)
	}
}

func TestCreateTable(t *testing.T) {
	sql := `CREATE TEMPORARY TABLE IF NOT EXISTS cat.db.events (
  id BIGINT NOT NULL,
  ` + "`window`" + ` STRING,
  payload ROW<a INT, b STRING>,
  event_time TIMESTAMP(3) METADATA FROM 'timestamp' VIRTUAL,
  part BIGINT METADATA VIRTUAL,
  off BIGINT METADATA,
  proc AS PROCTIME(),
  ts AS TO_TIMESTAMP_LTZ(id, 3) COMMENT 'event time',
  CONSTRAINT pk PRIMARY KEY (id, part) NOT ENFORCED,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECONDS
) COMMENT 'events' PARTITIONED BY (part) WITH (
  'connector' = 'kafka',
  'properties.bootstrap.servers' = 'localhost:9092',
  'value.format' = 'it''s json'
)`
	stmts := parseOK(t, sql)
	ct := stmts[0].(*CreateTable)
	assert.True(t, ct.Temporary)
	assert.True(t, ct.IfNotExists)
	assert.Equal(t, "cat.db.events", ct.Name)
	assert.Equal(t, "events", ct.Comment)
	assert.Equal(t, []string{"part"}, ct.PartitionedBy)
	assert.Equal(t, []string{"id", "part"}, ct.PrimaryKey)
	require.Len(t, ct.Columns, 8)
	assert.Equal(t, "window", ct.Columns[1].Name)
	assert.Equal(t, "ROW<a INT,b STRING>", ct.Columns[2].Type)
	assert.Equal(t, &MetadataDef{Key: "timestamp", Virtual: true}, ct.Columns[3].Metadata)
	assert.Equal(t, &MetadataDef{Key: "part", Virtual: true}, ct.Columns[4].Metadata)
	assert.Equal(t, &MetadataDef{Key: "off"}, ct.Columns[5].Metadata)
	assert.Len(t, calls(ct.Columns[6].Computed.Node, "proctime"), 1)
	assert.Equal(t, "event time", ct.Columns[7].Comment)
	assert.Equal(t, Pos{File: "job.sql", Line: 9, Col: 3, Offset: strings.Index(sql, "ts AS TO_")}, ct.Columns[7].Pos)
	assert.Equal(t, Pos{File: "job.sql", Line: 2, Col: 6, Offset: strings.Index(sql, "BIGINT NOT")}, ct.Columns[0].TypePos)
	require.NotNil(t, ct.Watermark)
	assert.Equal(t, 11, ct.Watermark.Pos.Line)
	assert.Equal(t, "ts - INTERVAL '5' SECONDS", ct.Watermark.Expr.Src.UserText(ct.Watermark.Expr.Node))
	assert.Equal(t, "it's json", ct.Options[2].Value)
	assert.Equal(t, "properties.bootstrap.servers", ct.Options[1].Key)

	// Positions of nodes inside a DDL expression map to the user's line.
	be := ct.Watermark.Expr.Node.(*ast.BinaryOperationExpr)
	p := ct.Watermark.Expr.Src.PosOf(be.R)
	assert.Equal(t, 11, p.Line)
	assert.Equal(t, strings.Index(LineOf(sql, 11), "INTERVAL")+1, p.Col)
}

func TestStatements(t *testing.T) {
	stmts := parseOK(t, `
CREATE OR REPLACE STREAM "DEST_SQL_STREAM" (ticker VARCHAR(4), price DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DEST_SQL_STREAM" SELECT STREAM ticker, price FROM "SOURCE_SQL_STREAM_001" WHERE price > 1;
CREATE VIEW IF NOT EXISTS v (a, b) AS SELECT x, y FROM t;
CREATE TEMPORARY VIEW v2 AS WITH c AS (SELECT 1 AS x) SELECT * FROM c UNION ALL SELECT 2;
DROP TEMPORARY TABLE IF EXISTS t; DROP VIEW v;
INSERT INTO sink (a, b) SELECT x, y FROM t;
INSERT OVERWRITE sink SELECT * FROM t;
SET; SET table.exec.mini-batch.enabled = true; RESET; RESET 'a.b';
SHOW TABLES; SHOW views; SHOW FUNCTIONS; SHOW JOBS;
DESCRIBE t; DESC db.t;
EXPLAIN PLAN FOR INSERT INTO s SELECT * FROM t;
EXPLAIN CHANGELOG_MODE, ESTIMATED_COST SELECT 1;
BEGIN STATEMENT SET;
INSERT INTO a SELECT * FROM t;
INSERT INTO b SELECT * FROM t;
END;
EXECUTE STATEMENT SET BEGIN
  INSERT INTO a SELECT CASE WHEN x > 1 THEN 'a' ELSE 'b' END FROM t;
  INSERT INTO b SELECT * FROM t;
END;
`)
	var kinds []string
	for _, s := range stmts {
		kinds = append(kinds, strings.TrimPrefix(sprintf("%T", s), "*parser."))
	}
	assert.Equal(t, []string{"CreateTable", "Insert", "CreateView", "CreateView", "DropTable", "DropView", "Insert", "Insert",
		"Set", "Set", "Reset", "Reset", "Show", "Show", "Show", "Show", "Describe", "Describe", "Explain", "Explain",
		"StatementSet", "StatementSet"}, kinds)

	stream := stmts[0].(*CreateTable)
	assert.Equal(t, "DEST_SQL_STREAM", stream.Name)
	assert.True(t, stream.OrReplace)
	assert.Equal(t, "VARCHAR(4)", stream.Columns[0].Type)
	pump := stmts[1].(*Insert)
	assert.Equal(t, "STREAM_PUMP", pump.Pump)
	assert.Equal(t, "DEST_SQL_STREAM", pump.Table)
	assert.Len(t, pump.Query.Node.(*ast.SelectStmt).Fields.Fields, 2)
	v := stmts[2].(*CreateView)
	assert.True(t, v.IfNotExists)
	assert.Equal(t, []string{"a", "b"}, v.Columns)
	_, isSetOpr := stmts[3].(*CreateView).Query.Node.(*ast.SetOprStmt)
	assert.True(t, isSetOpr)
	assert.Equal(t, &DropTable{Pos: stmts[4].Position(), Name: "t", IfExists: true}, stmts[4])
	assert.Equal(t, []string{"a", "b"}, stmts[6].(*Insert).Columns)
	assert.True(t, stmts[7].(*Insert).Overwrite)
	assert.Equal(t, "", stmts[8].(*Set).Key)
	assert.Equal(t, "table.exec.mini-batch.enabled", stmts[9].(*Set).Key)
	assert.Equal(t, "true", stmts[9].(*Set).Value)
	assert.Equal(t, "a.b", stmts[11].(*Reset).Key)
	assert.Equal(t, "VIEWS", stmts[13].(*Show).What)
	assert.Equal(t, "db.t", stmts[17].(*Describe).Name)
	_, ok := stmts[18].(*Explain).Stmt.(*Insert)
	assert.True(t, ok)
	assert.Len(t, stmts[20].(*StatementSet).Inserts, 2)
	assert.Len(t, stmts[21].(*StatementSet).Inserts, 2)
	assert.Equal(t, 19, stmts[21].(*StatementSet).Inserts[0].Pos.Line)
}

func TestPositions(t *testing.T) {
	sql := "SELECT 1;\n-- second statement\nSELECT a,\n       price * 2 AS p\nFROM   bid b\nWHERE  b.x > INTERVAL '5' SECOND"
	stmts := parseOK(t, sql)
	q := stmts[1].(*Query).Query
	sel := q.Node.(*ast.SelectStmt)
	f := sel.Fields.Fields[1]
	assert.Equal(t, Pos{File: "job.sql", Line: 4, Col: 8, Offset: strings.Index(sql, "price")}, q.Src.PosOf(f))
	assert.Equal(t, "price * 2", q.Src.UserText(f))
	tn := sel.From.TableRefs.Left.(*ast.TableSource)
	assert.Equal(t, 5, q.Src.PosOf(tn).Line)
	assert.Equal(t, 8, q.Src.PosOf(tn.Source).Col)
	// A node inside a rewritten construct maps to the user's INTERVAL.
	w := sel.Where.(*ast.BinaryOperationExpr)
	p := q.Src.PosOf(w.R)
	assert.Equal(t, 6, p.Line)
	assert.Equal(t, 14, p.Col)
	assert.Equal(t, "INTERVAL '5' SECOND", q.Src.UserText(w.R))
	e := q.Src.Errorf(p, "a hint", "bad %s", "thing")
	assert.Equal(t, "WHERE  b.x > INTERVAL '5' SECOND", e.LineText)
	assert.Equal(t, "job.sql:6:14: bad thing\n  WHERE  b.x > INTERVAL '5' SECOND\n               ^\nhint: a hint", e.Error())
}

func TestErrorPositions(t *testing.T) {
	cases := []struct {
		name, sql string
		line, col int
		msg, hint string // substrings
	}{
		{"misspelt FROM", "SELECT a FORM t", 1, 10, `syntax error near "FORM"`, "did you mean FROM"},
		{"second statement", "SELECT 1;\nSELECT a,\n  b FROM t WHERE x = = 1", 3, 22, `syntax error near "="`, ""},
		{"third statement after comment", "SET 'a' = 'b';\n/* x */ SELECT 1;\n  SELECT a FROM t WHERE", 3, 24, "end of statement", ""},
		{"watermark without expression", "CREATE TABLE t (ts TIMESTAMP(3),\n  WATERMARK FOR ts AS) WITH ('a'='b')", 2, 22, "WATERMARK needs an expression", "WATERMARK FOR ts AS ts -"},
		{"inside window call", "SELECT *\nFROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND))\nWHERE price > > 1", 3, 15, `near ">"`, ""},
		{"inside window argument", "SELECT * FROM TABLE(\n  HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '1' MINUTE * * 2))", 2, 78, `near "*"`, ""},
		{"descriptor missing", "SELECT * FROM TABLE(TUMBLE(TABLE bid, ts, INTERVAL '10' SECOND))", 1, 39, "DESCRIPTOR(column)", "TUMBLE(TABLE t, DESCRIPTOR(ts)"},
		{"hop missing size", "SELECT * FROM TABLE(HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND))", 1, 72, "size is missing", "HOP(TABLE t"},
		{"unknown statement", "SELECT 1;\nSELEC a FROM t", 2, 1, `unknown statement "SELEC"`, "did you mean SELECT"},
		{"unknown type", "CREATE TABLE t (\n  a FOO\n) WITH ()", 2, 5, "unknown type FOO", "types are"},
		{"unterminated string", "SELECT 'abc", 1, 8, "unterminated string", "close the string"},
		{"bad interval unit", "SELECT INTERVAL '10' FORTNIGHT FROM t", 1, 22, "INTERVAL needs a unit", "MILLISECOND"},
		{"missing INTO", "INSERT sink SELECT 1", 1, 8, `expected INTO after INSERT`, "INSERT INTO table"},
		{"option without =", "CREATE TABLE t (a INT) WITH ('k' 'v')", 1, 34, "expected =", "WITH ('connector'"},
		{"unknown cast type", "SELECT CAST(a AS BLAH) FROM t", 1, 18, "unknown type BLAH", ""},
		{"multibyte column", "SELECT é, a FROM t WHERE x = = 1", 1, 30, `near "="`, ""},
		{"unsupported NULLS LAST", "SELECT a FROM t ORDER BY a NULLS LAST", 1, 28, `near "NULLS"`, "not supported"},
		{"select in statement set", "EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT * FROM b; SELECT 1; END", 1, 60, "expected INSERT INTO", "only INSERT INTO"},
		{"statement set without END", "BEGIN STATEMENT SET;\nINSERT INTO a SELECT 1;", 1, 1, "without END", "END;"},
		{"unterminated comment", "SELECT 1 /* oops", 1, 10, "unterminated comment", "*/"},
		{"show what", "SHOW TABLE", 1, 6, `cannot show "TABLE"`, "SHOW TABLES"},
		{"filter without aggregate", "SELECT a FILTER (WHERE a > 1) FROM t", 1, 10, "FILTER must follow", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("job.sql", c.sql)
			require.Error(t, err)
			var pe *Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, c.line, pe.Pos.Line, err.Error())
			assert.Equal(t, c.col, pe.Pos.Col, err.Error())
			assert.Contains(t, pe.Msg, c.msg)
			assert.Contains(t, pe.Hint, c.hint)
			assert.Equal(t, LineOf(c.sql, c.line), pe.LineText)
			assert.Equal(t, "job.sql", pe.Pos.File)
		})
	}
}

func TestParseOne(t *testing.T) {
	s, err := ParseOne("", "SELECT 1")
	require.NoError(t, err)
	assert.Equal(t, "<sql>:1:1", s.Position().String())
	_, err = ParseOne("", "SELECT 1; SELECT 2")
	require.Error(t, err)
	_, err = ParseOne("", "  -- nothing\n")
	require.Error(t, err)
	stmts, err := Parse("", " ; ;\n")
	require.NoError(t, err)
	assert.Empty(t, stmts)
}

func TestLineOf(t *testing.T) {
	text := "a\r\nbb\n\nccc"
	assert.Equal(t, "a", LineOf(text, 1))
	assert.Equal(t, "bb", LineOf(text, 2))
	assert.Equal(t, "", LineOf(text, 3))
	assert.Equal(t, "ccc", LineOf(text, 4))
	assert.Equal(t, "", LineOf(text, 5))
	assert.Equal(t, "", LineOf(text, 0))
}

func BenchmarkParseTumbleQuery(b *testing.B) {
	const sql = "SELECT window_start, window_end, auction, COUNT(*) AS bids, MAX(price) AS max_price FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, auction"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("", sql); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLexRewrite(b *testing.B) {
	const sql = "SELECT window_start, window_end, auction, COUNT(*) AS bids, MAX(price) AS max_price FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, auction"
	scr := newScript("", sql)
	b.ReportAllocs()
	for b.Loop() {
		toks, _ := lex(sql)
		r := newRewriter(scr, toks, matchParens(toks))
		if _, err := r.source("", 0, len(toks)); err != nil {
			b.Fatal(err)
		}
	}
}
