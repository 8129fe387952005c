package kafka

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/exec"
)

// tableSink writes a table's rows as Kafka records: the value in the table's format, the key
// from 'key.fields' or the PRIMARY KEY. Exactly-once ('sink.delivery-guarantee') writes
// inside a transaction committed every 'sink.commit-interval' and at Close, so a
// read_committed consumer sees only whole committed results; at-least-once flushes at Close.
// An upsert sink ('upsert-kafka') writes a delete as a tombstone (the key, no value) and
// skips the -U half of an update.
type tableSink struct {
	name    string
	w       *Writer
	topic   string
	value   connectors.RowEncoder
	raw     bool
	keyCols []int
	key     *format.JSONEncoder
	keyRaw  bool
	schema  *arrow.Schema
	upsert  bool
	exactly bool
	job     *connectors.JobShared // the job's Kafka sources tell where their reads ended
	brokers string
	// valueCols, when not nil, are the columns of the value ('value.fields-include' =
	// 'EXCEPT_KEY'); valueSchema is their schema.
	valueCols   []int
	valueSchema *arrow.Schema
	interval    time.Duration
	lastTxn     time.Time
	// checkpointed: the job checkpoints, and transactions commit only at checkpoints.
	checkpointed bool
	mu           sync.Mutex
	recs         []*kgo.Record
}

func newTableSink(spec connectors.TableSpec, upsert bool) (*tableSink, error) {
	spec = valueSpec(spec)
	cfg, err := ParseConfig(spec.Options)
	if err != nil {
		return nil, fmt.Errorf("table '%s': %v", spec.Name, err)
	}
	if len(cfg.Topics) != 1 {
		return nil, fmt.Errorf("table '%s': a Kafka sink writes one 'topic'", spec.Name)
	}
	s := &tableSink{name: spec.Name, topic: cfg.Topics[0], schema: spec.Schema, upsert: upsert, job: spec.Job, brokers: brokerKey(cfg),
		exactly: cfg.DeliveryGuarantee == ExactlyOnce, interval: 5 * time.Second}
	if v := strings.TrimSpace(spec.Options["sink.commit-interval"]); v != "" {
		if s.interval, err = connectors.ParseDuration(v); err != nil {
			return nil, fmt.Errorf("table '%s': 'sink.commit-interval': %v", spec.Name, err)
		}
	}
	if upsert && spec.Options["format"] == "" {
		return nil, fmt.Errorf("table '%s': upsert-kafka needs 'value.format' (json or csv)", spec.Name)
	}
	if isRaw(spec) {
		if spec.Schema.NumFields() != 1 || !isText(spec.Schema.Field(0).Type) {
			return nil, fmt.Errorf("table '%s': 'format' = 'raw' writes one STRING or BYTES column as the record value", spec.Name)
		}
		s.raw = true
	} else if s.value, err = connectors.NewRowEncoder(spec); err != nil {
		return nil, err
	}
	s.keyCols = spec.PrimaryKey
	if v := strings.TrimSpace(spec.Options["key.fields"]); v != "" {
		s.keyCols = nil
		for _, name := range strings.Split(v, ";") {
			idx := spec.Schema.FieldIndices(strings.TrimSpace(name))
			if len(idx) == 0 {
				return nil, fmt.Errorf("table '%s': 'key.fields' names '%s', which is not a column", spec.Name, name)
			}
			s.keyCols = append(s.keyCols, idx[0])
		}
	}
	if strings.EqualFold(strings.TrimSpace(spec.Options["value.fields-include"]), "EXCEPT_KEY") {
		if len(s.keyCols) == 0 {
			return nil, fmt.Errorf("table '%s': 'value.fields-include' = 'EXCEPT_KEY' needs 'key.fields' or a PRIMARY KEY", spec.Name)
		}
		inKey := map[int]bool{}
		for _, c := range s.keyCols {
			inKey[c] = true
		}
		var fields []arrow.Field
		for i, f := range spec.Schema.Fields() {
			if !inKey[i] {
				s.valueCols = append(s.valueCols, i)
				fields = append(fields, f)
			}
		}
		s.valueSchema = arrow.NewSchema(fields, nil)
		vs := spec
		vs.Schema = s.valueSchema
		if !s.raw {
			if s.value, err = connectors.NewRowEncoder(vs); err != nil {
				return nil, err
			}
		}
	}
	if upsert && len(s.keyCols) == 0 {
		return nil, fmt.Errorf("table '%s': upsert-kafka needs a PRIMARY KEY (...) NOT ENFORCED to key its records", spec.Name)
	}
	if len(s.keyCols) > 0 {
		var fields []arrow.Field
		for _, c := range s.keyCols {
			fields = append(fields, spec.Schema.Field(c))
		}
		kf := strings.ToLower(strings.TrimSpace(spec.Options["key.format"]))
		s.keyRaw = kf == "raw" && len(fields) == 1
		s.key = format.NewJSONEncoder(arrow.NewSchema(fields, nil))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if s.w, err = NewWriter(ctx, cfg); err != nil {
		return nil, fmt.Errorf("table '%s': %v", spec.Name, err)
	}
	if s.exactly {
		if err := s.w.Begin(); err != nil {
			s.w.Close()
			return nil, fmt.Errorf("table '%s': %v", spec.Name, err)
		}
		s.lastTxn = time.Now()
	}
	return s, nil
}

// Write implements connectors.Sink.
func (s *tableSink) Write(b arrow.RecordBatch) error { return s.WriteChangelog(b, nil) }

// WriteChangelog implements connectors.ChangelogSink.
func (s *tableSink) WriteChangelog(b arrow.RecordBatch, kinds []connectors.RowKind) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs = s.recs[:0]
	var keyCols []arrow.Array
	if s.key != nil {
		for _, c := range s.keyCols {
			keyCols = append(keyCols, b.Column(c))
		}
	}
	var keyBatch arrow.RecordBatch
	if s.valueCols != nil {
		var cols []arrow.Array
		for _, c := range s.valueCols {
			cols = append(cols, b.Column(c))
		}
		vb := array.NewRecordBatch(s.valueSchema, cols, b.NumRows())
		defer vb.Release()
		b = vb
	}
	for r := 0; r < int(b.NumRows()); r++ {
		kind := exec.Insert
		if kinds != nil {
			kind = kinds[r]
		}
		if s.upsert && kind == exec.UpdateBefore {
			continue // the +U that follows replaces the key's value
		}
		rec := &kgo.Record{Topic: s.topic}
		if s.key != nil {
			if keyBatch == nil {
				keyBatch = keyRecord(keyCols, b.NumRows())
				defer keyBatch.Release()
			}
			if s.keyRaw {
				rec.Key = []byte(keyCols[0].ValueStr(r))
			} else {
				rec.Key = s.key.AppendRow(nil, keyBatch, r)
			}
		}
		if !(s.upsert && kind == exec.Delete) {
			if s.raw {
				rec.Value = []byte(b.Column(0).ValueStr(r))
			} else {
				rec.Value = s.value(nil, b, r, kind, kinds != nil && !s.upsert)
			}
		}
		s.recs = append(s.recs, rec)
	}
	if err := s.w.Write(s.recs); err != nil {
		return fmt.Errorf("table '%s': %v", s.name, err)
	}
	if s.exactly && !s.checkpointed && time.Since(s.lastTxn) >= s.interval {
		return s.commit()
	}
	return nil
}

