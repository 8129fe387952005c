package connectors

import (
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/connectors/format"
)

// Stdout and Stderr are where the print sink writes; tests replace them.
var (
	Stdout io.Writer = os.Stdout
	Stderr io.Writer = os.Stderr
)

func init() {
	Register(&Factory{
		Name: "print",
		Options: []OptionSpec{
			{Key: "print-identifier", Doc: "text printed before each row, as 'id> '"},
			{Key: "standard-error", Default: "false", Doc: "print to standard error instead of standard output"},
			{Key: "sink.parallelism", Doc: "accepted for Flink compatibility; ignored"},
		},
		NewSink: newPrintSink,
	})
	Register(&Factory{
		Name:    "blackhole",
		Options: []OptionSpec{{Key: "sink.parallelism", Doc: "accepted for Flink compatibility; ignored"}},
		NewSink: func(TableSpec) (Sink, error) { return BlackholeSink{}, nil },
	})
}

// PrintSink writes rows as Flink's print connector does: `+I[1, foo, 2026-11-01 00:00:10.000]`,
// after `id> ` when 'print-identifier' is set, one row per line, values as
// format.TextValue renders them (NULL as "NULL"). Each batch is written with one Write.
type PrintSink struct {
	w      io.Writer
	prefix string
	buf    []byte
}

var _ ChangelogSink = (*PrintSink)(nil)

func newPrintSink(spec TableSpec) (Sink, error) {
	toErr, err := boolOption(spec.Options, "standard-error", false)
	if err != nil {
		return nil, err
	}
	s := &PrintSink{w: Stdout}
	if toErr {
		s.w = Stderr
	}
	if id, ok := spec.Options["print-identifier"]; ok {
		s.prefix = id + "> "
	}
	return s, nil
}

// Write prints the rows of b as inserts.
func (s *PrintSink) Write(b arrow.RecordBatch) error { return s.WriteChangelog(b, nil) }

// WriteChangelog prints the rows of b with their kinds.
func (s *PrintSink) WriteChangelog(b arrow.RecordBatch, kinds []RowKind) error {
	s.buf = s.buf[:0]
	for r := 0; r < int(b.NumRows()); r++ {
		kind := Insert
		if kinds != nil {
			kind = kinds[r]
		}
		s.buf = append(s.buf, s.prefix...)
		s.buf = append(s.buf, kind.String()...)
		s.buf = append(s.buf, '[')
		for c := 0; c < int(b.NumCols()); c++ {
			if c > 0 {
				s.buf = append(s.buf, ", "...)
			}
			s.buf = format.AppendText(s.buf, b.Column(c), r)
		}
		s.buf = append(s.buf, "]\n"...)
	}
	_, err := s.w.Write(s.buf)
	return err
}

// Close does nothing: every Write has been written.
func (s *PrintSink) Close() error { return nil }

// BlackholeSink discards every row (for benchmarks).
type BlackholeSink struct{}

var _ ChangelogSink = BlackholeSink{}

// Write discards b.
func (BlackholeSink) Write(arrow.RecordBatch) error { return nil }

// WriteChangelog discards b.
func (BlackholeSink) WriteChangelog(arrow.RecordBatch, []RowKind) error { return nil }

// Close does nothing.
func (BlackholeSink) Close() error { return nil }
