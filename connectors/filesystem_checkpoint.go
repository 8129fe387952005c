package connectors

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Checkpoints of the filesystem sinks (CheckpointSink). Under checkpoints nothing a crash
// can undo is left visible:
//
//   - a folder ('path' ends with '/' or exists as one): rows go to a hidden in-progress file,
//     .part-N.<format>.inprogress, closed when checkpoint N is prepared and renamed to
//     part-N.<format> when it commits. A restart renames the restored checkpoint's file if
//     the crash came before, and deletes in-progress files written after it.
//   - a file: rows are appended to it; the checkpoint keeps the file's length, fsynced,
//     and a restart truncates the file to the restored checkpoint's length, dropping the
//     rows that checkpoint had not covered (they are produced again).
//   - a table with a PRIMARY KEY (upsert): the table is written to a hidden in-progress file
//     when a checkpoint is prepared, renamed over the file when it commits, and kept in the
//     checkpoint so that a restart goes on from it.

var (
	_ CheckpointSink = (*FilesystemSink)(nil)
	_ CheckpointSink = (*upsertFileSink)(nil)
)

// fileCheckpoints is the checkpoint state of an append sink.
type fileCheckpoints struct {
	next    int64    // the checkpoint that will commit what is being written
	pending []string // folder: in-progress files prepared, not yet renamed
}

// fileSinkState is what a checkpoint keeps of a filesystem sink.
type fileSinkState struct {
	Version int      `json:"v"`
	Length  int64    `json:"length,omitempty"`  // file: its length at the checkpoint
	Pending string   `json:"pending,omitempty"` // upsert: the in-progress file to rename
	Parts   []string `json:"parts,omitempty"`   // folder: in-progress files to rename
	Lines   []string `json:"lines,omitempty"`   // upsert: the table, one line per key
	Keys    [][]byte `json:"keys,omitempty"`    // upsert: the keys of Lines (binary)
}

// partName is the in-progress file of the rows checkpoint n will commit.
func (s *FilesystemSink) partName(n int64) string {
	return filepath.Join(s.dir, fmt.Sprintf(".part-%010d.%s.inprogress", n, s.ext))
}

// commitPart renames an in-progress part file to its visible name; a file already renamed
// (a restart after the commit) is fine.
func commitPart(inprogress string) error {
	final := filepath.Join(filepath.Dir(inprogress), strings.TrimSuffix(strings.TrimPrefix(filepath.Base(inprogress), "."), ".inprogress"))
	if _, err := os.Stat(inprogress); os.IsNotExist(err) {
		return nil
	}
	return os.Rename(inprogress, final)
}

// Recover implements CheckpointSink.
func (s *FilesystemSink) Recover(n int64, state []byte) error {
	var st fileSinkState
	if state != nil {
		if err := json.Unmarshal(state, &st); err != nil {
			return fmt.Errorf("filesystem sink %s: the saved state does not read: %v", s.path, err)
		}
	}
	s.ckpt = &fileCheckpoints{next: n + 1}
	if s.dir == "" {
		s.truncate = false
		if err := s.f.Truncate(st.Length); err != nil {
			return fmt.Errorf("filesystem sink %s: %v", s.path, err)
		}
		_, err := s.f.Seek(st.Length, 0)
		return err
	}
	// A folder: the part-0 file of a run without checkpoints is not used.
	s.truncate = false
	s.f.Close()
	os.Remove(s.path)
	s.f = nil
	for _, p := range st.Parts {
		if err := commitPart(p); err != nil {
			return fmt.Errorf("filesystem sink %s: finishing checkpoint %d: %v", s.dir, n, err)
		}
	}
	stale, _ := filepath.Glob(filepath.Join(s.dir, ".part-*.inprogress"))
	for _, f := range stale {
		os.Remove(f) // written after the restored checkpoint
	}
	return nil
}

// ensureOpen opens the in-progress part file of a folder sink under checkpoints.
func (s *FilesystemSink) ensureOpen() error {
	if s.f != nil {
		return nil
	}
	name := s.partName(s.ckpt.next)
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("filesystem sink %s: %v", s.dir, err)
	}
	s.f, s.path = f, name
	s.w = bufio.NewWriterSize(f, 1<<20)
	return nil
}