// keyRecord wraps the key columns of a batch as a batch of their own, for the key encoder.
func keyRecord(cols []arrow.Array, rows int64) arrow.RecordBatch {
	var fields []arrow.Field
	for i, c := range cols {
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("k%d", i), Type: c.DataType(), Nullable: true})
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, rows)
}

// commit commits the open transaction and opens the next.
func (s *tableSink) commit() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := s.w.Commit(ctx); err != nil {
		return fmt.Errorf("table '%s': committing the Kafka transaction: %v", s.name, err)
	}
	s.lastTxn = time.Now()
	return s.w.Begin()
}

// Close commits (exactly-once) or flushes (at-least-once) what was written, then closes.
func (s *tableSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil {
		return nil
	}
	defer func() { s.w.Close(); s.w = nil }()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if s.exactly && s.checkpointed {
		// What no checkpoint committed is not part of the output: the job's last
		// checkpoint committed everything it processed, or a restart will redo it.
		if err := s.w.Abort(ctx); err != nil {
			return fmt.Errorf("table '%s': aborting the Kafka transaction: %v", s.name, err)
		}
		return nil
	}
	if s.exactly {
		// The last transaction also moves the consumer groups of the job's Kafka sources
		// that read to their bounded end: output and input position commit together.
		if err := s.w.CommitWithOffsets(ctx, finishedGroups(s.job, s.brokers)); err != nil {
			return fmt.Errorf("table '%s': committing the Kafka transaction: %v", s.name, err)
		}
		return nil
	}
	if err := s.w.Flush(ctx); err != nil {
		return fmt.Errorf("table '%s': %v", s.name, err)
	}
	return nil
}
