package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/exec"
)

// CheckpointConfig says where and how often a job checkpoints, and what it starts from.
type CheckpointConfig struct {
	// Dir is the pipeline's checkpoint folder (created when missing).
	Dir string
	// Interval between checkpoints; 0 takes them only on demand (savepoints) and when the
	// job stops gracefully or its input ends.
	Interval time.Duration
	// Retained is how many completed checkpoints to keep (at least 1).
	Retained int
	// Restore is a checkpoint or savepoint file, or a checkpoint folder (its latest usable
	// checkpoint), to start from; "" starts afresh unless Resume is set.
	Restore string
	// Resume starts from the latest usable checkpoint of Dir, if there is one (the job
	// server after a restart).
	Resume bool
	// AllowNonRestored drops saved state that no operator of the job maps to, instead of
	// refusing to start.
	AllowNonRestored bool
	// SavepointDir is where savepoints without an explicit path go (default Dir/savepoints).
	SavepointDir string
	// Warn receives warnings (a corrupt checkpoint skipped, a failed checkpoint).
	Warn func(msg string)
}

// CheckpointInfo describes one checkpoint or savepoint.
type CheckpointInfo struct {
	ID       int64         `json:"id"`
	Path     string        `json:"path"`
	Time     time.Time     `json:"time"`
	Duration time.Duration `json:"duration_ns"`
	Bytes    int64         `json:"bytes"`
	Kind     string        `json:"kind"` // checkpoint or savepoint
}

// CheckpointStats are a job's checkpoint counters, safe to read from another goroutine.
type CheckpointStats struct {
	mu        sync.Mutex
	Completed int64
	Failed    int64
	Last      *CheckpointInfo
	LastError string
	Restored  *CheckpointInfo
}

// Snapshot copies the counters.
func (c *CheckpointStats) Snapshot() CheckpointStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return CheckpointStats{Completed: c.Completed, Failed: c.Failed, Last: c.Last, LastError: c.LastError, Restored: c.Restored}
}

// checkpointFile is what one checkpoint holds.
type checkpointFile struct {
	Version   int
	ID        int64
	Kind      string
	Job       string
	Time      time.Time
	Watermark int64
	Counters  [5]int64 // records in, out, bad, late, partly late
	Operators []savedState
	Sources   []savedState
	Sinks     []savedState
}

// savedState is the state of one operator, source position or sink, under its stable id.
type savedState struct {
	ID    string
	Desc  string
	State []byte
}

const (
	checkpointVersion = 1
	checkpointMagic   = "EDDYCKP1"
	manifestName      = "_manifest"
)

// encodeCheckpoint frames a checkpoint: magic, length, gob body, SHA-256 of what precedes.
func encodeCheckpoint(f *checkpointFile) ([]byte, error) {
	var body bytes.Buffer
	if err := gob.NewEncoder(&body).Encode(f); err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(checkpointMagic)+8+body.Len()+sha256.Size)
	out = append(out, checkpointMagic...)
	out = binary.BigEndian.AppendUint64(out, uint64(body.Len()))
	out = append(out, body.Bytes()...)
	sum := sha256.Sum256(out)
	return append(out, sum[:]...), nil
}

// errCorrupt marks a checkpoint that fails its checksum or framing.
var errCorrupt = errors.New("corrupt or truncated (checksum mismatch)")

func decodeCheckpoint(b []byte) (*checkpointFile, error) {
	n := len(checkpointMagic)
	if len(b) < n+8+sha256.Size || string(b[:n]) != checkpointMagic {
		return nil, errCorrupt
	}
	size := binary.BigEndian.Uint64(b[n : n+8])
	if uint64(len(b)) != uint64(n+8+sha256.Size)+size {
		return nil, errCorrupt
	}
	body := b[:len(b)-sha256.Size]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], b[len(b)-sha256.Size:]) {
		return nil, errCorrupt
	}
	var f checkpointFile
	if err := gob.NewDecoder(bytes.NewReader(body[n+8:])).Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	if f.Version != checkpointVersion {
		return nil, fmt.Errorf("written by another version of eddy (format %d, this eddy reads %d)", f.Version, checkpointVersion)
	}
	return &f, nil
}

// readCheckpoint reads and verifies one checkpoint file.
func readCheckpoint(path string) (*checkpointFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := decodeCheckpoint(b)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return f, nil
}

// writeFileAtomic writes b to path through a temporary file, fsynced and renamed, so that
// path holds either its old content or all of b.
func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// writeCheckpointFile writes a checkpoint file; tests replace it to fail like a full disk.
var writeCheckpointFile = writeFileAtomic

