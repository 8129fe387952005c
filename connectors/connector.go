// Package connectors holds eddy's sources and sinks (filesystem, datagen, print) and the
// registry that maps a table's `'connector' = '...'` option to them.
//
// A connector is declared by a Factory that lists its options, so that an unknown option in
// WITH (...) is an error naming the known ones. Sources push Arrow batches into an
// exec.Emitter; sinks take batches. Decoding and encoding of records live in
// connectors/format. This package must not import parser or planner.
package connectors

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddysql/eddy/exec"
)

// BadRecord is an input record that could not be decoded.
type BadRecord struct {
	Table    string
	Position string // "file:line", "topic/partition/offset", ...
	// Split names the source partition ("topic/partition") of a partitioned source, so
	// that bad records are counted per partition; "" otherwise.
	Split  string
	Reason string
	Raw    []byte
}

// BadRecordHandler receives every bad record of a source. It returns a non-nil error when
// the job must stop (`'format.on-error' = 'fail'`); the source then returns that error.
type BadRecordHandler interface {
	BadRecord(r BadRecord) error
}

// TableSpec is what a factory gets to build a source or a sink for one table.
type TableSpec struct {
	Name string
	// Schema holds the physical columns the source must produce, in this order (the
	// planner prunes it to the columns a query reads), or the columns a sink receives.
	Schema *arrow.Schema
	// Columns names all the table's physical columns in declaration order, for formats
	// whose fields are positional (CSV). Nil means Schema holds them all.
	Columns []string
	// Options are the table's WITH options; keys are lower case.
	Options map[string]string
	// BatchSize is the most rows a source puts in one batch (at least 1).
	BatchSize int
	// Metadata maps Schema columns that are METADATA columns to their keys (e.g. 2 ->
	// "partition"); the source fills them, formats decode the others. Nil when none.
	Metadata map[int]string
	// PrimaryKey lists the Schema columns of the table's PRIMARY KEY (sinks: an upsert
	// sink keyed by them); nil when the table declares none.
	PrimaryKey []int
	// BadRecords receives records that do not decode. Never nil.
	BadRecords BadRecordHandler
	// Job is shared by the sources and sinks of one job; nil outside a job.
	Job *JobShared
	Mem memory.Allocator
}

// Source reads a table.
//
// Run pushes batches (KindBatch; RowWatermarks nil) to out in input order until the input
// ends or ctx is cancelled. A bounded source finishes by emitting KindEnd and returning nil;
// an unbounded one returns ctx.Err() when cancelled. Watermarks are not a source's job: the
// exec.WatermarkAssigner after it derives them from the table's WATERMARK clause.
// Batches passed to out are released by the source after Emit returns.
type Source interface {
	Schema() *arrow.Schema
	Run(ctx context.Context, out exec.Emitter) error
}

// Resumable is a Source that can resume where a checkpoint left it.
//
// Every message it emits after its position changed carries the new position in
// exec.Message.Position: an immutable value (never modified once emitted) naming where the
// source stands after that message. The job keeps the position of the last message it
// processed; at a checkpoint it encodes it with EncodePosition, from any goroutine.
// ResumeAt, called before Run with bytes EncodePosition returned, makes Run emit exactly
// the records after that position, in the same order per split, ignoring the startup
// options; it checks that the bytes are its own.
type Resumable interface {
	Source
	EncodePosition(pos any) ([]byte, error)
	ResumeAt(pos []byte) error
}

// CheckpointSink is a Sink that takes part in checkpoints, for exactly-once output. A
// checkpoint n runs on the job's goroutine, between two writes:
//
//  1. PrepareCheckpoint(n): make everything written so far durable but not yet visible
//     (Kafka: flush the open transaction; files: close the in-progress file) and return
//     the state needed to finish it after a crash;
//  2. the job writes the checkpoint (operator state, source positions, that sink state);
//  3. CommitCheckpoint(n): make the output of checkpoint n visible (Kafka: commit the
//     transaction; files: rename the in-progress files) and start the next one.
//
// After a restart, before the first write, the job asks CommittedCheckpoint for the last
// checkpoint whose output is visible (0: none or cannot tell): a crash between steps 2
// and 3 can leave a checkpoint committed by the sink but not marked complete, and the job
// then restores that one. Recover(n, state) gets the state the sink returned for the
// checkpoint restored: the sink finishes what it prepared (files) and drops output
// written after it.
type CheckpointSink interface {
	Sink
	PrepareCheckpoint(n int64) ([]byte, error)
	CommitCheckpoint(n int64) error
	CommittedCheckpoint() (int64, error)
	Recover(n int64, state []byte) error
}

// LagReporter is a Source that can tell how far it is behind its input: records written
// to the input that it has not read yet. Lag is safe to call from any goroutine; ok is
// false while it does not know yet.
type LagReporter interface {
	Lag() (records int64, ok bool)
}

