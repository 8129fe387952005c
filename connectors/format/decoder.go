package format

import "github.com/apache/arrow-go/v18/arrow"

// Decoder turns records into the rows of an Arrow batch.
//
// Append decodes one record. When it fails, the batch being built is exactly as it was
// before the call (no column keeps a value of the failed record) and the error says why,
// e.g. `field "price": expected DOUBLE, got "abc"` or `invalid JSON at byte 17: ...`.
// Flush returns the rows appended since the last Flush as a batch of the decoder's schema,
// which the caller releases; it returns nil when there are no rows. Between Flushes a
// decoder holds only Go memory, so Release merely drops buffered rows. A decoder is not
// safe for concurrent use.
type Decoder interface {
	Append(record []byte) error
	Len() int
	Flush() arrow.RecordBatch
	Schema() *arrow.Schema
	Release()
	// DropLast removes the last row appended (a record whose other part, e.g. its Kafka key,
	// turned out bad). It does nothing when no row is buffered.
	DropLast()
}

// Schema is the schema of the batches Flush returns.
func (cs *columnSet) Schema() *arrow.Schema { return cs.schema }