// PrepareCheckpoint implements CheckpointSink.
func (s *FilesystemSink) PrepareCheckpoint(n int64) ([]byte, error) {
	st := fileSinkState{Version: 1}
	if s.f != nil {
		if err := s.w.Flush(); err != nil {
			return nil, err
		}
		if err := s.f.Sync(); err != nil {
			return nil, err
		}
	}
	if s.dir == "" {
		off, err := s.f.Seek(0, 1)
		if err != nil {
			return nil, err
		}
		st.Length = off
	} else if s.f != nil {
		if err := s.f.Close(); err != nil {
			return nil, err
		}
		s.f = nil
		s.ckpt.pending = append(s.ckpt.pending, s.path)
	}
	st.Parts = s.ckpt.pending
	return json.Marshal(st)
}

// CommitCheckpoint implements CheckpointSink.
func (s *FilesystemSink) CommitCheckpoint(n int64) error {
	s.ckpt.next = n + 1
	for _, p := range s.ckpt.pending {
		if err := commitPart(p); err != nil {
			return fmt.Errorf("filesystem sink %s: %v", s.dir, err)
		}
	}
	s.ckpt.pending = nil
	return nil
}

// CommittedCheckpoint implements CheckpointSink: the sink cannot tell.
func (s *FilesystemSink) CommittedCheckpoint() (int64, error) { return 0, nil }

// upsert sink

func (s *upsertFileSink) inProgress(n int64) string {
	return filepath.Join(filepath.Dir(s.path), fmt.Sprintf(".%s.%010d.inprogress", filepath.Base(s.path), n))
}

// Recover implements CheckpointSink.
func (s *upsertFileSink) Recover(n int64, state []byte) error {
	s.checkpointed = true
	if state == nil {
		return nil
	}
	var st fileSinkState
	if err := json.Unmarshal(state, &st); err != nil {
		return fmt.Errorf("filesystem sink %s: the saved state does not read: %v", s.path, err)
	}
	s.lines, s.ordered, s.order = map[string]string{}, map[string]bool{}, nil
	for i, kb := range st.Keys {
		k := string(kb)
		s.lines[k], s.ordered[k] = st.Lines[i], true
		s.order = append(s.order, k)
	}
	if _, err := os.Stat(st.Pending); st.Pending != "" && err == nil {
		if err := os.Rename(st.Pending, s.path); err != nil {
			return fmt.Errorf("filesystem sink %s: finishing checkpoint %d: %v", s.path, n, err)
		}
	}
	stale, _ := filepath.Glob(filepath.Join(filepath.Dir(s.path), "."+filepath.Base(s.path)+".*.inprogress"))
	for _, f := range stale {
		os.Remove(f)
	}
	return nil
}

// PrepareCheckpoint implements CheckpointSink.
func (s *upsertFileSink) PrepareCheckpoint(n int64) ([]byte, error) {
	st := fileSinkState{Version: 1, Pending: s.inProgress(n)}
	if err := s.writeTable(st.Pending); err != nil {
		return nil, err
	}
	for _, k := range s.order {
		st.Keys = append(st.Keys, []byte(k))
		st.Lines = append(st.Lines, s.lines[k])
	}
	return json.Marshal(st)
}

// CommitCheckpoint implements CheckpointSink.
func (s *upsertFileSink) CommitCheckpoint(n int64) error {
	if err := os.Rename(s.inProgress(n), s.path); err != nil {
		return fmt.Errorf("filesystem sink %s: %v", s.path, err)
	}
	stale, _ := filepath.Glob(filepath.Join(filepath.Dir(s.path), "."+filepath.Base(s.path)+".*.inprogress"))
	for _, f := range stale {
		os.Remove(f) // prepared by checkpoints that failed
	}
	return nil
}

// CommittedCheckpoint implements CheckpointSink: the sink cannot tell.
func (s *upsertFileSink) CommittedCheckpoint() (int64, error) { return 0, nil }
