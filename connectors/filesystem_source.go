package connectors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/exec"
)

// readChunk is how much of a file the source reads at once; a longer line grows it.
const readChunk = 4 << 20

// FilesystemSource reads JSON-lines or CSV files, one record per line, skipping blank
// lines. It is bounded: after the last file it emits KindEnd.
type FilesystemSource struct {
	spec  TableSpec
	files []string
	dec   format.Decoder
	// at is where reading stands: after the last line appended to dec; start is where
	// Run begins (ResumeAt).
	at, start filePosition
}

// filePosition is a place in the source's files: file index, byte offset and line number
// after a line. It is the source's checkpoint position (connectors.Resumable).
type filePosition struct {
	Version int    `json:"v"`
	File    int    `json:"file"`
	Path    string `json:"path"`
	Offset  int64  `json:"offset"`
	Line    int    `json:"line"`
}

var _ Resumable = (*FilesystemSource)(nil)

func newFilesystemSource(spec TableSpec) (Source, error) {
	path, err := requireOption(spec, "source", "path")
	if err != nil {
		return nil, err
	}
	files, err := resolvePaths(path)
	if err != nil {
		return nil, fmt.Errorf("filesystem source '%s': %v", spec.Name, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("filesystem source '%s': no file matches path '%s'", spec.Name, path)
	}
	dec, err := newDecoder(spec)
	if err != nil {
		return nil, err
	}
	if spec.BatchSize < 1 {
		spec.BatchSize = 1
	}
	return &FilesystemSource{spec: spec, files: files, dec: dec}, nil
}

// Schema is the schema of the batches the source emits.
func (s *FilesystemSource) Schema() *arrow.Schema { return s.spec.Schema }

// Run reads every file in order. See Source.
func (s *FilesystemSource) Run(ctx context.Context, out exec.Emitter) error {
	defer s.dec.Release()
	buf := make([]byte, readChunk)
	for i, path := range s.files {
		if i < s.start.File {
			continue
		}
		s.at = filePosition{Version: 1, File: i, Path: path}
		if i == s.start.File {
			s.at.Offset, s.at.Line = s.start.Offset, s.start.Line
		}
		if err := s.readFile(ctx, path, &buf, out); err != nil {
			if b := s.dec.Flush(); b != nil {
				b.Release()
			}
			return err
		}
	}
	if err := s.flush(out); err != nil {
		return err
	}
	return out.Emit(exec.EndMessage())
}

func (s *FilesystemSource) flush(out exec.Emitter) error {
	b := s.dec.Flush()
	if b == nil {
		return nil
	}
	defer b.Release()
	m := exec.BatchMessage(b, nil)
	m.Position = s.at
	return out.Emit(m)
}

// EncodePosition implements Resumable.
func (s *FilesystemSource) EncodePosition(pos any) ([]byte, error) { return json.Marshal(pos) }

// ResumeAt implements Resumable: reading starts after the line the position names, in the
// same file (which must still be there, at least that long).
func (s *FilesystemSource) ResumeAt(b []byte) error {
	var p filePosition
	if err := json.Unmarshal(b, &p); err != nil || p.Version != 1 {
		return fmt.Errorf("filesystem source '%s': the saved position is not a file position", s.spec.Name)
	}
	if p.File >= len(s.files) || s.files[p.File] != p.Path {
		return fmt.Errorf("filesystem source '%s': the saved position is in %s, which is no longer file %d of 'path'", s.spec.Name, p.Path, p.File+1)
	}
	s.start = p
	return nil
}

func (s *FilesystemSource) readFile(ctx context.Context, path string, bufp *[]byte, out exec.Emitter) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("filesystem source '%s': %v", s.spec.Name, err)
	}
	defer f.Close()
	buf := *bufp
	line, have := s.at.Line, 0 // have: bytes of buf holding a partial line carried over
	base := s.at.Offset        // file offset of buf[0]
	if base > 0 {
		if _, err := f.Seek(base, io.SeekStart); err != nil {
			return fmt.Errorf("filesystem source '%s': %v", s.spec.Name, err)
		}
	}
	for eof := false; !eof; {
		if err := ctx.Err(); err != nil {
			return err
		}
		if have == len(buf) { // one line longer than the buffer
			buf = append(buf, make([]byte, len(buf))...)
			*bufp = buf
		}
		n, err := io.ReadFull(f, buf[have:])
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			eof = true
		case err != nil:
			return fmt.Errorf("filesystem source '%s': reading %s: %v", s.spec.Name, path, err)
		}
		data := buf[:have+n]
		end := len(data)
		if !eof {
			end = bytes.LastIndexByte(data, '\n') + 1
		}
		for rest := data[:end]; len(rest) > 0; {
			rec := rest
			if i := bytes.IndexByte(rest, '\n'); i >= 0 {
				rec, rest = rest[:i], rest[i+1:]
			} else {
				rest = nil
			}
			line++
			s.at.Offset, s.at.Line = base+int64(end-len(rest)), line
			if err := s.record(path, line, rec, out); err != nil {
				return err
			}
		}
		have = copy(buf, data[end:])
		base += int64(end)
	}
	return nil
}

func (s *FilesystemSource) record(path string, line int, rec []byte, out exec.Emitter) error {
	if isBlank(rec) {
		return nil
	}
	if err := s.dec.Append(rec); err != nil {
		raw := bytes.TrimRight(rec, "\r")
		return s.spec.BadRecords.BadRecord(BadRecord{
			Table:    s.spec.Name,
			Position: fmt.Sprintf("%s:%d", path, line),
			Reason:   err.Error(),
			Raw:      append([]byte(nil), raw...),
		})
	}
	if s.dec.Len() >= s.spec.BatchSize {
		return s.flush(out)
	}
	return nil
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
