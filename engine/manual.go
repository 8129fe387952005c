package engine

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/exec"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
)

// The manual connector is a source whose rows are pushed by a driver (golden tests, and
// later `eddy test`), not read from anywhere: like Flink's 'values' test connector.
func init() {
	connectors.Register(&connectors.Factory{
		Name: "manual",
		Options: []connectors.OptionSpec{
			{Key: "format", Default: "json", Doc: "format of the rows the driver feeds (json)"},
		},
		NewSource: func(spec connectors.TableSpec) (connectors.Source, error) {
			return &manualSource{schema: spec.Schema}, nil
		},
	})
}

type manualSource struct{ schema *arrow.Schema }

func (m *manualSource) Schema() *arrow.Schema { return m.schema }

// Run waits: the driver pushes into the job's chain itself.
func (m *manualSource) Run(ctx context.Context, out exec.Emitter) error {
	<-ctx.Done()
	return ctx.Err()
}

// ManualJob is a query over one table of the manual connector. The caller feeds rows,
// moves the watermark and ends the input; results go to the writer given to StartManual.
type ManualJob struct {
	s    *Session
	plan *planner.Plan
	job  *Job
	out  *resultWriter
	dec  *format.JSONDecoder
	line int
}

// StartManual plans q and builds its job without starting a source.
func (s *Session) StartManual(q *parser.Query, out *bytes.Buffer) (*ManualJob, error) {
	plan, err := s.Planner.PlanQuery(q.Query)
	if err != nil {
		return nil, err
	}
	rw := newResultWriter(out, s.Format, plan.Root.Props().Schema.Arrow())
	job, err := s.buildJobTo(plan, rw, false)
	if err != nil {
		return nil, err
	}
	src, ok := job.source.(*manualSource)
	if !ok {
		return nil, fmt.Errorf("StartManual: table '%s' must use 'connector' = 'manual'", job.Name)
	}
	dec, err := format.NewJSONDecoder(src.schema, s.mem, format.JSONOptions{})
	if err != nil {
		return nil, err
	}
	return &ManualJob{s: s, plan: plan, job: job, out: rw, dec: dec}, nil
}

// Feed decodes JSON lines and pushes them in batches of the session's batch size. A line
// that does not decode is a bad record (reported, not fed).
func (m *ManualJob) Feed(lines []string) error {
	for _, l := range lines {
		m.line++
		if strings.TrimSpace(l) == "" {
			continue
		}
		if err := m.dec.Append([]byte(l)); err != nil {
			m.job.Stats.BadRecords.Add(1)
			m.s.warnf("eddy: table '%s': skipped bad record at input:%d: %v\n", m.job.Name, m.line, err)
			continue
		}
		if m.dec.Len() >= m.s.BatchSize {
			if err := m.flush(); err != nil {
				return err
			}
		}
	}
	return m.flush()
}

func (m *ManualJob) flush() error {
	if m.dec.Len() == 0 {
		return nil
	}
	b := m.dec.Flush()
	defer b.Release()
	m.job.Stats.RecordsIn.Add(b.NumRows())
	return m.job.chain.Emit(exec.BatchMessage(b, nil))
}

// Watermark moves the source's watermark to ms (it never goes back).
func (m *ManualJob) Watermark(ms int64) error {
	return m.job.chain.Emit(exec.WatermarkMessage(ms))
}

// End ends the input: every window fires.
func (m *ManualJob) End() error {
	return m.job.chain.Emit(exec.EndMessage())
}

// Flush writes out buffered result rows.
func (m *ManualJob) Flush() error { return m.out.Flush() }

// Close releases the job.
func (m *ManualJob) Close() error {
	m.dec.Release()
	return m.job.close()
}

// LateDropped is the number of late records dropped so far.
func (m *ManualJob) LateDropped() int64 {
	m.job.updateLate()
	return m.job.Stats.Late.Load()
}

// Restart snapshots the state of every stateful operator, throws the operators away, builds
// the job afresh from its plan and restores the state into it: a checkpoint and restore in
// the middle of a stream, which must not change any result.
func (m *ManualJob) Restart() error {
	var states [][]byte
	for _, op := range m.job.chain.Ops {
		if st, ok := op.(exec.Stateful); ok {
			b, err := st.Snapshot()
			if err != nil {
				return err
			}
			states = append(states, b)
		}
	}
	stats := m.job.Stats
	if err := m.job.chain.Close(); err != nil {
		return err
	}
	job, err := m.s.buildJobTo(m.plan, m.out, false)
	if err != nil {
		return err
	}
	job.Stats = stats
	i := 0
	for _, op := range job.chain.Ops {
		if st, ok := op.(exec.Stateful); ok {
			if err := st.Restore(states[i]); err != nil {
				return err
			}
			i++
		}
	}
	m.job = job
	return nil
}