// checkpointName is the file of checkpoint n in a checkpoint folder.
func checkpointName(n int64) string { return fmt.Sprintf("chk-%010d", n) }

// listCheckpoints returns the ids of the checkpoint files in dir, newest first.
func listCheckpoints(dir string) []int64 {
	ents, _ := os.ReadDir(dir)
	var ids []int64
	for _, e := range ents {
		if rest, ok := strings.CutPrefix(e.Name(), "chk-"); ok {
			if n, err := strconv.ParseInt(rest, 10, 64); err == nil {
				ids = append(ids, n)
			}
		}
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] > ids[b] })
	return ids
}

// manifest lists a checkpoint folder's completed checkpoints (their sinks committed).
type manifest struct {
	Completed []int64 // oldest first
}

func readManifest(dir string) (manifest, error) {
	var m manifest
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return m, err
	}
	f, err := decodeCheckpoint(b)
	if err != nil {
		return m, fmt.Errorf("%s: %w", filepath.Join(dir, manifestName), err)
	}
	// The manifest reuses the checkpoint framing (magic, checksum): the ids of the completed
	// checkpoints are its Operators' ids.
	for _, o := range f.Operators {
		n, _ := strconv.ParseInt(o.ID, 10, 64)
		m.Completed = append(m.Completed, n)
	}
	return m, nil
}

func writeManifest(dir string, m manifest) error {
	f := &checkpointFile{Version: checkpointVersion, Kind: "manifest", Time: time.Now()}
	for _, n := range m.Completed {
		f.Operators = append(f.Operators, savedState{ID: strconv.FormatInt(n, 10)})
	}
	b, err := encodeCheckpoint(f)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, manifestName), b)
}

// checkpointer takes a job's checkpoints; its methods run on the job's goroutine except
// the request senders.
type checkpointer struct {
	cfg      CheckpointConfig
	next     int64 // id of the next checkpoint
	done     manifest
	stats    CheckpointStats
	requests chan savepointRequest
	stopped  chan struct{} // closed when the job's loop ended
	// stopSavepoint asks the final checkpoint of a graceful stop to be a savepoint too.
	stopSavepoint bool
	mu            sync.Mutex
}

type savepointRequest struct {
	path  string
	reply chan savepointReply
}

type savepointReply struct {
	info CheckpointInfo
	err  error
}

// EnableCheckpoints sets up checkpointing of the job and restores its state as cfg says.
// It must be called before Run.
func (j *Job) EnableCheckpoints(cfg CheckpointConfig) error {
	if cfg.Retained < 1 {
		cfg.Retained = 1
	}
	if cfg.SavepointDir == "" {
		cfg.SavepointDir = filepath.Join(cfg.Dir, "savepoints")
	}
	if cfg.Warn == nil {
		cfg.Warn = func(string) {}
	}
	for _, js := range j.sources {
		if _, ok := js.src.(connectors.Resumable); !ok {
			return fmt.Errorf("table '%s' (connector '%s') cannot resume from a checkpoint, so this job cannot be checkpointed", js.table.Name, js.table.Connector.Name)
		}
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint folder: %v", err)
	}
	c := &checkpointer{cfg: cfg, requests: make(chan savepointRequest), stopped: make(chan struct{}), next: 1}
	j.ckpt = c
	var err error
	if c.done, err = readManifest(cfg.Dir); err != nil {
		cfg.Warn(fmt.Sprintf("eddy: %v; looking for checkpoints without it", err))
	}
	if ids := listCheckpoints(cfg.Dir); len(ids) > 0 {
		c.next = ids[0] + 1
	}
	if n := len(c.done.Completed); n > 0 && c.done.Completed[n-1] >= c.next {
		c.next = c.done.Completed[n-1] + 1
	}
	var from string
	switch {
	case cfg.Restore != "":
		from = cfg.Restore
	case cfg.Resume:
		from = cfg.Dir
	}
	if from == "" {
		return j.recoverSinks(0, nil)
	}
	f, path, err := j.chooseCheckpoint(from)
	if err != nil {
		return err
	}
	if f == nil {
		if cfg.Restore != "" {
			cfg.Warn(fmt.Sprintf("eddy: %s holds no completed checkpoint of %s: starting from the beginning", from, j.Pipeline))
		}
		return j.recoverSinks(0, nil) // nothing to resume from yet
	}
	if err := j.restoreFrom(f); err != nil {
		return fmt.Errorf("restoring %s: %w", path, err)
	}
	if f.ID >= c.next {
		c.next = f.ID + 1
	}
	info := &CheckpointInfo{ID: f.ID, Path: path, Time: f.Time, Kind: f.Kind}
	c.stats.Restored = info
	return nil
}

