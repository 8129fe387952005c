package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/exec"
	"github.com/eddysql/eddy/planner"
)

// openSink opens the connector sink of a table for its physical columns.
func (s *Session) openSink(t *planner.Table, shared *connectors.JobShared) (connectors.Sink, error) {
	if t.Connector.NewSink == nil {
		return nil, fmt.Errorf("connector '%s' of table '%s' can only be read, not written", t.Connector.Name, t.Name)
	}
	if err := s.checkPath(t); err != nil {
		return nil, err
	}
	schema := physicalSchema(t)
	var pk []int
	for _, k := range t.PrimaryKey {
		for i, f := range schema.Fields() {
			if strings.EqualFold(f.Name, k) {
				pk = append(pk, i)
			}
		}
	}
	return t.Connector.NewSink(connectors.TableSpec{
		Name: t.Name, Schema: schema, Options: t.Options, BatchSize: s.BatchSize, PrimaryKey: pk, Job: shared,
		BadRecords: nil, Mem: s.mem,
	})
}

func physicalSchema(t *planner.Table) *arrow.Schema {
	var fields []arrow.Field
	for i, c := range t.Columns {
		if t.Written(i) {
			fields = append(fields, arrow.Field{Name: c.Name, Type: c.Type, Nullable: true})
		}
	}
	return arrow.NewSchema(fields, nil)
}

// sideTable writes side-output rows (bad or late records) to a table, filling its columns by
// name from the values the caller knows.
type sideTable struct {
	mu     sync.Mutex
	t      *planner.Table
	sink   connectors.Sink
	schema *arrow.Schema
}

func (s *Session) openSideTable(name, option string, from *planner.Table) (*sideTable, error) {
	t := s.Planner.Cat.Table(name)
	if t == nil {
		return nil, fmt.Errorf("table '%s' names '%s' = '%s', but no such table exists; create it first (CREATE TABLE %s (...) WITH ('connector' = 'filesystem', ...))", from.Name, option, name, name)
	}
	sink, err := s.openSink(t, nil)
	if err != nil {
		return nil, err
	}
	return &sideTable{t: t, sink: sink, schema: physicalSchema(t)}, nil
}

// write builds one batch: each column comes from values(name, type, builder) which
// appends one value per row, or is NULL when values returns false.
func (st *sideTable) write(s *Session, rows int, values func(name string, b array.Builder) bool) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	bld := array.NewRecordBuilder(s.mem, st.schema)
	defer bld.Release()
	for i, f := range st.schema.Fields() {
		if !values(strings.ToLower(f.Name), bld.Field(i)) {
			bld.Field(i).AppendNulls(rows)
		}
	}
	rec := bld.NewRecordBatch()
	defer rec.Release()
	return st.sink.Write(rec)
}

// badRecords implements connectors.BadRecordHandler for one table.
type badRecords struct {
	s     *Session
	table *planner.Table
	job   *Job
	fail  bool
	side  *sideTable
	err   error
}

// splitCounts counts bad records per source partition (BadRecord.Split).
type splitCounts struct {
	mu sync.Mutex
	n  map[string]int64
}

func (c *splitCounts) add(split string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int64{}
	}
	c.n[split]++
}

