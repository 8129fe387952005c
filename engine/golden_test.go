package engine

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/parser"
)

// goldenConfigs is the matrix every golden file runs under, against one expectation:
// results must not depend on how rows are cut into batches.
var goldenConfigs = []struct {
	name      string
	batchSize int
	restart   bool // snapshot, rebuild and restore the query after every command
}{
	{"batch=1", 1, false},
	{"batch=1024", 1024, false},
	{"batch=3,restart", 3, true},
}

// TestGolden runs testdata/*.test. Commands:
//
//	exec [sort] [stderr]   run a SQL script (input); print stdout, the error if any, and
//	                       with stderr what went to stderr; sort sorts the stdout lines
//	query [materialize]    start the SELECT (input) over 'connector' = 'manual' tables;
//	                       materialize: commands print the result table the changelog
//	                       describes so far, not the changelog
//	feed [table=T]         (the table to feed or move the watermark of, when several)
//	feed                   push JSON lines (input); print the result rows it produced
//	watermark              move the watermark to the timestamp (input); print results
//	end                    end the input; print results
//	stats                  print late and bad record counts of the running query
//
// Result rows of one command are sorted: emission order within a command is not part of
// the contract, the multiset is.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("../testdata/*.test")
	require.NoError(t, err)
	require.NotEmpty(t, files, "no golden files found in testdata/")
	datadriven.Walk(t, "../testdata", func(t *testing.T, path string) {
		if !strings.HasSuffix(path, ".test") {
			t.Skip()
		}
		for _, cfg := range goldenConfigs {
			t.Run(cfg.name, func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				g := &golden{t: t, batch: cfg.batchSize, restart: cfg.restart, mem: mem}
				g.reset()
				datadriven.RunTest(t, path, g.run)
				if g.job != nil {
					require.NoError(t, g.job.Close())
				}
				mem.AssertSize(t, 0)
			})
		}
	})
}

type golden struct {
	t       *testing.T
	batch   int
	restart bool
	tmp     string
	mem     *memory.CheckedAllocator
	s       *Session
	stdout  bytes.Buffer
	stderr  bytes.Buffer
	job     *ManualJob
}

func (g *golden) reset() {
	g.s = NewSession()
	g.s.SetAllocator(g.mem)
	g.s.BatchSize = g.batch
	g.s.Stdout, g.s.Stderr = &g.stdout, &g.stderr
}

func (g *golden) run(t *testing.T, td *datadriven.TestData) string {
	return g.unexpand(g.run1(t, td))
}

// unexpand turns the absolute folders back into $DATA and $TMP, so that expectations do
// not depend on where the repository is checked out.
func (g *golden) unexpand(s string) string {
	data, err := filepath.Abs("../testdata/data")
	require.NoError(g.t, err)
	r := []string{data, "$DATA"}
	if g.tmp != "" {
		r = append(r, g.tmp, "$TMP")
	}
	return strings.NewReplacer(r...).Replace(s)
}

func (g *golden) run1(t *testing.T, td *datadriven.TestData) string {
	g.stdout.Reset()
	g.stderr.Reset()
	switch td.Cmd {
	case "reset":
		if g.job != nil {
			require.NoError(t, g.job.Close())
			g.job = nil
		}
		g.reset()
		return ""
	case "exec":
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if td.HasArg("format") {
			var f string
			td.ScanArgs(t, "format", &f)
			g.s.Format = Format(f)
			defer func() { g.s.Format = FormatJSON }()
		}
		err := g.s.RunScript(ctx, "test.sql", g.expand(td.Input))
		out := g.stdout.String()
		if td.HasArg("sort") {
			out = sortLines(out)
		}
		if err != nil {
			out += "error: " + err.Error() + "\n"
		}
		if td.HasArg("stderr") {
			out += g.stderr.String()
		}
		return out
	case "query":
		if g.job != nil {
			require.NoError(t, g.job.Close())
			g.job = nil
		}
		input := g.expand(td.Input)
		g.s.Planner.AddText("query.sql", input)
		stmts, err := parser.Parse("query.sql", input)
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		q, ok := stmts[len(stmts)-1].(*parser.Query)
		require.True(t, ok, "query takes a SELECT")
		for _, st := range stmts[:len(stmts)-1] {
			require.NoError(t, g.s.RunStatement(context.Background(), st))
		}
		g.job, err = g.s.StartManual(q, &g.stdout, td.HasArg("materialize"))
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		return "ok\n"
	case "feed", "watermark", "end":
		require.NotNil(t, g.job, "%s: no query running", td.Pos)
		var err error
		switch td.Cmd {
		case "feed":
			err = g.job.Feed(tableArg(td), strings.Split(td.Input, "\n"))
		case "watermark":
			ts, perr := time.Parse("2006-01-02 15:04:05.999", strings.TrimSpace(td.Input))
			require.NoError(t, perr)
			err = g.job.Watermark(tableArg(td), ts.UnixMilli())
		case "end":
			err = g.job.End()
		}
		require.NoError(t, g.job.Flush())
		if g.restart && td.Cmd != "end" {
			require.NoError(t, g.job.Restart())
		}
		out := sortLines(g.stdout.String())
		if mat := g.job.Materialized(); mat != "" {
			out = mat
		}
		if err != nil {
			out += "error: " + err.Error() + "\n"
		}
		if td.HasArg("stderr") {
			out += g.stderr.String()
		}
		if out == "" {
			return "(no rows)\n"
		}
		return out
	case "stats":
		require.NotNil(t, g.job)
		return fmt.Sprintf("late=%d bad=%d\n", g.job.LateDropped(), g.job.job.Stats.BadRecords.Load())
	}
	t.Fatalf("%s: unknown command %s", td.Pos, td.Cmd)
	return ""
}

// expand replaces $DATA with the folder of input files and $TMP with a fresh temp folder
// of this run.
func (g *golden) expand(s string) string {
	data, err := filepath.Abs("../testdata/data")
	require.NoError(g.t, err)
	if g.tmp == "" {
		g.tmp = g.t.TempDir()
	}
	return strings.NewReplacer("$DATA", data, "$TMP", g.tmp).Replace(s)
}

// tableArg is the table=NAME argument of feed and watermark ("" when absent).
func tableArg(td *datadriven.TestData) string {
	for _, a := range td.CmdArgs {
		if a.Key == "table" && len(a.Vals) > 0 {
			return a.Vals[0]
		}
	}
	return ""
}

func sortLines(s string) string {
	if s == "" {
		return s
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}
