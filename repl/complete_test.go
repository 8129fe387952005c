package repl

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/planner"
)

func testCompleter(t *testing.T) *completer {
	sess := engine.NewSession()
	require.NoError(t, sess.RunScript(context.Background(), "", `
CREATE TABLE bids (auction BIGINT, price DOUBLE, bidder BIGINT) WITH ('connector' = 'datagen');
CREATE TABLE bidders (id BIGINT, name STRING) WITH ('connector' = 'datagen');
CREATE VIEW top (a, p) AS SELECT auction, price FROM bids;`))
	return &completer{cat: func() *planner.Catalog { return sess.Planner.Cat }}
}

func complete(c *completer, line string) []string {
	got, n := c.Do([]rune(line), len([]rune(line)))
	var out []string
	for _, g := range got {
		out = append(out, line[:len(line)-n]+string([]rune(line)[len([]rune(line))-n:])+string(g))
	}
	return out
}

func TestCompletion(t *testing.T) {
	c := testCompleter(t)
	cases := []struct {
		line string
		want []string
	}{
		// Relations after FROM, JOIN, DESCRIBE, INTO.
		{"SELECT * FROM bi", []string{"SELECT * FROM bidders", "SELECT * FROM bids"}},
		{"SELECT * FROM ", []string{"SELECT * FROM bidders", "SELECT * FROM bids", "SELECT * FROM top"}},
		{"DESCRIBE bidd", []string{"DESCRIBE bidders"}},
		{"select * from bids b join bidders x on b.auc", []string{"select * from bids b join bidders x on b.auction"}},
		{"SELECT x.na", nil}, // no alias x, and no column of all starts with na... but name does
		// Columns of a table named before the dot.
		{"SELECT bidders.n", []string{"SELECT bidders.name"}},
		// Keywords in the case typed; functions too.
		{"sel", []string{"select"}},
		{"SEL", []string{"SELECT"}},
		{"SELECT upp", []string{"SELECT upper"}},
		{"SELECT COUNT(*) FROM bids GROUP B", []string{"SELECT COUNT(*) FROM bids GROUP BY"}},
		// Columns anywhere else; an empty word completes nothing.
		{"SELECT pri", []string{"SELECT price", "SELECT primary"}},
		{"SELECT ", nil},
	}
	for _, tc := range cases {
		got := complete(c, tc.line)
		if tc.line == "SELECT x.na" {
			assert.Equal(t, []string{"SELECT x.name"}, got, "a qualifier that is no table: every column")
			continue
		}
		assert.Equal(t, tc.want, got, "%q", tc.line)
	}
}

func TestAliased(t *testing.T) {
	assert.Equal(t, "bids", aliased("SELECT * FROM bids AS b, x WHERE ", "b"))
	assert.Equal(t, "bids", aliased("SELECT * FROM bids b JOIN", "B"))
	assert.Equal(t, "", aliased("SELECT", "b"))
}
