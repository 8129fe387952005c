package connectors

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/exec"
)

// upsertFileSink is the filesystem sink of a table with a PRIMARY KEY: the file holds the
// table an updating result describes, one line per key, in order of first insertion. An
// insert or update replaces the key's line, a delete removes it. The file is rewritten
// whole (to a temporary file renamed over it, so readers never see half a file) at most
// once per rewriteEvery while rows arrive, and at Close.
type upsertFileSink struct {
	path    string
	enc     rowEncoder
	keys    *exec.RowCodec
	keyCols []int
	lines   map[string]string // key -> encoded line
	order   []string          // keys in order of first insertion (deleted ones skipped)
	ordered map[string]bool   // keys in order
	dirty   bool
	written time.Time
	closed  bool
	buf     []byte
	keyBuf  []byte
	// checkpointed: the file changes only when a checkpoint commits.
	checkpointed bool
}

const rewriteEvery = time.Second

func newUpsertFileSink(file string, spec TableSpec, enc rowEncoder) *upsertFileSink {
	types := make([]arrow.DataType, len(spec.PrimaryKey))
	for i, c := range spec.PrimaryKey {
		types[i] = spec.Schema.Field(c).Type
	}
	return &upsertFileSink{path: file, enc: enc, keys: exec.NewRowCodec(types), keyCols: spec.PrimaryKey, lines: map[string]string{}, ordered: map[string]bool{}, dirty: true}
}

// Path is the file the sink writes.
func (s *upsertFileSink) Path() string { return s.path }

// Write upserts the rows of b.
func (s *upsertFileSink) Write(b arrow.RecordBatch) error { return s.WriteChangelog(b, nil) }

// WriteChangelog applies the rows of b by their kinds.
func (s *upsertFileSink) WriteChangelog(b arrow.RecordBatch, kinds []RowKind) error {
	if s.closed {
		return fmt.Errorf("filesystem sink %s: write after close", s.path)
	}
	for r := 0; r < int(b.NumRows()); r++ {
		s.keyBuf = s.keys.AppendBatch(s.keyBuf[:0], b, s.keyCols, r)
		s.buf = s.enc(s.buf[:0], b, r, Insert, false)
		key, line := string(s.keyBuf), string(s.buf)
		kind := Insert
		if kinds != nil {
			kind = kinds[r]
		}
		old, had := s.lines[key]
		switch {
		case kind == Delete, kind == UpdateBefore && had && old == line:
			if had {
				delete(s.lines, key)
			}
		case kind == Insert || kind == UpdateAfter:
			if !s.ordered[key] {
				s.ordered[key] = true
				s.order = append(s.order, key)
			}
			s.lines[key] = line
		default:
			continue
		}
		s.dirty = true
	}
	if !s.checkpointed && time.Since(s.written) >= rewriteEvery {
		return s.rewrite()
	}
	return nil
}

// rewrite writes the current table to the file.
func (s *upsertFileSink) rewrite() error {
	if !s.dirty {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".eddy-upsert-*")
	if err != nil {
		return fmt.Errorf("filesystem sink %s: %v", s.path, err)
	}
	tmp.Close()
	if err := s.writeTable(tmp.Name()); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("filesystem sink %s: %v", s.path, err)
	}
	s.dirty, s.written = false, time.Now()
	return nil
}

// writeTable writes the current table, one line per key, to file, fsynced.
func (s *upsertFileSink) writeTable(file string) error {
	tmp, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("filesystem sink %s: %v", s.path, err)
	}
	w := bufio.NewWriterSize(tmp, 1<<20)
	live := s.order[:0]
	for _, k := range s.order {
		line, ok := s.lines[k]
		if !ok {
			delete(s.ordered, k)
			continue
		}
		live = append(live, k)
		w.WriteString(line)
		w.WriteByte('\n')
	}
	s.order = live
	err = w.Flush()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("filesystem sink %s: %v", s.path, err)
	}
	return nil
}

// Close writes the final table; it is idempotent.
func (s *upsertFileSink) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.checkpointed {
		return nil // the job's last checkpoint wrote the table
	}
	return s.rewrite()
}
