package kafka

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Writer produces records to a Config's topic with its partitioner and delivery guarantee.
//
// At-least-once: Write hands records to the client, which batches and sends them in the
// background; Flush returns once every record written before it is acknowledged, or the first
// failure. Exactly-once: records are written between Begin and Commit or Abort, in a Kafka
// transaction whose id is 'sink.transactional-id-prefix' + "-" + cfg.WriterIndex, stable
// across restarts, so a restarted writer fences its predecessor and aborts what that one left
// open. Commit is one phase (flush, then end the transaction): the engine calls it once the
// records' checkpoint is durable.
//
// A Writer is not safe for concurrent use.
type Writer struct {
	cfg      *Config
	cl       *kgo.Client
	ctx      context.Context // for blocking Produce calls; ended by Close
	cancel   context.CancelFunc
	topics   map[string]bool // set when there are several topics: records must name one
	exactly  bool
	inTxn    bool
	mu       sync.Mutex
	firstErr error
	promise  func(*kgo.Record, error)
}

// TransactionalID is the transactional id a Writer with cfg uses under exactly-once.
func (c *Config) TransactionalID() string {
	return c.TransactionalIDPrefix + "-" + strconv.Itoa(c.WriterIndex)
}

// NewWriter connects (as Check does, so a missing topic is an error now rather than at the
// first Write) and returns a Writer. With several topics in 'topic', each record must name
// one of them; with one, records without a Topic go to it. 'topic-pattern' cannot be written.
func NewWriter(ctx context.Context, cfg *Config) (*Writer, error) {
	if cfg.TopicPattern != nil {
		return nil, errors.New("kafka: a sink cannot use 'topic-pattern'; set 'topic' to the topic to write")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var part kgo.Partitioner
	switch cfg.Partitioner {
	case PartitionFixed:
		part = fixedPartitioner{cfg.WriterIndex}
	case PartitionRoundRobin:
		part = kgo.RoundRobinPartitioner()
	default:
		part = kgo.StickyKeyPartitioner(nil) // murmur2 of the key, as Kafka's Java client
	}
	extra := []kgo.Opt{kgo.RecordPartitioner(part), kgo.MaxBufferedRecords(100_000)}
	if len(cfg.Topics) == 1 {
		extra = append(extra, kgo.DefaultProduceTopic(cfg.Topics[0]))
	}
	w := &Writer{cfg: cfg, exactly: cfg.DeliveryGuarantee == ExactlyOnce}
	if w.exactly {
		extra = append(extra, kgo.TransactionalID(cfg.TransactionalID()))
	}
	cl, _, err := connect(ctx, cfg, extra...)
	if err != nil {
		if cl != nil {
			cl.Close()
		}
		return nil, err
	}
	w.cl = cl
	w.ctx, w.cancel = context.WithCancel(context.Background())
	if len(cfg.Topics) > 1 {
		w.topics = map[string]bool{}
		for _, t := range cfg.Topics {
			w.topics[t] = true
		}
	}
	w.promise = func(r *kgo.Record, err error) {
		if err != nil {
			w.fail(fmt.Errorf("kafka: writing to topic '%s' partition %d failed: %w", r.Topic, r.Partition, err))
		}
	}
	return w, nil
}

func (w *Writer) fail(err error) {
	w.mu.Lock()
	if w.firstErr == nil {
		w.firstErr = err
	}
	w.mu.Unlock()
}

func (w *Writer) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.firstErr
}

func (w *Writer) resetErr() {
	w.mu.Lock()
	w.firstErr = nil
	w.mu.Unlock()
}

// Write hands records to the client; it blocks only while the client's buffer is full.
// Records keep their Key, Value, Headers and Timestamp (zero: now); Topic may be empty with a
// single topic; Partition is chosen by the partitioner. The records belong to the client until
// acknowledged: do not modify them before Flush or Commit returns. Write returns the first
// failure of an earlier record, or an error when under exactly-once no transaction is open.
func (w *Writer) Write(records []*kgo.Record) error {
	if err := w.err(); err != nil {
		return err
	}
	if w.exactly && !w.inTxn {
		return errors.New("kafka: exactly-once writer: call Begin before Write")
	}
	for _, r := range records {
		if w.topics != nil && !w.topics[r.Topic] {
			return fmt.Errorf("kafka: record for topic '%s', but 'topic' lists %v; set each record's topic to one of them", r.Topic, w.cfg.Topics)
		}
		w.cl.Produce(w.ctx, r, w.promise)
	}
	return nil
}

// Flush waits until every record written so far is acknowledged and returns the first
// failure, if any (failures stay: a Writer that failed keeps failing).
func (w *Writer) Flush(ctx context.Context) error {
	if err := w.cl.Flush(ctx); err != nil {
		return fmt.Errorf("kafka: flush: %w", err)
	}
	return w.err()
}

// Begin opens a transaction (exactly-once only).
func (w *Writer) Begin() error {
	if !w.exactly {
		return errors.New("kafka: Begin needs 'sink.delivery-guarantee' = 'exactly-once'")
	}
	if err := w.cl.BeginTransaction(); err != nil {
		return fmt.Errorf("kafka: begin transaction %s: %w", w.cfg.TransactionalID(), err)
	}
	w.inTxn = true
	return nil
}

// Commit flushes the open transaction's records and commits it, making them visible to
// read_committed readers. When a record failed, Commit aborts instead and returns the
// failure; the Writer can then Begin again.
func (w *Writer) Commit(ctx context.Context) error {
	if !w.inTxn {
		return errors.New("kafka: Commit without Begin")
	}
	if err := w.cl.Flush(ctx); err != nil {
		return errors.Join(fmt.Errorf("kafka: flush before commit: %w", err), w.Abort(ctx))
	}
	if err := w.err(); err != nil {
		return errors.Join(err, w.Abort(ctx))
	}
	w.inTxn = false
	if err := w.cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		return fmt.Errorf("kafka: commit transaction %s: %w", w.cfg.TransactionalID(), err)
	}
	return nil
}

// Abort drops the open transaction's unsent records and aborts it: read_committed readers
// never see its records.
func (w *Writer) Abort(ctx context.Context) error {
	if !w.inTxn {
		return errors.New("kafka: Abort without Begin")
	}
	w.inTxn = false
	defer w.resetErr()
	if err := w.cl.AbortBufferedRecords(ctx); err != nil {
		return fmt.Errorf("kafka: abort transaction %s: %w", w.cfg.TransactionalID(), err)
	}
	if err := w.cl.EndTransaction(ctx, kgo.TryAbort); err != nil {
		return fmt.Errorf("kafka: abort transaction %s: %w", w.cfg.TransactionalID(), err)
	}
	return nil
}

// Close closes the connections without flushing: call Flush or Commit first. Under
// exactly-once an open transaction is left for the broker to abort at its timeout, or for the
// next Writer with the same transactional id to abort at once.
func (w *Writer) Close() {
	w.cancel()
	w.cl.Close()
}

// fixedPartitioner sends every record to partition index % n (Flink's FlinkFixedPartitioner).
type fixedPartitioner struct{ index int }

// ForTopic implements kgo.Partitioner: every topic partitions alike.
func (p fixedPartitioner) ForTopic(string) kgo.TopicPartitioner { return p }

// RequiresConsistency implements kgo.TopicPartitioner: a record waits for its partition.
func (fixedPartitioner) RequiresConsistency(*kgo.Record) bool { return true }

// Partition implements kgo.TopicPartitioner.
func (p fixedPartitioner) Partition(_ *kgo.Record, n int) int { return p.index % n }
