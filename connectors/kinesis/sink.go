package kinesis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/exec"
)

// Kinesis limits on PutRecords.
const (
	maxRecordsPerPut = 500
	maxBytesPerPut   = 5 << 20 // data and partition keys of one request
	maxRecordBytes   = 1 << 20 // data and partition key of one record
	maxKeyChars      = 256     // Unicode characters of a partition key
)

// tableSink writes a table's rows as Kinesis records, one per row: the data in the table's
// format, the partition key from 'sink.partition-key' or the PRIMARY KEY (the values joined
// by 'sink.partitioner-field-delimiter'), else random. Records are buffered and put with
// PutRecords in requests of up to 'sink.batch.max-size' records and
// 'sink.flush-buffer.size' bytes; a buffer older than 'sink.flush-buffer.timeout' is put
// too. Records the service rejects (throttling, internal failures) are retried alone, with
// backoff and jitter, for up to 'sink.retry.timeout'. The guarantee is at-least-once: a
// checkpoint (PrepareCheckpoint) and Close return once every record written before is
// stored; a record retried after a lost answer may be stored twice, and a retried record
// may land after later records of its key.
type tableSink struct {
	name    string
	cfg     *Config
	api     *api
	enc     connectors.RowEncoder
	raw     bool
	keyCols []int

	mu      sync.Mutex
	buf     []types.PutRecordsRequestEntry
	bytes   int
	firstAt time.Time // when the oldest buffered record was written
	err     error     // a background flush failed: every later call returns it
	closed  bool
	stop    chan struct{}
	stopped chan struct{}

	// stats, for tests and reports.
	written atomic.Int64 // records stored
	puts    atomic.Int64 // PutRecords requests
	retried atomic.Int64 // records put again after a rejection or a failed request
}

var (
	_ connectors.ChangelogSink  = (*tableSink)(nil)
	_ connectors.CheckpointSink = (*tableSink)(nil)
)

func newTableSink(spec connectors.TableSpec) (*tableSink, error) {
	cfg, err := ParseConfig(spec.Options)
	if err != nil {
		return nil, fmt.Errorf("table '%s': %v", spec.Name, err)
	}
	s := &tableSink{name: spec.Name, cfg: cfg, keyCols: spec.PrimaryKey}
	if isRaw(spec) {
		if spec.Schema.NumFields() != 1 || !isText(spec.Schema.Field(0).Type) {
			return nil, fmt.Errorf("table '%s': 'format' = 'raw' writes one STRING or BYTES column as the record data", spec.Name)
		}
		s.raw = true
	} else if s.enc, err = connectors.NewRowEncoder(spec); err != nil {
		return nil, err
	}
	if len(cfg.PartitionKey) > 0 {
		s.keyCols = nil
		for _, name := range cfg.PartitionKey {
			idx := spec.Schema.FieldIndices(name)
			if len(idx) == 0 {
				for i, f := range spec.Schema.Fields() {
					if strings.EqualFold(f.Name, name) {
						idx = []int{i}
					}
				}
			}
			if len(idx) == 0 {
				return nil, fmt.Errorf("table '%s': 'sink.partition-key' names '%s', which is not a column of the table", spec.Name, name)
			}
			s.keyCols = append(s.keyCols, idx[0])
		}
	}
	s.cfg.BatchMaxSize = min(s.cfg.BatchMaxSize, maxRecordsPerPut)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.StartupTimeout)
	defer cancel()
	if s.api, err = newAPI(ctx, cfg); err != nil {
		return nil, fmt.Errorf("table '%s': %v", spec.Name, err)
	}
	if _, err := s.api.describe(ctx, spec.Name, "write"); err != nil {
		return nil, err
	}
	s.stop, s.stopped = make(chan struct{}), make(chan struct{})
	go s.flusher()
	return s, nil
}

// flusher puts a buffer older than 'sink.flush-buffer.timeout', so that a quiet job's last
// results do not wait for the next ones.
func (s *tableSink) flusher() {
	defer close(s.stopped)
	tick := min(max(s.cfg.FlushBufferTimeout/4, 10*time.Millisecond), time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.mu.Lock()
			if s.err == nil && len(s.buf) > 0 && time.Since(s.firstAt) >= s.cfg.FlushBufferTimeout {
				s.err = s.flushLocked()
			}
			s.mu.Unlock()
		}
	}
}

// Write implements connectors.Sink.
func (s *tableSink) Write(b arrow.RecordBatch) error { return s.WriteChangelog(b, nil) }

// WriteChangelog implements connectors.ChangelogSink: each row is a record; an updating
// result's rows carry their kind (a JSON "op" key, a first CSV field), and are keyed by the
// PRIMARY KEY so that the changes of one key stay in order in one shard.
func (s *tableSink) WriteChangelog(b arrow.RecordBatch, kinds []connectors.RowKind) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.closed {
		return fmt.Errorf("table '%s': write after close", s.name)
	}
	for r := 0; r < int(b.NumRows()); r++ {
		var data []byte
		if s.raw {
			data = []byte(b.Column(0).ValueStr(r))
		} else {
			kind := exec.Insert
			if kinds != nil {
				kind = kinds[r]
			}
			data = s.enc(nil, b, r, kind, kinds != nil)
		}
		key := s.partitionKey(b, r)
		size := len(data) + len(key)
		if size > maxRecordBytes {
			return fmt.Errorf("table '%s': a row encodes to a record of %d bytes; Kinesis takes at most 1 MiB (data and partition key)", s.name, size)
		}
		if len(s.buf) > 0 && (len(s.buf) >= s.cfg.BatchMaxSize || s.bytes+size > s.cfg.FlushBufferSize) {
			if s.err = s.flushLocked(); s.err != nil {
				return s.err
			}
		}
		if len(s.buf) == 0 {
			s.firstAt = time.Now()
		}
		s.buf = append(s.buf, types.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String(key)})
		s.bytes += size
	}
	if len(s.buf) >= s.cfg.BatchMaxSize || (len(s.buf) > 0 && s.cfg.FlushBufferTimeout == 0) {
		s.err = s.flushLocked()
	}
	return s.err
}

