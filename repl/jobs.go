package repl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/parser"
)

// JobRunner runs the shell's INSERT INTO statements as jobs that outlive the statement:
// in the shell's own process (LocalJobs) or on eddy's job server.
//
// Submit, Jobs and Stop are called from the shell's goroutine only, one at a time; jobs
// themselves run on their own. Job ids are the runner's, unique within it, and what
// STOP JOB takes.
type JobRunner interface {
	// Submit starts the job and returns its id once it runs. A statement the user must fix
	// gives an error (a *parser.Error when it has a position) and starts nothing.
	Submit(ctx context.Context, req JobRequest) (id string, err error)
	// Jobs lists the jobs submitted, oldest first, with their status and counts now.
	Jobs(ctx context.Context) ([]JobInfo, error)
	// Stop cancels the job id and returns once it has stopped. An unknown id is an error
	// that names the known ids; stopping a finished job is not an error.
	Stop(ctx context.Context, id string) error
	// Close stops every job this runner runs in this process; the shell calls it when it
	// exits. (A job server's jobs go on.)
	Close() error
}

// JobRequest is an INSERT INTO (or a statement set) to run as a job.
type JobRequest struct {
	// Statement is the parsed *parser.Insert or *parser.StatementSet, planned against the
	// shell's session.
	Statement parser.Statement
	// SQL is its text.
	SQL string
	// Script is what a runner in another process needs to run it on its own catalog: the
	// statements that built the shell's catalog (CREATE, DROP, SET, RESET, in the order
	// they ran), then SQL.
	Script string
	// Name names the job: the table it writes.
	Name string
}

// JobInfo is one job as SHOW JOBS lists it.
type JobInfo struct {
	ID         string
	Statement  string
	Status     string // RUNNING, FINISHED, STOPPED or FAILED
	Error      string // why it failed
	RecordsIn  int64
	RecordsOut int64
	Started    time.Time
}

// Job statuses.
const (
	StatusRunning  = "RUNNING"
	StatusFinished = "FINISHED"
	StatusStopped  = "STOPPED"
	StatusFailed   = "FAILED"
)

// LocalJobs runs jobs in this process, on the shell's engine.Session: a job is planned and
// built by Submit on the shell's goroutine (so the catalog is never touched concurrently)
// and runs on its own goroutines until its input ends, it fails, or it is stopped.
type LocalJobs struct {
	sess *engine.Session
	// notify, when set, is told when a job ends on its own (finished or failed).
	notify func(JobInfo)

	mu   sync.Mutex
	jobs []*localJob
	n    int
}

type localJob struct {
	info    JobInfo // ID, Statement, Started; Status and Error under LocalJobs.mu
	bg      *engine.Background
	cancel  context.CancelFunc
	done    chan struct{}
	stopped bool
}

// NewLocalJobs returns a runner of jobs on sess. notify (may be nil) is called, on the
// job's goroutine, when a job finishes or fails by itself.
func NewLocalJobs(sess *engine.Session, notify func(JobInfo)) *LocalJobs {
	return &LocalJobs{sess: sess, notify: notify}
}

var _ JobRunner = (*LocalJobs)(nil)

// Submit implements JobRunner.
func (l *LocalJobs) Submit(ctx context.Context, req JobRequest) (string, error) {
	bg, err := l.sess.PrepareBackground(req.Statement)
	if err != nil {
		return "", err
	}
	l.mu.Lock()
	l.n++
	j := &localJob{
		info: JobInfo{ID: fmt.Sprintf("job-%d", l.n), Statement: oneLine(req.SQL), Status: StatusRunning, Started: time.Now()},
		bg:   bg, done: make(chan struct{}),
	}
	l.jobs = append(l.jobs, j)
	l.mu.Unlock()
	// A job outlives the statement that started it: only STOP JOB and Close cancel it.
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	j.cancel = cancel
	go func() {
		defer close(j.done)
		err := bg.Run(jctx)
		l.mu.Lock()
		switch {
		case j.stopped:
			j.info.Status = StatusStopped
		case err != nil:
			j.info.Status, j.info.Error = StatusFailed, err.Error()
		default:
			j.info.Status = StatusFinished
		}
		info := l.infoLocked(j)
		stopped := j.stopped
		l.mu.Unlock()
		if l.notify != nil && !stopped {
			l.notify(info)
		}
	}()
	return j.info.ID, nil
}

func (l *LocalJobs) infoLocked(j *localJob) JobInfo {
	info := j.info
	info.RecordsIn, info.RecordsOut = j.bg.Counts()
	return info
}

// Jobs implements JobRunner.
func (l *LocalJobs) Jobs(context.Context) ([]JobInfo, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]JobInfo, 0, len(l.jobs))
	for _, j := range l.jobs {
		out = append(out, l.infoLocked(j))
	}
	return out, nil
}

// Stop implements JobRunner.
func (l *LocalJobs) Stop(ctx context.Context, id string) error {
	l.mu.Lock()
	var j *localJob
	var ids []string
	for _, x := range l.jobs {
		ids = append(ids, x.info.ID)
		if strings.EqualFold(x.info.ID, id) {
			j = x
		}
	}
	if j == nil {
		l.mu.Unlock()
		if len(ids) == 0 {
			return fmt.Errorf("no job '%s': no jobs were started (INSERT INTO starts one)", id)
		}
		return fmt.Errorf("no job '%s'; jobs are: %s", id, strings.Join(ids, ", "))
	}
	if j.info.Status == StatusRunning {
		j.stopped = true
	}
	l.mu.Unlock()
	j.cancel()
	select {
	case <-j.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close implements JobRunner.
func (l *LocalJobs) Close() error {
	l.mu.Lock()
	jobs := append([]*localJob(nil), l.jobs...)
	l.mu.Unlock()
	var errs []error
	for _, j := range jobs {
		if err := l.Stop(context.Background(), j.info.ID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// oneLine joins the lines of a statement for one-line listings.
func oneLine(sql string) string {
	return strings.Join(strings.Fields(sql), " ")
}
