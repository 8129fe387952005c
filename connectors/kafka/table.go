package kafka

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/exec"
)

// The 'kafka' and 'upsert-kafka' table connectors. A source reads every partition of its
// topics, decodes each partition's records into Arrow batches of their own (so that the
// watermark can be kept per partition), announces its partitions (exec.KindSplits) and
// reports a partition idle after 'source.idle-timeout' without records (exec.KindIdle).
// A bounded read ('scan.bounded.mode') ends like a file. A sink writes one record per row;
// 'upsert-kafka' keys records by the PRIMARY KEY and writes a tombstone for a delete.
func init() {
	opts := func() []connectors.OptionSpec {
		var out []connectors.OptionSpec
		for _, d := range OptionDocs() {
			out = append(out, connectors.OptionSpec{Key: d.Key, Default: d.Default, Doc: d.Doc})
		}
		out = append(out, connectors.FormatOptions()...)
		out = append(out, connectors.OptionSpec{Key: "value.format", Doc: "Flink's name for 'format' (json, csv or raw)"},
			connectors.OptionSpec{Key: "key.format", Doc: "format of the record key: json, csv or raw (default: the value's for upsert-kafka)"},
			connectors.OptionSpec{Key: "key.fields", Doc: "columns of the record key, 'a;b' (sinks default to the PRIMARY KEY)"},
			connectors.OptionSpec{Key: "value.fields-include", Default: "ALL", Doc: "ALL: the value holds every column; EXCEPT_KEY: the value holds the columns not in 'key.fields', which are read from the key"},
			connectors.OptionSpec{Key: "sink.commit-interval", Default: "5 s", Doc: "exactly-once: how often the open transaction is committed"})
		for i := range out {
			if out[i].Key == "format" { // or 'value.format'
				out[i].Required = false
				out[i].Doc = "record value format: json, csv or raw (or 'value.format')"
			}
		}
		return out
	}
	connectors.Register(&connectors.Factory{
		Name: "kafka", Options: opts(), OptionPrefixes: []string{PropertyPrefix()}, Metadata: metadataDocs,
		NewSource: func(spec connectors.TableSpec) (connectors.Source, error) { return newTableSource(spec) },
		NewSink:   func(spec connectors.TableSpec) (connectors.Sink, error) { return newTableSink(spec, false) },
	})
	connectors.Register(&connectors.Factory{
		Name: "upsert-kafka", Options: opts(), OptionPrefixes: []string{PropertyPrefix()}, Metadata: metadataDocs,
		NewSource: func(spec connectors.TableSpec) (connectors.Source, error) { return newTableSource(spec) },
		NewSink:   func(spec connectors.TableSpec) (connectors.Sink, error) { return newTableSink(spec, true) },
	})
}

// valueSpec is spec with 'value.format' folded into 'format'.
func valueSpec(spec connectors.TableSpec) connectors.TableSpec {
	if v := spec.Options["value.format"]; v != "" && spec.Options["format"] == "" {
		o := map[string]string{}
		for k, x := range spec.Options {
			o[k] = x
		}
		o["format"] = v
		spec.Options = o
	}
	return spec
}

func isRaw(spec connectors.TableSpec) bool {
	return strings.EqualFold(strings.TrimSpace(spec.Options["format"]), "raw")
}

// tableSource reads a Kafka table.
type tableSource struct {
	spec   connectors.TableSpec
	layout *layout // where each column comes from: value, key or metadata
	value  connectors.TableSpec
	cfg    *Config
	idle   time.Duration
	// progress tells the job's exactly-once Kafka sinks where a bounded read ended.
	progress *sourceProgress
	// pos is the position after the last batch emitted (Run's goroutine only).
	pos *position
	// resume are the offsets of a restore (ResumeAt).
	resume map[TopicPartition]int64
	// lag is how many records the partitions hold past what was read, -1 before known.
	lag atomic.Int64
}

// Lag implements connectors.LagReporter.
func (s *tableSource) Lag() (int64, bool) {
	n := s.lag.Load()
	return n, n >= 0
}

