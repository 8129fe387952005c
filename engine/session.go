package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddysql/eddy/connectors"
	_ "github.com/eddysql/eddy/connectors/kafka"   // registers 'kafka' and 'upsert-kafka'
	_ "github.com/eddysql/eddy/connectors/kinesis" // registers 'kinesis'
	"github.com/eddysql/eddy/exec"
	"github.com/eddysql/eddy/exec/expr"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
)

// Session is a SQL session: a catalog, settings and where results go.
type Session struct {
	Planner   *planner.Planner
	BatchSize int
	Format    Format
	Stdout    io.Writer
	Stderr    io.Writer
	// Progress, when set (a terminal), shows a live status line while a job runs.
	Progress io.Writer
	// ProgressTotal, when positive, is how many records the job will read: the status line
	// then starts with a progress bar, labelled ProgressLabel.
	ProgressTotal int64
	ProgressLabel string
	// Checkpoints are the checkpoint options given outside SQL.
	Checkpoints CheckpointOptions
	// JobStarted, when set, is called with every job just before it runs (the job server
	// watches and stops jobs through it).
	JobStarted func(*Job)
	// AllowedPaths, when not nil, are the only folders whose files tables may read or
	// write (the job server's --allow-path).
	AllowedPaths []string
	// pipelines are the checkpoint subfolder names taken by the script's jobs so far.
	pipelines   map[string]bool
	warnedNoDir bool
	// Live, when set, receives each query's rows (with their changelog kinds) and the
	// job's counters instead of the printed Format: the REPL's live view. See LiveView.
	Live     LiveView
	mem      memory.Allocator
	stderrMu sync.Mutex
	// scriptDir is the folder of the script being run, where relative source paths that do
	// not exist from the working directory are looked up too.
	scriptDir string
}

// NewSession returns a session printing JSON lines to stdout, with batches of 8192 rows.
func NewSession() *Session {
	return &Session{Planner: planner.New(), BatchSize: 8192, Format: FormatJSON, Stdout: os.Stdout, Stderr: os.Stderr, mem: memory.DefaultAllocator}
}

// SetAllocator replaces the Arrow allocator (tests use a checked one).
func (s *Session) SetAllocator(mem memory.Allocator) { s.mem = mem }

// RunScript parses and runs every statement of a script in order. It stops at the first
// error, which is a *parser.Error when it is the user's to fix.
func (s *Session) RunScript(ctx context.Context, file, text string) error {
	s.Planner.AddText(file, text)
	if file != "" && file != "-e" {
		s.scriptDir = filepath.Dir(file)
	}
	stmts, err := parser.Parse(file, text)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		if err := s.RunStatement(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// RunStatement runs one statement. Queries and INSERTs run until their input ends or ctx
// is cancelled. A panic (a bug in eddy, never the user's input) becomes an internal error
// naming the statement, so that a session — the REPL, the job server — survives it.
func (s *Session) RunStatement(ctx context.Context, st parser.Statement) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = internalError(st.Position().String(), r)
		}
	}()
	return s.runStatement(ctx, st)
}

func (s *Session) runStatement(ctx context.Context, st parser.Statement) error {
	if handled, err := s.Planner.Execute(st); handled {
		if set, ok := st.(*parser.Set); ok && err == nil {
			return s.applySetting(set)
		}
		return err
	}
	switch x := st.(type) {
	case *parser.Query:
		return s.runQuery(ctx, x)
	case *parser.Insert:
		return s.runInserts(ctx, []*parser.Insert{x})
	case *parser.StatementSet:
		return s.runInserts(ctx, x.Inserts)
	case *parser.Explain:
		return s.explain(x)
	case *parser.Show:
		return s.show(x)
	case *parser.Describe:
		return s.describe(x)
	}
	return fmt.Errorf("%s: this statement is not supported by eddy run", st.Position())
}

func (s *Session) applySetting(set *parser.Set) error {
	switch strings.ToLower(set.Key) {
	case "eddy.batch-size", "table.exec.mini-batch.size":
		var n int
		if _, err := fmt.Sscan(set.Value, &n); err != nil || n < 1 {
			return s.Planner.ErrAt(set.Pos, "a positive number of rows", "bad value '%s' for '%s'", set.Value, set.Key)
		}
		s.BatchSize = n
	case "sql-client.execution.result-mode":
		// Accepted for Flink SQL client scripts; eddy run prints rows as they come.
	}
	return nil
}