// chooseCheckpoint finds the checkpoint to restore: a file as it is, or in a folder the
// newest one whose output was committed (completed in the manifest, or reported by a sink
// that committed it before a crash kept it out of the manifest), skipping corrupt ones.
func (j *Job) chooseCheckpoint(from string) (*checkpointFile, string, error) {
	st, err := os.Stat(from)
	if err != nil {
		return nil, "", fmt.Errorf("--restore: %v", err)
	}
	if !st.IsDir() {
		f, err := readCheckpoint(from)
		return f, from, err
	}
	m, err := readManifest(from)
	if err != nil {
		j.ckpt.cfg.Warn(fmt.Sprintf("eddy: %v", err))
	}
	usable := map[int64]bool{}
	for _, n := range m.Completed {
		usable[n] = true
	}
	var committed int64 = -1
	for _, s := range j.sinks {
		if cs, ok := s.sink.(connectors.CheckpointSink); ok {
			n, err := cs.CommittedCheckpoint()
			if err != nil {
				return nil, "", fmt.Errorf("asking sink '%s' which checkpoint it committed: %v", s.id, err)
			}
			if n > 0 && (committed < 0 || n < committed) {
				committed = n
			}
		}
	}
	if committed > 0 {
		usable[committed] = true
	}
	for _, n := range listCheckpoints(from) {
		if !usable[n] {
			continue
		}
		path := filepath.Join(from, checkpointName(n))
		f, err := readCheckpoint(path)
		if err != nil {
			j.ckpt.cfg.Warn(fmt.Sprintf("eddy: %v; using the previous checkpoint", err))
			continue
		}
		if committed > 0 && f.ID < committed {
			j.ckpt.cfg.Warn(fmt.Sprintf("eddy: the sink committed checkpoint %d but it cannot be read; restoring %d repeats the output between them", committed, f.ID))
		}
		return f, path, nil
	}
	return nil, "", nil
}

// restoreFrom puts a checkpoint's state into the freshly built job.
func (j *Job) restoreFrom(f *checkpointFile) error {
	allow := j.ckpt.cfg.AllowNonRestored
	unmapped := func(kind string, s savedState) error {
		if allow {
			j.ckpt.cfg.Warn(fmt.Sprintf("eddy: dropping the saved state of %s %s (%s): nothing in the changed query maps to it\n", kind, s.ID, s.Desc))
			return nil
		}
		return fmt.Errorf("the saved state of %s %s (%s) maps to nothing in this query: the query changed there. Restore with --allow-non-restored-state to drop that state", kind, s.ID, s.Desc)
	}
	byID := map[string]int{}
	for i, id := range j.opIDs {
		byID[id] = i
	}
	for _, s := range f.Operators {
		i, ok := byID[s.ID]
		st, stateful := exec.Stateful(nil), false
		if ok {
			st, stateful = j.ops[i].(exec.Stateful)
		}
		if !ok || !stateful {
			if err := unmapped("operator", s); err != nil {
				return err
			}
			continue
		}
		if err := st.Restore(s.State); err != nil {
			return fmt.Errorf("operator %s: %v", s.ID, err)
		}
	}
	srcs := map[string]int{}
	for i := range j.sources {
		srcs[j.sourceID(i)] = i
	}
	for _, s := range f.Sources {
		i, ok := srcs[s.ID]
		if !ok {
			if err := unmapped("source", s); err != nil {
				return err
			}
			continue
		}
		if err := j.sources[i].src.(connectors.Resumable).ResumeAt(s.State); err != nil {
			return fmt.Errorf("source %s: %v", s.ID, err)
		}
		if j.resumedAt == nil {
			j.resumedAt = make([][]byte, len(j.sources))
		}
		j.resumedAt[i] = s.State
	}
	sinkState := map[string][]byte{}
	for _, s := range f.Sinks {
		sinkState[s.ID] = s.State
	}
	if err := j.recoverSinks(f.ID, sinkState); err != nil {
		return err
	}
	j.Stats.Watermark.Store(f.Watermark)
	j.Stats.RecordsIn.Store(f.Counters[0])
	j.Stats.RecordsOut.Store(f.Counters[1])
	j.Stats.BadRecords.Store(f.Counters[2])
	return nil
}

