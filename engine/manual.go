package engine

import (
	"bytes"
	"context"
	"fmt"
	"sort"
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

// ManualJob is a query over tables of the manual connector. The caller feeds rows into
// each, moves their watermarks and ends the input; results go to the writer given to
// StartManual.
type ManualJob struct {
	s      *Session
	plan   *planner.Plan
	job    *Job
	out    *resultWriter
	inputs map[string]*manualInput // by lower-case table name
	only   string                  // the table when there is one
}

// manualInput is one manual table of the job.
type manualInput struct {
	source int // index in job.sources
	name   string
	dec    *format.JSONDecoder
	line   int
}

// StartManual plans q and builds its job without starting a source. With materialize, the
// result's changelog is applied to a table instead of printed (see Materialized).
func (s *Session) StartManual(q *parser.Query, out *bytes.Buffer, materialize bool) (*ManualJob, error) {
	plan, err := s.Planner.PlanQuery(q.Query)
	if err != nil {
		return nil, err
	}
	rw := newResultWriter(out, s.Format, plan.Root.Props().Schema.Arrow(), plan.Root.Props().Mode == planner.Updating)
	if materialize {
		rw.view = newMaterialized()
	}
	job, err := s.buildJobTo(plan, rw, false, nil)
	if err != nil {
		return nil, err
	}
	m := &ManualJob{s: s, plan: plan, job: job, out: rw, inputs: map[string]*manualInput{}}
	for i, js := range job.sources {
		src, ok := js.src.(*manualSource)
		if !ok {
			return nil, fmt.Errorf("StartManual: table '%s' must use 'connector' = 'manual'", js.table.Name)
		}
		dec, err := format.NewJSONDecoder(src.schema, s.mem, format.JSONOptions{})
		if err != nil {
			return nil, err
		}
		key := strings.ToLower(js.table.Name)
		if in, dup := m.inputs[key]; dup {
			// A self-join reads one table twice: both scans take the rows.
			in.dec.Release()
		}
		m.inputs[key] = &manualInput{source: i, name: js.table.Name, dec: dec}
		m.only = key
	}
	if len(m.inputs) > 1 {
		m.only = ""
	}
	return m, nil
}

// scans lists the job's sources reading table (all manual sources when table is "" and
// there is one table).
func (m *ManualJob) scans(table string) ([]int, error) {
	key := strings.ToLower(table)
	if key == "" {
		key = m.only
	}
	if _, ok := m.inputs[key]; !ok {
		return nil, fmt.Errorf("feed: name the table (table=...) the query reads")
	}
	var out []int
	for i, js := range m.job.sources {
		if strings.EqualFold(js.table.Name, key) {
			out = append(out, i)
		}
	}
	return out, nil
}

// Feed decodes JSON lines for a table ("" when the query reads one) and pushes them in
// batches of the session's batch size. A line that does not decode is a bad record
// (reported, not fed).
func (m *ManualJob) Feed(table string, lines []string) error {
	scans, err := m.scans(table)
	if err != nil {
		return err
	}
	key := strings.ToLower(table)
	if key == "" {
		key = m.only
	}
	in := m.inputs[key]
	for _, l := range lines {
		in.line++
		if strings.TrimSpace(l) == "" {
			continue
		}
		if err := in.dec.Append([]byte(l)); err != nil {
			m.job.Stats.BadRecords.Add(1)
			m.s.warnf("eddy: table '%s': skipped bad record at input:%d: %v\n", in.name, in.line, err)
			continue
		}
		if in.dec.Len() >= m.s.BatchSize {
			if err := m.flush(in, scans); err != nil {
				return err
			}
		}
	}
	return m.flush(in, scans)
}

func (m *ManualJob) flush(in *manualInput, scans []int) error {
	if in.dec.Len() == 0 {
		return nil
	}
	b := in.dec.Flush()
	defer b.Release()
	for _, i := range scans {
		m.job.Stats.RecordsIn.Add(b.NumRows())
		if err := m.job.emit(i, exec.BatchMessage(b, nil)); err != nil {
			return err
		}
	}
	return nil
}

// Watermark moves a table's watermark to ms (it never goes back).
func (m *ManualJob) Watermark(table string, ms int64) error {
	scans, err := m.scans(table)
	if err != nil {
		return err
	}
	for _, i := range scans {
		if err := m.job.emit(i, exec.WatermarkMessage(ms)); err != nil {
			return err
		}
	}
	return nil
}

// End ends the input of every table: every window fires.
func (m *ManualJob) End() error {
	for i := range m.job.sources {
		if err := m.job.emit(i, exec.EndMessage()); err != nil {
			return err
		}
	}
	return nil
}

// Materialized lists the rows of the materialized result, one `col=value, ...` line each,
// sorted; "" when the job does not materialize.
func (m *ManualJob) Materialized() string {
	if m.out.view == nil {
		return ""
	}
	var lines []string
	for _, row := range m.out.view.rows() {
		parts := make([]string, len(row))
		for i, c := range row {
			parts[i] = m.out.schema.Field(i).Name + "=" + c
		}
		lines = append(lines, strings.Join(parts, ", "))
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		return "(empty)\n"
	}
	return strings.Join(lines, "\n") + "\n"
}

// Flush writes out buffered result rows.
func (m *ManualJob) Flush() error { return m.out.Flush() }

// Close releases the job.
func (m *ManualJob) Close() error {
	for _, in := range m.inputs {
		in.dec.Release()
	}
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
	// The state goes through a checkpoint's encoding and is mapped by operator id, as a
	// restore from a checkpoint file does.
	st := m.job.Stats
	f := &checkpointFile{Version: checkpointVersion, ID: 1, Kind: "checkpoint", Watermark: st.Watermark.Load(),
		Counters: [5]int64{st.RecordsIn.Load(), st.RecordsOut.Load(), st.BadRecords.Load()}}
	for i, op := range m.job.ops {
		if st, ok := op.(exec.Stateful); ok {
			b, err := st.Snapshot()
			if err != nil {
				return err
			}
			f.Operators = append(f.Operators, savedState{ID: m.job.opIDs[i], Desc: m.job.opDescs[i], State: b})
		}
	}
	b, err := encodeCheckpoint(f)
	if err != nil {
		return err
	}
	stats := m.job.Stats
	for _, op := range m.job.ops {
		if err := op.(interface{ Close() error }).Close(); err != nil {
			return err
		}
	}
	job, err := m.s.buildJobTo(m.plan, m.out, false, nil)
	if err != nil {
		return err
	}
	job.Stats = stats
	if f, err = decodeCheckpoint(b); err != nil {
		return err
	}
	job.ckpt = &checkpointer{cfg: CheckpointConfig{Warn: func(string) {}}}
	if err := job.restoreFrom(f); err != nil {
		return err
	}
	job.ckpt = nil
	m.job = job
	return nil
}