// String lists the counts, e.g. "bids/0: 3, bids/2: 1"; "" when there are none.
func (c *splitCounts) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var parts []string
	for k, v := range c.n {
		parts = append(parts, fmt.Sprintf("%s: %d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func (s *Session) badRecordHandler(t *planner.Table, job *Job) connectors.BadRecordHandler {
	h := &badRecords{s: s, table: t, job: job, fail: strings.EqualFold(t.Options["format.on-error"], "fail")}
	if name := t.Options["errors.sink"]; name != "" {
		h.side, h.err = s.openSideTable(name, "errors.sink", t)
		if h.side != nil {
			job.closers = append(job.closers, h.side.sink.Close)
		}
	}
	return h
}

func (h *badRecords) BadRecord(r connectors.BadRecord) error {
	h.job.Stats.BadRecords.Add(1)
	if r.Split != "" {
		h.job.badSplits.add(r.Split)
	}
	if h.fail {
		return fmt.Errorf("table '%s': bad record at %s: %s ('format.on-error' = 'fail')", h.table.Name, r.Position, r.Reason)
	}
	if h.err != nil {
		return h.err
	}
	if h.side == nil {
		h.s.warnf("eddy: table '%s': skipped bad record at %s: %s\n", h.table.Name, r.Position, r.Reason)
		return nil
	}
	return h.side.write(h.s, 1, func(name string, b array.Builder) bool {
		sb, ok := b.(*array.StringBuilder)
		if !ok {
			return false
		}
		switch name {
		case "table", "table_name":
			sb.Append(h.table.Name)
		case "position", "pos", "location":
			sb.Append(r.Position)
		case "reason", "error", "message":
			sb.Append(r.Reason)
		case "raw", "record", "line", "data":
			sb.Append(string(r.Raw))
		default:
			return false
		}
		return true
	})
}

// lateRecords implements exec.LateHandler: rows go to the table's 'late.sink'.
type lateRecords struct {
	s    *Session
	side *sideTable
}

func (s *Session) lateHandler(job *Job) (exec.LateHandler, error) {
	if job.table == nil || job.table.Options["late.sink"] == "" {
		return nil, nil
	}
	side, err := s.openSideTable(job.table.Options["late.sink"], "late.sink", job.table)
	if err != nil {
		return nil, err
	}
	job.closers = append(job.closers, side.sink.Close)
	return &lateRecords{s: s, side: side}, nil
}

func (l *lateRecords) Late(op string, b arrow.RecordBatch, rows []int, wms []int64) error {
	idxB := array.NewInt32Builder(l.s.mem)
	for _, r := range rows {
		idxB.Append(int32(r))
	}
	idx := idxB.NewArray()
	idxB.Release()
	defer idx.Release()
	ctx := compute.WithAllocator(context.Background(), l.s.mem)
	var ferr error
	err := l.side.write(l.s, len(rows), func(name string, bld array.Builder) bool {
		switch name {
		case "reason":
			if sb, ok := bld.(*array.StringBuilder); ok {
				for _, wm := range wms {
					if wm == exec.MinWatermark {
						sb.Append(fmt.Sprintf("dropped: the record's event time is NULL (%s)", op))
						continue
					}
					sb.Append(fmt.Sprintf("late: the watermark (%s) had passed the end of every window of the record (%s)", fmtMillis(wm), op))
				}
				return true
			}
		case "watermark":
			if tb, ok := bld.(*array.TimestampBuilder); ok {
				for _, wm := range wms {
					tb.Append(arrow.Timestamp(wm))
				}
				return true
			}
		}
		for i, f := range b.Schema().Fields() {
			if strings.EqualFold(f.Name, name) && arrow.TypeEqual(f.Type, bld.Type()) {
				col, err := compute.TakeArray(ctx, b.Column(i), idx)
				if err != nil {
					ferr = err
					return false
				}
				defer col.Release()
				for r := 0; r < col.Len(); r++ {
					if col.IsNull(r) {
						bld.AppendNull()
						continue
					}
					if err := bld.AppendValueFromString(col.ValueStr(r)); err != nil {
						ferr = err
						bld.AppendNull()
					}
				}
				return true
			}
		}
		return false
	})
	if err != nil {
		return err
	}
	return ferr
}

func fmtMillis(ms int64) string {
	switch ms {
	case exec.MinWatermark:
		return "-inf"
	case exec.MaxWatermark:
		return "+inf"
	}
	return arrow.Timestamp(ms).ToTime(arrow.Millisecond).UTC().Format("2006-01-02 15:04:05.000")
}
