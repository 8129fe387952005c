package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/parser"
)

// Background is an INSERT INTO (or a statement set of them) prepared to run on its own
// while the session goes on with other statements: the REPL's background jobs. It is
// planned and built by StartBackground on the caller's goroutine, so the catalog is only
// ever touched by that goroutine; Run then touches nothing of the session but its Stderr
// (through the session's lock).
type Background struct {
	s    *Session
	jobs []*Job
	once sync.Once
}

// PrepareBackground plans and builds the jobs of an INSERT INTO or a statement set; its
// sinks are open. The caller must call Run exactly once (Run closes them). The error, when
// the statement is the user's to fix, is a *parser.Error.
func (s *Session) PrepareBackground(st parser.Statement) (*Background, error) {
	switch x := st.(type) {
	case *parser.Insert:
		return s.prepareInserts([]*parser.Insert{x})
	case *parser.StatementSet:
		return s.prepareInserts(x.Inserts)
	}
	return nil, fmt.Errorf("%s: only INSERT INTO runs as a background job", st.Position())
}

// prepareInserts plans and builds one job per INSERT, each writing its sink table and
// checkpointing when the session says so.
func (s *Session) prepareInserts(inserts []*parser.Insert) (*Background, error) {
	b := &Background{s: s}
	for _, ins := range inserts {
		plan, err := s.Planner.PlanInsert(ins)
		if err != nil {
			b.closeAll()
			return nil, err
		}
		t := plan.Root.Table
		shared := connectors.NewJobShared()
		sink, err := s.openSink(t, shared)
		if err != nil {
			b.closeAll()
			return nil, s.Planner.ErrAt(ins.Pos, "", "%v", err)
		}
		job, err := s.buildJob(plan, tableSink{sink}, shared)
		if err != nil {
			sink.Close()
			b.closeAll()
			return nil, s.Planner.ErrAt(ins.Pos, "", "%v", err)
		}
		job.sinks = []namedSink{{id: "sink:" + t.Name, sink: sink}}
		b.jobs = append(b.jobs, job)
		if err := s.setupCheckpoints(job, s.pipeline(t.Name)); err != nil {
			b.closeAll()
			return nil, s.Planner.ErrAt(ins.Pos, "", "%v", err)
		}
	}
	for _, j := range b.jobs {
		s.started(j)
	}
	return b, nil
}

// closeAll releases jobs built before a later one of the set failed to build.
func (b *Background) closeAll() {
	for _, j := range b.jobs {
		j.close()
	}
}

// Run runs the jobs until their input ends, one fails (which cancels the others) or ctx is
// cancelled (then it returns ctx's error). Late and bad records are reported on the
// session's Stderr at the end, as for any job.
func (b *Background) Run(ctx context.Context) error {
	err := fmt.Errorf("Background.Run called twice")
	b.once.Do(func() { err = b.run(ctx, nil) })
	return err
}

// run runs the jobs; ended, when set, is called once they all ended, before their late and
// bad records are reported.
func (b *Background) run(ctx context.Context, ended func()) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(b.jobs))
	var wg sync.WaitGroup
	for i, j := range b.jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					errs[i] = internalError("job "+j.Name, r)
					cancel()
				}
			}()
			if errs[i] = j.Run(ctx); errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	if ended != nil {
		ended()
	}
	// The error to report is the one that stopped the others, not their cancellation.
	var first error
	for i, j := range b.jobs {
		if err := b.s.finish(j, errs[i]); err != nil && (first == nil || errors.Is(first, context.Canceled) && !errors.Is(err, context.Canceled)) {
			first = err
		}
	}
	return first
}

// Counts sums the records read and written by the jobs so far; safe while they run.
func (b *Background) Counts() (in, out int64) {
	for _, j := range b.jobs {
		in += j.Stats.RecordsIn.Load()
		out += j.Stats.RecordsOut.Load()
	}
	return in, out
}