// Sink writes a result. Write does not take ownership of b. Close flushes and closes;
// after Close the sink's output is complete and durable as far as its medium allows.
type Sink interface {
	Write(b arrow.RecordBatch) error
	Close() error
}

// RowKind is the change one row of an updating result makes (exec.RowKind).
type RowKind = exec.RowKind

// The row kinds, re-exported for sinks.
const (
	Insert       = exec.Insert
	UpdateBefore = exec.UpdateBefore
	UpdateAfter  = exec.UpdateAfter
	Delete       = exec.Delete
)

// ChangelogSink is implemented by sinks that can write the row kinds of an updating
// result; kinds[i] is the kind of row i of b. Write is the same as all rows being Insert.
type ChangelogSink interface {
	Sink
	WriteChangelog(b arrow.RecordBatch, kinds []RowKind) error
}

// OptionSpec documents one option a connector accepts.
type OptionSpec struct {
	Key      string
	Required bool
	Default  string
	Doc      string
}

// Factory declares a connector.
type Factory struct {
	Name    string
	Aliases []string
	Options []OptionSpec
	// OptionPrefixes are accepted as prefixes of further keys (e.g. "fields." for datagen).
	OptionPrefixes []string
	// Metadata documents the METADATA keys a source fills (key -> its SQL type and meaning).
	Metadata map[string]string
	// NewSource is nil for sink-only connectors; NewSink is nil for source-only ones.
	NewSource func(spec TableSpec) (Source, error)
	NewSink   func(spec TableSpec) (Sink, error)
}

// CommonOptions are accepted on every table; they are handled by the engine, not the connector.
var CommonOptions = []OptionSpec{
	{Key: "connector", Required: true, Doc: "which connector reads or writes the table"},
	{Key: "errors.sink", Doc: "table that receives records which do not decode, with the reason"},
	{Key: "late.sink", Doc: "table that receives records dropped as late, with the reason"},
	{Key: "format.on-error", Default: "skip", Doc: "skip (count and report) or fail (stop the job)"},
	{Key: "source.idle-timeout", Default: "30 s", Doc: "a partition idle this long is left out of the watermark"},
	{Key: "lookup.reload-interval", Doc: "as a lookup join's reference table (FOR SYSTEM_TIME AS OF): how often to check it for changes and re-read it, e.g. '10 s'; unset: read once"},
	{Key: "lookup.cache.ttl", Doc: "Flink's name for lookup.reload-interval"},
}

var registry = map[string]*Factory{}

// Register adds a factory under its name and aliases. It panics on a duplicate name,
// which is a programming error found at init.
func Register(f *Factory) {
	for _, n := range append([]string{f.Name}, f.Aliases...) {
		if _, dup := registry[n]; dup {
			panic("connectors: duplicate connector " + n)
		}
		registry[n] = f
	}
}

// Lookup finds a connector by name (case-insensitive).
func Lookup(name string) (*Factory, error) {
	f, ok := registry[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("unknown connector %q; known connectors: %s", name, strings.Join(Names(), ", "))
	}
	return f, nil
}

// Names lists the registered connector names, sorted.
func Names() []string {
	var out []string
	for n, f := range registry {
		if n == f.Name {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// CheckOptions returns an error naming the first unknown or missing option, and listing the
// known ones.
func (f *Factory) CheckOptions(opts map[string]string) error {
	known := map[string]bool{}
	var names []string
	for _, o := range append(append([]OptionSpec{}, CommonOptions...), f.Options...) {
		known[o.Key] = true
		names = append(names, o.Key)
	}
	for _, p := range f.OptionPrefixes {
		names = append(names, p+"*")
	}
	sort.Strings(names)
	var keys []string
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if known[k] {
			continue
		}
		prefixed := false
		for _, p := range f.OptionPrefixes {
			if strings.HasPrefix(k, p) {
				prefixed = true
			}
		}
		if !prefixed {
			return fmt.Errorf("unknown option '%s' for connector '%s'; known options: %s", k, f.Name, strings.Join(names, ", "))
		}
	}
	for _, o := range f.Options {
		if _, ok := opts[o.Key]; o.Required && !ok {
			return fmt.Errorf("connector '%s' needs option '%s' (%s)", f.Name, o.Key, o.Doc)
		}
	}
	return nil
}

// JobShared lets the connectors of one job find each other: a Kafka sink commits the
// offsets of the job's Kafka sources inside its transaction. Values are kept by key, in the
// order added. Safe for concurrent use.
type JobShared struct {
	mu sync.Mutex
	m  map[string][]any
}

// NewJobShared makes an empty registry for one job.
func NewJobShared() *JobShared { return &JobShared{m: map[string][]any{}} }

// Add records v under key.
func (j *JobShared) Add(key string, v any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.m[key] = append(j.m[key], v)
}

// All lists what was added under key.
func (j *JobShared) All(key string) []any {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]any(nil), j.m[key]...)
}
