// Package server is eddy's job server: it runs SQL scripts as long-running jobs, keeps
// each job's record and checkpoints in a state folder, and serves an HTTP JSON API to
// submit, list, describe, savepoint and stop them (see api.go), with Prometheus metrics.
//
// A job's life: POST /v1/jobs checks the script (engine.Session.CheckJobScript) and, when
// it is sound, writes DIR/jobs/ID/job.json with status "running" before the job starts.
// The job runs in this process with checkpoints in DIR/jobs/ID/checkpoints. When the
// server starts, every job whose record still says "running" (the server was killed, or
// the machine lost) is started again from its latest completed checkpoint: nothing is
// resubmitted, and exactly-once sinks neither lose nor repeat output.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/eddysql/eddy/engine"
)

// Config configures a Server.
type Config struct {
	// StateDir holds the jobs' records and checkpoints.
	StateDir string
	// AllowPaths are the only folders whose files jobs may read or write; none: no files.
	AllowPaths []string
	// CheckpointInterval is the default 'execution.checkpointing.interval' of jobs that do
	// not SET it.
	CheckpointInterval string
	// Log receives the server's own messages (job started, failed, resumed).
	Log *log.Logger
}

// Status is the state of a job.
type Status string

// The statuses of a job. Only Running jobs are resumed when the server starts.
const (
	Running Status = "running"
	// Restarting: the job failed and starts again from its latest checkpoint after a
	// backoff (1 s, doubling up to a minute); Error says why.
	Restarting Status = "restarting"
	Finished   Status = "finished" // the input ended and everything was written
	Stopped    Status = "stopped"
	Failed     Status = "failed"
)

// record is what the state folder keeps of a job (job.json).
type record struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	SQL       string    `json:"sql"`
	Status    Status    `json:"status"`
	Error     string    `json:"error,omitempty"`
	Submitted time.Time `json:"submitted"`
	// Savepoints are the savepoints the job stopped with (one per pipeline), if any.
	Savepoints []string `json:"savepoints,omitempty"`
	// Restarts counts how often the job was resumed from a checkpoint.
	Restarts int `json:"restarts"`
}

// job is a job the server knows, running or not.
type job struct {
	mu      sync.Mutex
	rec     record
	dir     string
	cancel  context.CancelFunc
	done    chan struct{} // closed when the run ends; nil when not running
	running []*engine.Job // the pipelines (one per INSERT) while running
	started time.Time
	rates   []*rateMeter // per pipeline, by the sampler
	// stopping: Stop or Delete was asked; a failed run is not restarted.
	stopping bool
	// failures counts consecutive failed runs, for the restart backoff.
	failures int
}

// Server runs jobs. Its methods are safe for concurrent use.
type Server struct {
	cfg  Config
	mu   sync.Mutex
	jobs map[string]*job
	stop chan struct{}
}

// New opens the state folder and starts every job that was running when the server last
// stopped, from its latest completed checkpoint.
func New(cfg Config) (*Server, error) {
	if cfg.StateDir == "" {
		return nil, errors.New("the server needs a --state-dir")
	}
	if abs, err := filepath.Abs(cfg.StateDir); err == nil {
		cfg.StateDir = abs
	}
	if cfg.CheckpointInterval == "" {
		cfg.CheckpointInterval = "5 s"
	}
	if cfg.Log == nil {
		cfg.Log = log.New(os.Stderr, "eddy server: ", log.LstdFlags)
	}
	if cfg.AllowPaths == nil {
		cfg.AllowPaths = []string{}
	}
	if err := os.MkdirAll(filepath.Join(cfg.StateDir, "jobs"), 0o755); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, jobs: map[string]*job{}, stop: make(chan struct{})}
	go s.sampleRates(s.stop)
	ents, err := os.ReadDir(filepath.Join(cfg.StateDir, "jobs"))
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		dir := filepath.Join(cfg.StateDir, "jobs", e.Name())
		b, err := os.ReadFile(filepath.Join(dir, "job.json"))
		if err != nil {
			continue // a job folder whose record was never written: submission died
		}
		var rec record
		if err := json.Unmarshal(b, &rec); err != nil {
			cfg.Log.Printf("skipping %s: %v", dir, err)
			continue
		}
		j := &job{rec: rec, dir: dir}
		s.jobs[rec.ID] = j
		if rec.Status == Running || rec.Status == Restarting {
			j.rec.Restarts++
			if err := j.save(); err != nil {
				return nil, err
			}
			cfg.Log.Printf("resuming job %s (%s) from its latest checkpoint", rec.ID, rec.Name)
			s.start(j, true)
		}
	}
	return s, nil
}

