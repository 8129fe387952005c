package planner

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/parser"
)

const bidDDL = `CREATE TABLE bid (auction BIGINT, bidder BIGINT, price DOUBLE, ts TIMESTAMP(3), note STRING,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'bids.json', 'format' = 'json');`

func planSQL(t *testing.T, p *Planner, sql string) (*Plan, error) {
	t.Helper()
	text := bidDDL + "\n" + sql
	p.AddText("t.sql", text)
	stmts, err := parser.Parse("t.sql", text)
	require.NoError(t, err)
	for _, st := range stmts[:len(stmts)-1] {
		handled, err := p.Execute(st)
		require.True(t, handled)
		require.NoError(t, err)
	}
	return p.PlanQuery(stmts[len(stmts)-1].(*parser.Query).Query)
}

func findScan(n Node) *Scan {
	for n != nil {
		if s, ok := n.(*Scan); ok {
			return s
		}
		ins := n.Inputs()
		if len(ins) == 0 {
			return nil
		}
		n = ins[0]
	}
	return nil
}

func TestRulesPushFiltersAndPruneColumns(t *testing.T) {
	p := New()
	plan, err := planSQL(t, p, `SELECT window_start, auction, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND))
WHERE price > 10 GROUP BY window_start, window_end, auction;`)
	require.NoError(t, err)
	assert.Contains(t, plan.Fired, "PushFilterIntoScan")
	assert.Contains(t, plan.Fired, "PruneColumns")
	scan := findScan(plan.Optimized)
	require.NotNil(t, scan)
	assert.Equal(t, "(price > 10)", scan.Filter.String())
	// auction and ts are read for the query; price only by the pushed filter, bidder and note not at all.
	assert.Equal(t, []string{"auction", "ts"}, scan.Schema().Names())
	explain := Explain(plan.Root)
	assert.Contains(t, explain, "filter=[(price > 10)]")
	assert.Contains(t, explain, "[changelog=append, rowtime=window_time]")
}

func TestFilterMovesBelowBareWindow(t *testing.T) {
	plan, err := planSQL(t, New(), `SELECT auction, window_start FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND)) WHERE price > 10;`)
	require.NoError(t, err)
	assert.Contains(t, plan.Fired, "PushFilterBelowWindow")
	assert.Equal(t, "(price > 10)", findScan(plan.Optimized).Filter.String())
}

func TestDisabledRuleLeavesFilterInPlace(t *testing.T) {
	p := New()
	p.DisabledRules["PushFilterIntoScan"] = true
	plan, err := planSQL(t, p, `SELECT auction FROM bid WHERE price > 10;`)
	require.NoError(t, err)
	assert.NotContains(t, plan.Fired, "PushFilterIntoScan")
	assert.Nil(t, findScan(plan.Optimized).Filter)
	assert.Contains(t, Explain(plan.Root), "where=[(price > 10)]")
}

func TestRuleThatChangesSchemaIsCaught(t *testing.T) {
	saved := Rules
	defer func() { Rules = saved }()
	Rules = append(append([]Rule{}, saved...), Rule{Name: "DropAColumn", Apply: func(n Node) (Node, bool) {
		pr, ok := n.(*Project)
		if !ok {
			return &Project{Input: n, Exprs: nil, Names: nil}, true
		}
		return &Project{Input: pr.Input, Exprs: pr.Exprs[:1], Names: pr.Names[:1]}, true
	}})
	_, err := planSQL(t, New(), `SELECT auction, price FROM bid;`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "rule DropAColumn changed the plan's schema")
}

func TestTimeAttributes(t *testing.T) {
	p := New()
	plan, err := planSQL(t, p, `SELECT auction, ts, price * 2 AS p2 FROM bid;`)
	require.NoError(t, err)
	props := plan.Root.Props()
	assert.Equal(t, "ts", props.TimeAttr, "a column passed through keeps its time attribute")
	assert.Equal(t, Append, props.Mode)

	plan, err = planSQL(t, New(), `SELECT auction, CAST(ts AS STRING) AS s FROM bid;`)
	require.NoError(t, err)
	assert.Equal(t, "", plan.Root.Props().TimeAttr)
}

func TestErrorsCarryPositions(t *testing.T) {
	_, err := planSQL(t, New(), `SELECT auction FROM bid WHERE nope > 1;`)
	require.Error(t, err)
	perr, ok := err.(*parser.Error)
	require.True(t, ok)
	assert.Equal(t, 4, perr.Pos.Line)
	assert.Equal(t, 31, perr.Pos.Col)
	assert.True(t, strings.HasPrefix(perr.Hint, "columns of bid are: auction, bidder, price, ts, note"))
}
