package repl

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/parser"
)

// exec runs one statement, whose text is sql.
func (s *Shell) exec(ctx context.Context, st parser.Statement, sql string) error {
	switch x := st.(type) {
	case *parser.Help:
		fmt.Fprint(s.cfg.Stdout, helpText)
		return nil
	case *parser.Quit:
		s.quit = true
		return nil
	case *parser.SourceFile:
		s.source(ctx, x.Path)
		return nil
	case *parser.Query:
		return s.query(ctx, x)
	case *parser.Insert, *parser.StatementSet:
		id, err := s.jobs.Submit(ctx, JobRequest{Statement: st, SQL: sql, Script: s.catalogScript(sql), Name: jobName(st)})
		if err != nil {
			return err
		}
		fmt.Fprintf(s.cfg.Stdout, "Job %s started. SHOW JOBS; lists it; STOP JOB '%s'; stops it.\n", id, id)
		return nil
	case *parser.Show:
		if x.What == "JOBS" {
			return s.showJobs(ctx)
		}
	case *parser.StopJob:
		if err := s.interruptible(ctx, func(ctx context.Context) error { return s.jobs.Stop(ctx, x.ID) }); err != nil {
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return s.sess.Planner.ErrAt(x.Pos, "SHOW JOBS; lists the jobs", "%v", err)
		}
		fmt.Fprintf(s.cfg.Stdout, "Job %s stopped.\n", x.ID)
		return nil
	case *parser.Set:
		if x.Key == "" {
			s.showSettings()
			return nil
		}
		if strings.EqualFold(x.Key, resultModeKey) {
			if _, ok := parseMode(x.Value); !ok {
				return s.sess.Planner.ErrAt(x.Pos, "result modes are 'table', 'changelog' and 'tableau'", "unknown result mode '%s'", x.Value)
			}
		}
	}
	err := s.interruptible(ctx, func(ctx context.Context) error { return s.sess.RunStatement(ctx, st) })
	if err == nil {
		s.confirm(st)
		switch st.(type) {
		case *parser.CreateTable, *parser.CreateView, *parser.DropTable, *parser.DropView, *parser.Set, *parser.Reset:
			s.catalogLog = append(s.catalogLog, sql)
		}
	}
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// confirm says what a statement that prints nothing did.
func (s *Shell) confirm(st parser.Statement) {
	var msg string
	switch x := st.(type) {
	case *parser.CreateTable:
		msg = fmt.Sprintf("Table '%s' created.", x.Name)
	case *parser.CreateView:
		msg = fmt.Sprintf("View '%s' created.", x.Name)
	case *parser.DropTable:
		msg = fmt.Sprintf("Table '%s' dropped.", x.Name)
	case *parser.DropView:
		msg = fmt.Sprintf("View '%s' dropped.", x.Name)
	case *parser.Set:
		msg = fmt.Sprintf("'%s' = '%s'.", x.Key, x.Value)
	case *parser.Reset:
		msg = "Settings reset."
		if x.Key != "" {
			msg = fmt.Sprintf("'%s' reset.", x.Key)
		}
	default:
		return
	}
	if s.rl != nil {
		fmt.Fprintln(s.cfg.Stdout, msg)
	}
}

// interruptible runs f with a context that Ctrl-C cancels. In a script, Ctrl-C also ends
// the script.
func (s *Shell) interruptible(ctx context.Context, f func(context.Context) error) error {
	if s.cfg.Interrupts == nil {
		return f(ctx)
	}
	select {
	case <-s.cfg.Interrupts:
		// Ctrl-C between statements: it ends a script; at a terminal it came before this
		// statement (while the line editor had the keys), so it does not stop it.
		if s.rl == nil {
			s.interrupted = true
			return context.Canceled
		}
	default:
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	stopped := make(chan bool, 1)
	go func() {
		select {
		case <-s.cfg.Interrupts:
			cancel()
			stopped <- true
		case <-done:
			stopped <- false
		}
	}()
	err := f(ctx)
	close(done)
	if <-stopped && s.rl == nil {
		s.interrupted = true
	}
	return err
}

// query runs a SELECT, showing its result in the current result mode until its input
// ends or Ctrl-C.
func (s *Shell) query(ctx context.Context, q *parser.Query) error {
	mode := s.resultMode()
	size := func() (int, int) { return termSize(s.cfg.OutFd) }
	v := newLiveView(mode, s.cfg.Stdout, s.cfg.Live, size)
	s.sess.Live = v
	defer func() { s.sess.Live = nil }()
	s.notes.hold()
	defer s.notes.release()
	restore := func() {}
	if s.cfg.Live && s.cfg.Terminal {
		restore = quietInput(s.cfg.InFd)
	}
	started := time.Now()
	err := s.interruptible(ctx, func(ctx context.Context) error { return s.sess.RunStatement(ctx, q) })
	restore()
	took := time.Since(started).Round(time.Millisecond)
	if took > 10*time.Second {
		took = took.Truncate(100 * time.Millisecond)
	}
	switch {
	case err == nil:
		v.end(fmt.Sprintf("done in %s", took))
	case errors.Is(err, context.Canceled):
		v.end("stopped")
		if !s.cfg.Live {
			fmt.Fprintln(s.cfg.Stdout, "Query stopped.")
		}
		return nil
	default:
		v.end("failed")
	}
	return err
}

// resultMode is the mode SET 'sql-client.execution.result-mode' chose (table by default).
func (s *Shell) resultMode() ResultMode {
	m, _ := parseMode(s.sess.Planner.Cat.Settings[resultModeKey])
	return m
}

func parseMode(v string) (ResultMode, bool) {
	switch m := ResultMode(strings.ToLower(strings.TrimSpace(v))); m {
	case ModeTable, ModeChangelog, ModeTableau:
		return m, true
	case "":
		return ModeTable, true
	}
	return ModeTable, false
}

// showJobs prints SHOW JOBS: one row a job.
func (s *Shell) showJobs(ctx context.Context) error {
	jobs, err := s.jobs.Jobs(ctx)
	if err != nil {
		return err
	}
	if len(jobs) == 0 {
		fmt.Fprintln(s.cfg.Stdout, "No jobs. INSERT INTO ... starts one.")
		return nil
	}
	l := newNamedLayout("id", "status", "records in", "records out", "statement")
	l.numeric[2], l.numeric[3] = true, true
	var rows [][]string
	for _, j := range jobs {
		status := j.Status
		if j.Error != "" {
			status += ": " + firstLine(j.Error)
		}
		row := []string{j.ID, status, engine.GroupDigits(j.RecordsIn), engine.GroupDigits(j.RecordsOut), j.Statement}
		l.fit(row)
		rows = append(rows, row)
	}
	s.printTable(l, rows)
	return nil
}

// showSettings prints SET; with no key: every setting, and the result mode.
func (s *Shell) showSettings() {
	settings := map[string]string{resultModeKey: string(s.resultMode())}
	for k, v := range s.sess.Planner.Cat.Settings {
		if k != "" {
			settings[k] = v
		}
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(s.cfg.Stdout, "'%s' = '%s'\n", k, settings[k])
	}
}

func (s *Shell) printTable(l *layout, rows [][]string) {
	var b strings.Builder
	b.WriteString(l.rule() + "\n" + l.header() + "\n" + l.rule() + "\n")
	for _, r := range rows {
		b.WriteString(l.line(r) + "\n")
	}
	b.WriteString(l.rule() + "\n")
	fmt.Fprint(s.cfg.Stdout, b.String())
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// jobEnded tells the user a background job finished or failed by itself.
func (s *Shell) jobEnded(j JobInfo) {
	msg := fmt.Sprintf("Job %s %s: %s in, %s out.", j.ID, strings.ToLower(j.Status), engine.GroupDigits(j.RecordsIn), engine.GroupDigits(j.RecordsOut))
	if j.Error != "" {
		msg = fmt.Sprintf("Job %s failed: %s", j.ID, j.Error)
	}
	fmt.Fprintln(s.notes, msg)
}

// catalogScript is the statements that built the catalog, then sql: a script that runs
// sql in a session of its own (a job server's).
func (s *Shell) catalogScript(sql string) string {
	var b strings.Builder
	for _, st := range s.catalogLog {
		b.WriteString(st + ";\n")
	}
	b.WriteString(sql + ";\n")
	return b.String()
}

// jobName names a job after the table it writes.
func jobName(st parser.Statement) string {
	switch x := st.(type) {
	case *parser.Insert:
		return x.Table
	case *parser.StatementSet:
		var names []string
		for _, ins := range x.Inserts {
			names = append(names, ins.Table)
		}
		return strings.Join(names, "+")
	}
	return ""
}