func newTableSource(spec connectors.TableSpec) (*tableSource, error) {
	spec = valueSpec(spec)
	cfg, err := ParseConfig(spec.Options)
	if err != nil {
		return nil, fmt.Errorf("table '%s': %v", spec.Name, err)
	}
	l, err := newLayout(spec)
	if err != nil {
		return nil, err
	}
	value := l.value
	if mc, err := newMetadataColumns(spec, l.meta, spec.Mem); err != nil {
		return nil, err
	} else {
		for _, m := range mc {
			m.b.Release()
		}
	}
	if l.key != nil && !isRaw(*l.key) {
		d, err := connectors.NewDecoder(*l.key)
		if err != nil {
			return nil, fmt.Errorf("table '%s': key: %v", spec.Name, err)
		}
		d.Release()
	}
	if isRaw(value) {
		if value.Schema.NumFields() != 1 || !isText(value.Schema.Field(0).Type) {
			return nil, fmt.Errorf("table '%s': 'format' = 'raw' reads the record value into one STRING or BYTES column", spec.Name)
		}
	} else if d, err := connectors.NewDecoder(value); err != nil {
		return nil, err
	} else {
		d.Release()
	}
	idle := 30 * time.Second
	if v := strings.TrimSpace(spec.Options["source.idle-timeout"]); v != "" {
		if idle, err = connectors.ParseDuration(v); err != nil {
			return nil, fmt.Errorf("table '%s': 'source.idle-timeout': %v", spec.Name, err)
		}
	}
	src := &tableSource{spec: spec, layout: l, value: value, cfg: cfg, idle: idle}
	src.lag.Store(-1)
	if spec.Job != nil && cfg.GroupID != "" {
		src.progress = &sourceProgress{brokers: brokerKey(cfg), group: cfg.GroupID}
		spec.Job.Add(progressKey, src.progress)
	}
	return src, nil
}

func isText(t arrow.DataType) bool {
	return t.ID() == arrow.STRING || t.ID() == arrow.BINARY || t.ID() == arrow.LARGE_STRING
}

func (s *tableSource) Schema() *arrow.Schema { return s.spec.Schema }

// partitionInput is the decoding state of one partition.
type partitionInput struct {
	tp       TopicPartition
	dec      format.Decoder
	raw      *array.BinaryBuilder
	key      format.Decoder // decodes the key columns; nil when none
	keyRaw   *array.BinaryBuilder
	meta     []*metadataColumn
	rows     int
	next     int64 // offset after the last record decoded
	lastData time.Time
	idle     bool
}

// Run implements connectors.Source.
func (s *tableSource) Run(ctx context.Context, out exec.Emitter) error {
	cfg := s.cfg
	if s.resume != nil {
		c := *cfg
		c.ResumeOffsets = s.resume
		cfg = &c
	}
	r, err := NewReader(ctx, cfg)
	if err != nil {
		return fmt.Errorf("table '%s': %v", s.spec.Name, err)
	}
	defer r.Close()
	parts := r.Partitions()
	index := map[TopicPartition]int32{}
	inputs := make([]*partitionInput, len(parts))
	now := time.Now()
	for i, tp := range parts {
		index[tp] = int32(i)
		in := &partitionInput{tp: tp, lastData: now}
		inputs[i] = in
		if in.meta, err = newMetadataColumns(s.spec, s.layout.meta, s.spec.Mem); err != nil {
			return err
		}
		if k := s.layout.key; k != nil {
			if isRaw(*k) {
				in.keyRaw = array.NewBinaryBuilder(s.spec.Mem, k.Schema.Field(0).Type.(arrow.BinaryDataType))
			} else if in.key, err = connectors.NewDecoder(*k); err != nil {
				return err
			}
		}
		if isRaw(s.value) {
			in.raw = array.NewBinaryBuilder(s.spec.Mem, s.value.Schema.Field(0).Type.(arrow.BinaryDataType))
		} else if in.dec, err = connectors.NewDecoder(s.value); err != nil {
			return err
		}
	}
	defer func() {
		for _, in := range inputs {
			if in == nil {
				continue
			}
			for _, m := range in.meta {
				m.b.Release()
			}
			if in.dec != nil {
				in.dec.Release()
			}
			if in.key != nil {
				in.key.Release()
			}
			if in.keyRaw != nil {
				in.keyRaw.Release()
			}
			if in.raw != nil {
				in.raw.Release()
			}
		}
	}()
	pos := &position{parts: parts, next: make([]int64, len(parts))}
	start := r.StartOffsets()
	for i, tp := range parts {
		pos.next[i] = start[tp]
		inputs[i].next = start[tp]
	}
	s.pos = pos
	if err := out.Emit(exec.Message{Kind: exec.KindSplits, Split: int32(len(parts))}); err != nil {
		return err
	}
	for {
		if r.Done() {
			for i, in := range inputs {
				if err := s.flush(int32(i), in, out); err != nil {
					return err
				}
			}
			if s.progress != nil {
				s.progress.finish(r.Offsets())
			}
			return out.Emit(exec.EndMessage())
		}
		pctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		f, err := r.Poll(pctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("table '%s': %v", s.spec.Name, err)
			}
		}
		now := time.Now()
		for _, pr := range f.Partitions {
			i, ok := index[TopicPartition{Topic: pr.Topic, Partition: pr.Partition}]
			if !ok {
				continue
			}
			in := inputs[i]
			in.lastData, in.idle = now, false
			for _, rec := range pr.Records {
				in.next = rec.Offset + 1
				if err := s.decode(in, rec); err != nil {
					return err
				}
				if in.rows >= s.spec.BatchSize {
					if err := s.flush(i, in, out); err != nil {
						return err
					}
				}
			}
			if err := s.flush(i, in, out); err != nil {
				return err
			}
		}
		high := r.HighWatermarks()
		var lag int64
		for _, in := range inputs {
			if h, ok := high[in.tp]; ok && h > in.next {
				lag += h - in.next
			}
		}
		s.lag.Store(lag)
		if s.idle > 0 {
			for i, in := range inputs {
				if !in.idle && now.Sub(in.lastData) >= s.idle {
					in.idle = true
					if err := out.Emit(exec.Message{Kind: exec.KindIdle, Split: int32(i)}); err != nil {
						return err
					}
				}
			}
		}
	}
}