func (s *Session) runQuery(ctx context.Context, q *parser.Query) error {
	plan, err := s.Planner.PlanQuery(q.Query)
	if err != nil {
		return err
	}
	var status *statusLine
	var out batchSink = newResultWriter(s.Stdout, s.Format, plan.Root.Props().Schema.Arrow(), plan.Root.Props().Mode == planner.Updating)
	if s.Live != nil {
		out = liveSink{s.Live}
	} else if s.Progress != nil {
		status = &statusLine{w: s.Progress}
		out = statusAware{out, status}
	}
	job, err := s.buildJob(plan, out, nil)
	if err != nil {
		return s.Planner.ErrAt(q.Pos, "", "%v", err)
	}
	if err := s.setupCheckpoints(job, s.pipeline("")); err != nil {
		job.close()
		return s.Planner.ErrAt(q.Pos, "", "%v", err)
	}
	s.started(job)
	if s.Live != nil {
		s.Live.Start(LiveQuery{Schema: plan.Root.Props().Schema.Arrow(), Updating: plan.Root.Props().Mode == planner.Updating, Stats: job.Stats})
	}
	stop := s.watchProgress(status, []*Job{job})
	err = job.Run(ctx)
	stop()
	return s.finish(job, err)
}

// pipeline names the checkpoint subfolder of the script's next job writing table.
func (s *Session) pipeline(table string) string {
	if s.pipelines == nil {
		s.pipelines = map[string]bool{}
	}
	return pipelineName(table, s.pipelines)
}

func (s *Session) started(j *Job) {
	if s.JobStarted != nil {
		s.JobStarted(j)
	}
}

// tableSink adapts a connector sink to the job's output.
type tableSink struct {
	sink connectors.Sink
}

func (t tableSink) Write(b arrow.RecordBatch, kinds []exec.RowKind) error {
	if cs, ok := t.sink.(connectors.ChangelogSink); ok && kinds != nil {
		return cs.WriteChangelog(b, kinds)
	}
	return t.sink.Write(b)
}
func (t tableSink) Flush() error { return nil }
func (t tableSink) Close() error { return t.sink.Close() }

func (s *Session) runInserts(ctx context.Context, inserts []*parser.Insert) error {
	b, err := s.prepareInserts(inserts)
	if err != nil {
		return err
	}
	var status *statusLine
	if s.Progress != nil {
		status = &statusLine{w: s.Progress}
	}
	stop := s.watchProgress(status, b.jobs)
	b.once.Do(func() { err = b.run(ctx, stop) })
	return err
}

// finish reports what a job dropped, so that nothing is dropped silently.
func (s *Session) finish(j *Job, err error) error {
	j.updateLate()
	if n := j.Stats.Late.Load(); n > 0 && (j.table == nil || j.table.Options["late.sink"] == "") {
		s.warnf("eddy: %d late record(s) dropped (behind the watermark) from table '%s'; declare 'late.sink' on the table to keep them\n", n, j.Name)
	}
	if n := j.Stats.PartlyLate.Load(); n > 0 {
		s.warnf("eddy: %d record(s) of table '%s' were late for some of their overlapping windows and counted only in the windows still open\n", n, j.Name)
	}
	if n := j.Stats.BadRecords.Load(); n > 0 && !strings.EqualFold(j.table.Options["format.on-error"], "fail") {
		where := "reported above"
		if j.table != nil && j.table.Options["errors.sink"] != "" {
			where = "written to table '" + j.table.Options["errors.sink"] + "'"
		}
		if per := j.badSplits.String(); per != "" {
			where = "per partition " + per + "; " + where
		}
		s.warnf("eddy: %d bad record(s) skipped in table '%s' (%s)\n", n, j.Name, where)
	}
	return err
}

func (s *Session) warnf(format string, args ...any) {
	s.stderrMu.Lock()
	defer s.stderrMu.Unlock()
	fmt.Fprintf(s.Stderr, format, args...)
}