// recoverSinks tells every checkpointing sink which checkpoint the job starts from.
func (j *Job) recoverSinks(n int64, states map[string][]byte) error {
	for _, s := range j.sinks {
		if cs, ok := s.sink.(connectors.CheckpointSink); ok {
			if err := cs.Recover(n, states[s.id]); err != nil {
				return fmt.Errorf("sink '%s': %v", s.id, err)
			}
		}
	}
	return nil
}

// sourceID is the stable id of source i: its table, numbered when a table is read twice.
func (j *Job) sourceID(i int) string {
	name := j.sources[i].table.Name
	k := 0
	for _, s := range j.sources[:i] {
		if s.table.Name == name {
			k++
		}
	}
	if k == 0 {
		return "source:" + name
	}
	return fmt.Sprintf("source:%s#%d", name, k+1)
}

// namedSink is a table sink of the job with its stable id.
type namedSink struct {
	id   string
	sink connectors.Sink
}

// checkpoint takes checkpoint n on the job's goroutine (between two messages): sinks
// prepare, the state is written atomically, sinks commit, the manifest records it. A
// failure to write (a full disk) fails this checkpoint only: it is counted and reported,
// and the job goes on, its output waiting for the next checkpoint. A failure to commit
// is the job's: its outcome is unknown until a restart recovers it.
func (j *Job) checkpoint(kind, savepointPath string) (CheckpointInfo, error) {
	c := j.ckpt
	start := time.Now()
	n := c.next
	c.next++
	fail := func(err error) (CheckpointInfo, error) {
		c.stats.mu.Lock()
		c.stats.Failed++
		c.stats.LastError = err.Error()
		c.stats.mu.Unlock()
		c.cfg.Warn(fmt.Sprintf("eddy: checkpoint %d of %s failed: %v; the job goes on and the next checkpoint retries\n", n, j.Name, err))
		return CheckpointInfo{}, &failedCheckpoint{err}
	}
	if s, ok := j.out.(interface{ Sync() error }); ok {
		if err := s.Sync(); err != nil {
			return CheckpointInfo{}, err
		}
	}
	j.updateLate()
	f := &checkpointFile{Version: checkpointVersion, ID: n, Kind: kind, Job: j.Name, Time: start, Watermark: j.Stats.Watermark.Load(),
		Counters: [5]int64{j.Stats.RecordsIn.Load(), j.Stats.RecordsOut.Load(), j.Stats.BadRecords.Load(), j.Stats.Late.Load(), j.Stats.PartlyLate.Load()}}
	for _, s := range j.sinks {
		if cs, ok := s.sink.(connectors.CheckpointSink); ok {
			st, err := cs.PrepareCheckpoint(n)
			if err != nil {
				return CheckpointInfo{}, fmt.Errorf("sink '%s': preparing checkpoint %d: %v", s.id, n, err)
			}
			f.Sinks = append(f.Sinks, savedState{ID: s.id, State: st})
		}
	}
	for i, op := range j.ops {
		if st, ok := op.(exec.Stateful); ok {
			b, err := st.Snapshot()
			if err != nil {
				return fail(fmt.Errorf("operator %s: %v", j.opIDs[i], err))
			}
			f.Operators = append(f.Operators, savedState{ID: j.opIDs[i], Desc: j.opDescs[i], State: b})
		}
	}
	for i, js := range j.sources {
		var b []byte
		switch {
		case i < len(j.positions) && j.positions[i] != nil:
			var err error
			if b, err = js.src.(connectors.Resumable).EncodePosition(j.positions[i]); err != nil {
				return fail(fmt.Errorf("source %s: %v", j.sourceID(i), err))
			}
		case i < len(j.resumedAt) && j.resumedAt[i] != nil:
			b = j.resumedAt[i] // nothing read since the restore
		default:
			continue // nothing read yet: the source starts by its options again
		}
		f.Sources = append(f.Sources, savedState{ID: j.sourceID(i), Desc: "table " + js.table.Name, State: b})
	}
	b, err := encodeCheckpoint(f)
	if err != nil {
		return fail(err)
	}
	path := filepath.Join(c.cfg.Dir, checkpointName(n))
	if err := writeCheckpointFile(path, b); err != nil {
		return fail(err)
	}
	for _, s := range j.sinks {
		if cs, ok := s.sink.(connectors.CheckpointSink); ok {
			if err := cs.CommitCheckpoint(n); err != nil {
				return CheckpointInfo{}, fmt.Errorf("sink '%s': committing checkpoint %d: %v", s.id, n, err)
			}
		}
	}
	c.done.Completed = append(c.done.Completed, n)
	if err := writeManifest(c.cfg.Dir, c.done); err != nil {
		c.done.Completed = c.done.Completed[:len(c.done.Completed)-1]
		return fail(fmt.Errorf("manifest: %v", err))
	}
	info := CheckpointInfo{ID: n, Path: path, Time: start, Bytes: int64(len(b)), Kind: kind}
	if kind == "savepoint" {
		if savepointPath == "" {
			savepointPath = filepath.Join(c.cfg.SavepointDir, fmt.Sprintf("savepoint-%s-%d", start.UTC().Format("20060102-150405"), n))
		}
		if err := writeFileAtomic(savepointPath, b); err != nil {
			return fail(fmt.Errorf("savepoint %s: %v", savepointPath, err))
		}
		info.Path = savepointPath
	}
	info.Duration = time.Since(start)
	c.prune()
	c.stats.mu.Lock()
	c.stats.Completed++
	c.stats.Last = &info
	c.stats.LastError = ""
	c.stats.mu.Unlock()
	return info, nil
}

// prune keeps the newest Retained completed checkpoints and removes older files, and
// pending ones older than the newest completed.
func (c *checkpointer) prune() {
	done := c.done.Completed
	if len(done) > c.cfg.Retained {
		done = append([]int64(nil), done[len(done)-c.cfg.Retained:]...)
		c.done.Completed = done
	}
	keep := map[int64]bool{}
	for _, n := range done {
		keep[n] = true
	}
	for _, n := range listCheckpoints(c.cfg.Dir) {
		if !keep[n] && n < done[len(done)-1] {
			os.Remove(filepath.Join(c.cfg.Dir, checkpointName(n)))
		}
	}
}

// Savepoint takes a savepoint of the running job (to path, or the savepoint folder when
// empty) and returns where it went. The job's output up to it is committed.
func (j *Job) Savepoint(path string) (CheckpointInfo, error) {
	if j.ckpt == nil {
		return CheckpointInfo{}, errors.New("the job has no checkpoint folder, so it cannot take savepoints")
	}
	req := savepointRequest{path: path, reply: make(chan savepointReply, 1)}
	select {
	case j.ckpt.requests <- req:
	case <-j.ckpt.stopped:
		return CheckpointInfo{}, errors.New("the job is not running")
	}
	r := <-req.reply
	return r.info, r.err
}

// StopWithSavepoint makes the final checkpoint of a graceful stop also a savepoint; the
// caller then cancels the job's context.
func (j *Job) StopWithSavepoint() {
	if j.ckpt != nil {
		j.ckpt.mu.Lock()
		j.ckpt.stopSavepoint = true
		j.ckpt.mu.Unlock()
	}
}

// CheckpointStats returns a copy of the job's checkpoint counters (zero when it does not
// checkpoint).
func (j *Job) CheckpointStats() CheckpointStats {
	if j.ckpt == nil {
		return CheckpointStats{}
	}
	return j.ckpt.stats.Snapshot()
}

// finalCheckpoint is taken when the input ended or the job was stopped gracefully, so that
// everything processed is committed and a restart starts after it.
func (j *Job) finalCheckpoint() (CheckpointInfo, error) {
	j.ckpt.mu.Lock()
	kind := "checkpoint"
	if j.ckpt.stopSavepoint {
		kind = "savepoint"
	}
	j.ckpt.mu.Unlock()
	return j.checkpoint(kind, "")
}

// failedCheckpoint is a checkpoint that could not be written: the job goes on.
type failedCheckpoint struct{ err error }

func (f *failedCheckpoint) Error() string { return f.err.Error() }
func (f *failedCheckpoint) Unwrap() error { return f.err }

// failedOnly reports whether err failed a checkpoint but leaves the job able to go on.
func (c *checkpointer) failedOnly(err error) bool {
	var f *failedCheckpoint
	return errors.As(err, &f)
}

// SourceLag returns, per source table that can tell (connectors.LagReporter), how many
// records of its input it has not read yet. Safe to call while the job runs.
func (j *Job) SourceLag() map[string]int64 {
	var out map[string]int64
	for i, js := range j.sources {
		if lr, ok := js.src.(connectors.LagReporter); ok {
			if n, ok := lr.Lag(); ok {
				if out == nil {
					out = map[string]int64{}
				}
				out[strings.TrimPrefix(j.sourceID(i), "source:")] = n
			}
		}
	}
	return out
}