// partitionKey is the key columns' values joined by the delimiter, or a random key.
func (s *tableSink) partitionKey(b arrow.RecordBatch, r int) string {
	if len(s.keyCols) == 0 {
		return strconv.FormatUint(rand.Uint64(), 16)
	}
	var sb strings.Builder
	for i, c := range s.keyCols {
		if i > 0 {
			sb.WriteString(s.cfg.PartitionDelimiter)
		}
		col := b.Column(c)
		if col.IsNull(r) {
			sb.WriteString("null")
		} else {
			sb.WriteString(col.ValueStr(r))
		}
	}
	k := sb.String()
	if k == "" {
		return "\"\"" // Kinesis needs at least one character
	}
	if utf8.RuneCountInString(k) > maxKeyChars {
		k = string([]rune(k)[:maxKeyChars]) // same key, same prefix: still one shard per key
	}
	return k
}

// flushLocked puts every buffered record, retrying rejected records alone with backoff until
// 'sink.retry.timeout'. The buffer is empty afterwards, also on error.
func (s *tableSink) flushLocked() error {
	entries := s.buf
	s.buf, s.bytes = nil, 0
	if len(entries) == 0 {
		return nil
	}
	deadline := time.Now().Add(s.cfg.PutRecordsTimeout)
	var lastErr string
	for attempt := 0; len(entries) > 0; attempt++ {
		if attempt > 0 {
			if time.Now().After(deadline) {
				return fmt.Errorf("table '%s': %d records could not be put into Kinesis stream '%s' within 'sink.retry.timeout' (%v): %s",
					s.name, len(entries), s.cfg.Stream, s.cfg.PutRecordsTimeout, lastErr)
			}
			s.retried.Add(int64(len(entries)))
			time.Sleep(min(s.cfg.PutRecordsRetry.Delay(attempt-1, rand.Float64()), time.Until(deadline)+time.Millisecond))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := s.api.cl.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(s.cfg.Stream), Records: entries})
		cancel()
		s.puts.Add(1)
		if err != nil {
			if classify(err) != transient || s.cfg.FailOnError {
				return s.putError(err)
			}
			lastErr = err.Error()
			continue
		}
		if aws.ToInt32(out.FailedRecordCount) == 0 {
			s.written.Add(int64(len(entries)))
			return nil
		}
		var failed []types.PutRecordsRequestEntry
		for i, rr := range out.Records {
			if rr.ErrorCode != nil && i < len(entries) {
				failed = append(failed, entries[i])
				lastErr = aws.ToString(rr.ErrorCode) + ": " + aws.ToString(rr.ErrorMessage)
			}
		}
		if len(out.Records) != len(entries) {
			return fmt.Errorf("table '%s': PutRecords answered %d results for %d records", s.name, len(out.Records), len(entries))
		}
		s.written.Add(int64(len(entries) - len(failed)))
		if s.cfg.FailOnError {
			return fmt.Errorf("table '%s': Kinesis rejected %d records of stream '%s' (%s) and 'sink.fail-on-error' = 'true'", s.name, len(failed), s.cfg.Stream, lastErr)
		}
		entries = failed
	}
	return nil
}

func (s *tableSink) putError(err error) error {
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		return fmt.Errorf("table '%s': Kinesis stream '%s' no longer exists in %s", s.name, s.cfg.Stream, s.api.where())
	}
	return fmt.Errorf("table '%s': PutRecords into Kinesis stream '%s': %v", s.name, s.cfg.Stream, err)
}

// Flush puts every buffered record.
func (s *tableSink) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = s.flushLocked()
	}
	return s.err
}

// PrepareCheckpoint implements connectors.CheckpointSink: at-least-once, so it puts every
// record written so far and keeps no state.
func (s *tableSink) PrepareCheckpoint(int64) ([]byte, error) { return nil, s.Flush() }

// CommitCheckpoint implements connectors.CheckpointSink: records are visible once put.
func (s *tableSink) CommitCheckpoint(int64) error { return nil }

// CommittedCheckpoint implements connectors.CheckpointSink: Kinesis cannot tell (0).
func (s *tableSink) CommittedCheckpoint() (int64, error) { return 0, nil }

// Recover implements connectors.CheckpointSink: records put after the checkpoint stay (at
// least once).
func (s *tableSink) Recover(int64, []byte) error { return nil }

// Close puts what is buffered and stops the background flush. It is idempotent.
func (s *tableSink) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.err
	}
	s.closed = true
	if s.err == nil {
		s.err = s.flushLocked()
	}
	err := s.err
	s.mu.Unlock()
	close(s.stop)
	<-s.stopped
	return err
}