func (s *Session) explain(x *parser.Explain) error {
	var plan *planner.Plan
	var err error
	switch st := x.Stmt.(type) {
	case *parser.Query:
		plan, err = s.Planner.PlanQuery(st.Query)
	case *parser.Insert:
		plan, err = s.Planner.PlanInsert(st)
	default:
		return s.Planner.ErrAt(x.Pos, "EXPLAIN a SELECT or an INSERT", "cannot EXPLAIN this statement")
	}
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("== Physical Plan ==\n")
	b.WriteString(planner.Explain(plan.Root))
	if len(plan.Fired) > 0 {
		b.WriteString("\n== Rewrite rules applied ==\n" + strings.Join(plan.Fired, ", ") + "\n")
	}
	_, err = io.WriteString(s.Stdout, b.String())
	return err
}

func (s *Session) show(x *parser.Show) error {
	var names []string
	switch x.What {
	case "TABLES":
		names = s.Planner.Cat.TableNames()
	case "VIEWS":
		names = s.Planner.Cat.ViewNames()
	case "FUNCTIONS":
		for _, f := range expr.Functions {
			names = append(names, f.Signature)
		}
		names = append(names, "COUNT(*), COUNT([DISTINCT] x), SUM, MIN, MAX, AVG ... [FILTER (WHERE cond)]",
			"TUMBLE, HOP, CUMULATE, SESSION (window table functions)")
		sort.Strings(names)
	default:
		return s.Planner.ErrAt(x.Pos, "SHOW TABLES, SHOW VIEWS or SHOW FUNCTIONS", "SHOW %s is not supported here", x.What)
	}
	for _, n := range names {
		fmt.Fprintln(s.Stdout, n)
	}
	return nil
}

func (s *Session) describe(x *parser.Describe) error {
	t := s.Planner.Cat.Table(x.Name)
	if t == nil {
		if v := s.Planner.Cat.View(x.Name); v != nil {
			plan, err := s.Planner.PlanQuery(v.Query)
			if err != nil {
				return err
			}
			for _, f := range plan.Root.Props().Schema {
				fmt.Fprintf(s.Stdout, "%s\t%s\n", f.Name, expr.TypeName(f.Type))
			}
			return nil
		}
		return s.Planner.ErrAt(x.Pos, s.Planner.RelationHint(), "unknown table '%s'", x.Name)
	}
	rows := t.Describe()
	header := []string{"name", "type", "null", "key", "extras", "watermark"}
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = len(h)
		for _, r := range rows {
			widths[i] = max(widths[i], len(r[i]))
		}
	}
	rule := "+"
	for _, w := range widths {
		rule += strings.Repeat("-", w+2) + "+"
	}
	line := func(cells []string) {
		out := "|"
		for i, c := range cells {
			out += " " + c + strings.Repeat(" ", widths[i]-len(c)) + " |"
		}
		fmt.Fprintln(s.Stdout, out)
	}
	fmt.Fprintln(s.Stdout, rule)
	line(header)
	fmt.Fprintln(s.Stdout, rule)
	for _, r := range rows {
		line(r)
	}
	fmt.Fprintln(s.Stdout, rule)
	return nil
}

// internalError reports a bug with its stack, for the user to pass on.
func internalError(where string, r any) error {
	return fmt.Errorf("internal error at %s: %v (this is a bug in eddy; please report it with this message)\n%s", where, r, debug.Stack())
}

// resolvePaths returns a table's options with a relative source 'path' that matches nothing
// from the working directory (Flink's rule) but does from the script's folder taken from
// there: `eddy run jobs/q.sql` finds the `data.json` next to q.sql.
func (s *Session) resolvePaths(opts map[string]string) map[string]string {
	p, ok := opts["path"]
	if !ok || p == "" || filepath.IsAbs(p) || s.scriptDir == "" || s.scriptDir == "." || exists(p) {
		return opts
	}
	alt := filepath.Join(s.scriptDir, p)
	if !exists(alt) {
		return opts
	}
	out := make(map[string]string, len(opts))
	for k, v := range opts {
		out[k] = v
	}
	out["path"] = alt
	return out
}

func exists(pattern string) bool {
	m, err := filepath.Glob(pattern)
	return err == nil && len(m) > 0
}