// SubmitError is a script refused at submission; the job was not created.
type SubmitError struct{ Err error }

func (e *SubmitError) Error() string { return e.Err.Error() }

// Submit checks a script and starts it as a job; name labels it (e.g. the file name).
func (s *Server) Submit(name, sql string) (string, error) {
	check := s.session(nil, "")
	if err := check.CheckJobScript(name, sql); err != nil {
		return "", &SubmitError{err}
	}
	id := newID()
	j := &job{rec: record{ID: id, Name: name, SQL: sql, Status: Running, Submitted: time.Now().UTC()}, dir: filepath.Join(s.cfg.StateDir, "jobs", id)}
	if err := j.save(); err != nil {
		return "", err
	}
	s.mu.Lock()
	s.jobs[id] = j
	s.mu.Unlock()
	s.cfg.Log.Printf("job %s (%s) submitted", id, name)
	s.start(j, false)
	return id, nil
}

// session is a fresh session for a job, its warnings going to w.
func (s *Server) session(w io.Writer, dir string) *engine.Session {
	sess := engine.NewSession()
	sess.Format = engine.FormatNone
	if w == nil {
		w = io.Discard
	}
	sess.Stdout, sess.Stderr = io.Discard, w
	sess.AllowedPaths = s.cfg.AllowPaths
	sess.Planner.Cat.Settings["execution.checkpointing.interval"] = s.cfg.CheckpointInterval
	if dir != "" {
		sess.Checkpoints.StateDir = filepath.Join(dir, "checkpoints")
	}
	return sess
}

// start runs a job's script on its own goroutine; resume starts it from its latest
// checkpoint.
func (s *Server) start(j *job, resume bool) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	j.mu.Lock()
	j.cancel, j.done, j.running, j.rates, j.started = cancel, done, nil, nil, time.Now()
	j.mu.Unlock()
	logf, err := os.OpenFile(filepath.Join(j.dir, "job.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		s.finish(j, fmt.Errorf("opening the job's log: %v", err), false)
		close(done)
		return
	}
	sess := s.session(logf, j.dir)
	sess.Checkpoints.Resume = resume
	sess.JobStarted = func(p *engine.Job) {
		j.mu.Lock()
		j.running = append(j.running, p)
		j.mu.Unlock()
	}
	go func() {
		defer close(done)
		defer logf.Close()
		err := sess.RunScript(ctx, j.rec.Name, j.rec.SQL)
		stopped := ctx.Err() != nil
		if err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintf(logf, "%s job failed: %v\n", time.Now().UTC().Format(time.RFC3339), err)
		}
		if err != nil && !stopped {
			if s.restartAfter(ctx, j, err) {
				return
			}
			stopped = true // restartAfter gives up only when the job was stopped
		}
		s.finish(j, err, stopped)
	}()
}

// restartAfter handles a failed run: after a backoff (1 s, doubling up to a minute; reset
// when the run lasted ten minutes) the job starts again from its latest checkpoint, like
// Flink's restart strategy. It returns false when the job was stopped meanwhile.
func (s *Server) restartAfter(ctx context.Context, j *job, err error) bool {
	j.mu.Lock()
	if time.Since(j.started) > 10*time.Minute {
		j.failures = 0
	}
	delay := time.Second << min(j.failures, 6)
	delay = min(delay, time.Minute)
	j.failures++
	j.rec.Status, j.rec.Error = Restarting, err.Error()
	j.saveLocked()
	j.mu.Unlock()
	s.cfg.Log.Printf("job %s failed: %v; restarting from its latest checkpoint in %v", j.rec.ID, err, delay)
	select {
	case <-time.After(delay):
	case <-ctx.Done():
		return false
	}
	j.mu.Lock()
	if j.stopping {
		j.mu.Unlock()
		return false
	}
	j.rec.Status = Running
	j.rec.Restarts++
	j.saveLocked()
	j.mu.Unlock()
	s.start(j, true)
	return true
}

// finish records how a run ended.
func (s *Server) finish(j *job, err error, stopped bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case stopped:
		j.rec.Status = Stopped
	case err != nil:
		j.rec.Status, j.rec.Error = Failed, err.Error()
		s.cfg.Log.Printf("job %s failed: %v", j.rec.ID, err)
	default:
		j.rec.Status, j.rec.Error = Finished, ""
	}
	if err := j.saveLocked(); err != nil {
		s.cfg.Log.Printf("job %s: %v", j.rec.ID, err)
	}
}

