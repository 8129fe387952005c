package parser

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

var fuzzSeeds = []string{
	"SELECT 1",
	"SELECT a FORM t",
	"CREATE TABLE bid (auction BIGINT, bidder BIGINT, price DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH ('connector' = 'filesystem', 'path' = 'bids.json', 'format' = 'json')",
	"CREATE TABLE t2 (id INT, name STRING, ts_ms BIGINT, ts AS TO_TIMESTAMP_LTZ(ts_ms, 3), PRIMARY KEY (id) NOT ENFORCED, WATERMARK FOR ts AS ts) WITH ('connector'='datagen')",
	"CREATE TABLE t (m MAP<STRING, ARRAY<ROW<a INT, b STRING>>>, x TIMESTAMP(3) WITH LOCAL TIME ZONE METADATA FROM 'ts' VIRTUAL) PARTITIONED BY (x) WITH ()",
	"SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start",
	"SELECT COUNT(DISTINCT bidder) FILTER (WHERE price > 10) FROM TABLE(HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) w",
	"SELECT * FROM TABLE(SESSION(TABLE bid PARTITION BY bidder, DESCRIPTOR(ts), INTERVAL '30' SECOND))",
	"SELECT * FROM TABLE(CUMULATE(DATA => TABLE bid, TIMECOL => DESCRIPTOR(ts), STEP => INTERVAL '1' MINUTES, SIZE => INTERVAL '1' HOUR))",
	"SELECT TUMBLE_START(ts, INTERVAL '1' MINUTE), AVG(price) FROM bid GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE), auction",
	"SELECT CAST(price AS BIGINT), FLOOR(ts TO MINUTE), name || '-' || CAST(id AS STRING) FROM t2 WHERE name LIKE 'a%'",
	"INSERT INTO sink (a, b) SELECT * FROM bid WHERE price > 9000",
	"EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT CASE WHEN x THEN 1 END FROM bid; INSERT INTO b SELECT * FROM bid; END;",
	"BEGIN STATEMENT SET; INSERT INTO a SELECT 1; END;",
	"SET 'table.exec.state.ttl' = '1 h'; SET; RESET; RESET 'x'",
	"EXPLAIN PLAN FOR SELECT * FROM bid",
	"SHOW TABLES; DESCRIBE t; DROP TABLE IF EXISTS t; DROP VIEW v",
	"CREATE VIEW v (a) AS SELECT a FROM t UNION ALL SELECT b FROM u",
	"CREATE OR REPLACE STREAM \"DEST\" (a VARCHAR(4)); CREATE OR REPLACE PUMP \"P\" AS INSERT INTO \"DEST\" SELECT STREAM a FROM \"SRC\"",
	"SELECT a IS DISTINCT FROM b, x IS NOT DISTINCT FROM y + 1 FROM t",
	"SELECT * FROM o JOIN d FOR SYSTEM_TIME AS OF o.proc_time AS dd ON o.k = dd.k",
	"SELECT JSON_VALUE(j, '$.a' RETURNING INT DEFAULT 0 ON EMPTY), lead, `window` FROM t FULL OUTER JOIN u ON t.a = u.b",
	"SELECT STEP(s.ROWTIME BY INTERVAL '1' MINUTE) FROM s",
	"INSERT INTO t VALUES (1, 'a'), (2, 'b')",
	"SELECT 'it''s', \"quo\"\"ted\", `back``tick` -- c\n/* block */ FROM t",
	"SELECT INTERVAL '1:30' MINUTE TO SECOND, INTERVAL 10 SECONDS",
	"SELECT SUM(x) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '1' MINUTE PRECEDING AND CURRENT ROW) FROM t",
	"SELECT * FROM TABLE(TUMBLE(TABLE (SELECT * FROM bid), DESCRIPTOR(ts), INTERVAL '10' SECOND)) AS w",
	"SELECT TRY_CAST(a AS DECIMAL(10, 2)), CEIL(ts TO DAY), FIRST_VALUE(x) FROM t",
	"SELECT é, a FROM t WHERE x = = 1",
	"TABLE(TUMBLE(TABLE",
	"SELECT * FROM TABLE(HOP(TABLE t, DESCRIPTOR(), , ))",
	"CREATE TABLE t (a ARRAY<",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		toks, lerr := lex(sql)
		prev := 0
		for _, tk := range toks {
			if tk.start < prev || tk.end <= tk.start || tk.end > len(sql) {
				t.Fatalf("bad token span %d..%d after %d", tk.start, tk.end, prev)
			}
			prev = tk.end
		}
		_ = lerr
		stmts, err := Parse("f.sql", sql)
		if err != nil {
			pe, ok := err.(*Error)
			if !ok {
				t.Fatalf("error is %T, not *Error", err)
			}
			if pe.Pos.Line < 1 || pe.Pos.Col < 1 || pe.Pos.Offset < 0 || pe.Pos.Offset > len(sql) {
				t.Fatalf("bad error position %+v for %q", pe.Pos, sql)
			}
			_ = pe.Error()
			return
		}
		for _, s := range stmts {
			p := s.Position()
			if p.Offset < 0 || p.Offset > len(sql) {
				t.Fatalf("bad position %+v", p)
			}
			var q SQLQuery
			switch s := s.(type) {
			case *Query:
				q = s.Query
			case *Insert:
				q = s.Query
			}
			if q.Src != nil {
				if len(q.Src.from) != len(q.Src.sql) {
					t.Fatalf("map length %d != text length %d", len(q.Src.from), len(q.Src.sql))
				}
				q.Node.Accept(&posVisitor{src: q.Src, max: len(sql)})
			}
		}
	})
}

// posVisitor asks for the position and user text of every node, which must not panic
// and must stay inside the script.
type posVisitor struct {
	src *Source
	max int
}

func (v *posVisitor) Enter(n ast.Node) (ast.Node, bool) {
	p := v.src.PosOf(n)
	if p.Offset < 0 || p.Offset > v.max || p.Line < 1 {
		panic(fmt.Sprintf("bad position %+v for %T", p, n))
	}
	_ = strings.TrimSpace(v.src.UserText(n))
	return n, false
}

func (v *posVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }
