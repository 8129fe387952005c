package connectors

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// FilesystemSink writes one record per line to a file, buffered; Close flushes it.
type FilesystemSink struct {
	path   string
	f      *os.File
	w      *bufio.Writer
	enc    rowEncoder
	buf    []byte
	closed bool
	// dir is set when 'path' names a folder: the sink writes part files in it.
	dir, ext string
	ckpt     *fileCheckpoints // nil unless the job checkpoints
	// truncate: the file was opened without truncating it (a restore may keep part of
	// it); it is emptied before the first write unless Recover said otherwise.
	truncate bool
}

var _ ChangelogSink = (*FilesystemSink)(nil)

func newFilesystemSink(spec TableSpec) (Sink, error) {
	path, err := requireOption(spec, "sink", "path")
	if err != nil {
		return nil, err
	}
	enc, err := newRowEncoder(spec)
	if err != nil {
		return nil, err
	}
	file, dir, ext := path, "", strings.ToLower(strings.TrimSpace(spec.Options["format"]))
	if st, err := os.Stat(path); err == nil && st.IsDir() || strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(filepath.Separator)) {
		dir = path
		file = filepath.Join(path, "part-0."+ext)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return nil, fmt.Errorf("filesystem sink '%s': %v", spec.Name, err)
	}
	if len(spec.PrimaryKey) > 0 {
		return newUpsertFileSink(file, spec, enc), nil
	}
	f, err := os.OpenFile(file, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("filesystem sink '%s': %v", spec.Name, err)
	}
	return &FilesystemSink{path: file, f: f, w: bufio.NewWriterSize(f, 1<<20), enc: enc, dir: dir, ext: ext, truncate: true}, nil
}

// Path is the file the sink writes.
func (s *FilesystemSink) Path() string { return s.path }

// Write appends the rows of b.
func (s *FilesystemSink) Write(b arrow.RecordBatch) error { return s.write(b, nil) }

// WriteChangelog appends the rows of b with their row kinds (JSON: a first key "op";
// CSV: a first field).
func (s *FilesystemSink) WriteChangelog(b arrow.RecordBatch, kinds []RowKind) error {
	return s.write(b, kinds)
}

func (s *FilesystemSink) write(b arrow.RecordBatch, kinds []RowKind) error {
	if s.closed {
		return fmt.Errorf("filesystem sink %s: write after close", s.path)
	}
	if err := s.ready(); err != nil {
		return err
	}
	for r := 0; r < int(b.NumRows()); r++ {
		kind := Insert
		if kinds != nil {
			kind = kinds[r]
		}
		s.buf = append(s.enc(s.buf, b, r, kind, kinds != nil), '\n')
		if len(s.buf) >= 64<<10 {
			if _, err := s.w.Write(s.buf); err != nil {
				return err
			}
			s.buf = s.buf[:0]
		}
	}
	_, err := s.w.Write(s.buf)
	s.buf = s.buf[:0]
	return err
}

// ready makes the file writable: emptied on first use, or opened (a part file).
func (s *FilesystemSink) ready() error {
	if s.truncate {
		s.truncate = false
		if err := s.f.Truncate(0); err != nil {
			return fmt.Errorf("filesystem sink %s: %v", s.path, err)
		}
	}
	if s.f == nil && s.ckpt != nil && !s.closed {
		return s.ensureOpen()
	}
	return nil
}

// Close flushes and closes the file; it is idempotent.
func (s *FilesystemSink) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.ready(); err != nil || s.f == nil {
		return err
	}
	err := s.w.Flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}