// Stop stops a running job gracefully: a final checkpoint commits what it processed (a
// savepoint when asked) and its record says stopped, so a server restart leaves it be.
func (s *Server) Stop(id string, savepoint bool) (JobInfo, error) {
	j, err := s.job(id)
	if err != nil {
		return JobInfo{}, err
	}
	j.mu.Lock()
	st := j.rec.Status
	if st == Running || st == Restarting {
		j.stopping = true
	}
	j.mu.Unlock()
	if st != Running && st != Restarting {
		return JobInfo{}, fmt.Errorf("job %s is not running (%s)", id, st)
	}
	j.mu.Lock()
	cancel, done, pipelines := j.cancel, j.done, j.running
	j.mu.Unlock()
	if savepoint {
		for _, p := range pipelines {
			p.StopWithSavepoint()
		}
	}
	cancel()
	<-done
	s.waitStopped(j)
	if savepoint {
		var paths []string
		for _, p := range pipelines {
			if st := p.CheckpointStats(); st.Last != nil && st.Last.Kind == "savepoint" {
				paths = append(paths, st.Last.Path)
			}
		}
		j.mu.Lock()
		j.rec.Savepoints = paths
		j.saveLocked()
		j.mu.Unlock()
	}
	return s.Describe(id)
}

// waitStopped waits until a run started by a restart in the meantime has ended too.
func (s *Server) waitStopped(j *job) {
	for {
		j.mu.Lock()
		cancel, done := j.cancel, j.done
		j.mu.Unlock()
		select {
		case <-done:
			return
		default:
			cancel()
			<-done
		}
	}
}

// Delete stops a job if it runs and forgets it, removing its checkpoints.
func (s *Server) Delete(id string) error {
	j, err := s.job(id)
	if err != nil {
		return err
	}
	j.mu.Lock()
	j.stopping = true
	cancel, done := j.cancel, j.done
	j.mu.Unlock()
	if done != nil {
		cancel()
		<-done
		s.waitStopped(j)
	}
	s.mu.Lock()
	delete(s.jobs, id)
	s.mu.Unlock()
	return os.RemoveAll(j.dir)
}

// Savepoint takes a savepoint of every pipeline of a running job.
func (s *Server) Savepoint(id string) ([]engine.CheckpointInfo, error) {
	j, err := s.job(id)
	if err != nil {
		return nil, err
	}
	if j.status() != Running {
		return nil, fmt.Errorf("job %s is not running (%s)", id, j.status())
	}
	j.mu.Lock()
	pipelines := j.running
	j.mu.Unlock()
	var out []engine.CheckpointInfo
	for _, p := range pipelines {
		info, err := p.Savepoint("")
		if err != nil {
			return out, err
		}
		out = append(out, info)
	}
	return out, nil
}

// Close stops every running job gracefully (each takes a final checkpoint) but leaves
// their records "running", so that the next server start resumes them.
func (s *Server) Close() {
	close(s.stop)
	for _, j := range s.all() {
		j.mu.Lock()
		j.stopping = true
		cancel, done := j.cancel, j.done
		running := j.rec.Status == Running || j.rec.Status == Restarting
		j.mu.Unlock()
		if done == nil || !running {
			continue
		}
		cancel()
		<-done
		s.waitStopped(j)
		j.mu.Lock()
		j.rec.Status = Running // a shutdown, not a stop: resume on the next start
		j.saveLocked()
		j.mu.Unlock()
	}
}

var errNoJob = errors.New("no such job")

// all returns every job the server knows.
func (s *Server) all() []*job {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*job, 0, len(s.jobs))
	for _, j := range s.jobs {
		out = append(out, j)
	}
	return out
}

func (s *Server) job(id string) (*job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", errNoJob, id)
	}
	return j, nil
}

// List describes every job, newest first.
func (s *Server) List() []JobInfo {
	s.mu.Lock()
	var ids []string
	for id := range s.jobs {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	var out []JobInfo
	for _, id := range ids {
		if info, err := s.Describe(id); err == nil {
			out = append(out, info)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Submitted.After(out[b].Submitted) })
	return out
}

func (j *job) status() Status {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.rec.Status
}

func (j *job) save() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.saveLocked()
}

// saveLocked writes job.json atomically.
func (j *job) saveLocked() error {
	if err := os.MkdirAll(j.dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(j.rec, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(j.dir, ".job.json.tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	f.Close()
	return os.Rename(tmp, filepath.Join(j.dir, "job.json"))
}

func newID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return time.Now().UTC().Format("20060102") + "-" + hex.EncodeToString(b)
}