// decode appends one record's value (and key columns) to its partition's batch; a record
// that does not decode is a bad record with its topic/partition/offset.
func (s *tableSource) decode(in *partitionInput, rec *kgo.Record) error {
	bad := func(what string, err error, raw []byte) error {
		return s.spec.BadRecords.BadRecord(connectors.BadRecord{
			Table: s.spec.Name, Position: fmt.Sprintf("%s/%d/%d", rec.Topic, rec.Partition, rec.Offset), Split: fmt.Sprintf("%s/%d", rec.Topic, rec.Partition),
			Reason: what + err.Error(), Raw: raw,
		})
	}
	// The parts that can fail go first, so that a bad part leaves nothing behind.
	if in.key != nil && in.raw != nil {
		if err := in.key.Append(rec.Key); err != nil {
			return bad("key: ", err, rec.Key)
		}
		appendBytes(in.raw, rec.Value)
	} else {
		if in.raw != nil {
			appendBytes(in.raw, rec.Value)
		} else if err := in.dec.Append(rec.Value); err != nil {
			return bad("", err, rec.Value)
		}
		if in.key != nil {
			if err := in.key.Append(rec.Key); err != nil {
				in.dec.DropLast()
				return bad("key: ", err, rec.Key)
			}
		}
	}
	if in.keyRaw != nil {
		appendBytes(in.keyRaw, rec.Key)
	}
	for _, m := range in.meta {
		m.append(rec)
	}
	in.rows++
	return nil
}

// flush emits a partition's decoded rows as one batch of that partition.
func (s *tableSource) flush(i int32, in *partitionInput, out exec.Emitter) error {
	if in.rows == 0 {
		return nil
	}
	var b arrow.RecordBatch
	if in.raw != nil {
		col := in.raw.NewArray()
		b = array.NewRecordBatch(s.value.Schema, []arrow.Array{col}, int64(in.rows))
		col.Release()
	} else {
		b = in.dec.Flush()
	}
	in.rows = 0
	if len(in.meta) > 0 || s.layout.key != nil {
		var key arrow.RecordBatch
		switch {
		case in.keyRaw != nil:
			col := in.keyRaw.NewArray()
			key = array.NewRecordBatch(s.layout.key.Schema, []arrow.Array{col}, b.NumRows())
			col.Release()
		case in.key != nil:
			key = in.key.Flush()
		}
		value := b
		b = s.layout.assemble(s.spec.Schema, value, key, in.meta)
		value.Release()
		if key != nil {
			key.Release()
		}
	}
	defer b.Release()
	m := exec.BatchMessage(b, nil)
	m.Split = i
	m.Position = s.pos.advance(i, in.next)
	return out.Emit(m)
}

// appendBytes appends a raw value (NULL for a nil one).
func appendBytes(b *array.BinaryBuilder, v []byte) {
	if v == nil {
		b.AppendNull()
	} else {
		b.Append(v)
	}
}
