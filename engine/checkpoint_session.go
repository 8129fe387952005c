package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/planner"
)

// CheckpointOptions are a session's checkpoint settings given outside SQL: `eddy run`'s
// flags, or the job server.
type CheckpointOptions struct {
	// StateDir is the root folder of the script's checkpoints: each pipeline (INSERT or
	// SELECT) of the script checkpoints in a subfolder named after it. SET
	// 'execution.checkpointing.dir' overrides it.
	StateDir string
	// Restore is a checkpoint, a savepoint, or a folder of them, to start from.
	Restore string
	// Resume starts each pipeline from its latest usable checkpoint in StateDir, if any.
	Resume bool
	// AllowNonRestored drops saved state the query no longer has an operator for.
	AllowNonRestored bool
}

// The settings (SET 'key' = 'value') of checkpointing, with Flink's older names.
var (
	intervalKeys = []string{"execution.checkpointing.interval"}
	dirKeys      = []string{"execution.checkpointing.dir", "state.checkpoints.dir"}
	retainedKeys = []string{"execution.checkpointing.retained", "execution.checkpointing.num-retained", "state.checkpoints.num-retained"}
)

func (s *Session) setting(keys []string) (string, string) {
	for _, k := range keys {
		if v, ok := s.Planner.Cat.Settings[k]; ok {
			return k, strings.TrimSpace(v)
		}
	}
	return "", ""
}

// setupCheckpoints enables checkpointing of job when the session's settings or options ask
// for it; pipeline names the job's subfolder.
func (s *Session) setupCheckpoints(job *Job, pipeline string) error {
	job.Pipeline = pipeline
	var interval time.Duration
	if k, v := s.setting(intervalKeys); v != "" {
		d, err := planner.ParseFlinkDuration(v)
		if err != nil {
			return fmt.Errorf("'%s': %v", k, err)
		}
		interval = d
	}
	dir := s.Checkpoints.StateDir
	if k, v := s.setting(dirKeys); v != "" {
		dir = strings.TrimPrefix(v, "file://")
		if s.AllowedPaths != nil && !pathAllowed(dir, s.AllowedPaths) {
			return fmt.Errorf("'%s' = '%s' lies outside the folders this server allows; leave it out and the server keeps the job's checkpoints in its --state-dir", k, v)
		}
	}
	if dir == "" {
		if s.Checkpoints.Restore != "" {
			return fmt.Errorf("a restored job checkpoints too, so it needs a folder: give eddy run --state-dir DIR (it may be the folder restored from) or SET 'execution.checkpointing.dir'")
		}
		if interval > 0 && !s.warnedNoDir {
			s.warnedNoDir = true
			s.warnf("eddy: 'execution.checkpointing.interval' is set, but checkpoints have no folder, so none are taken: give eddy run --state-dir DIR or SET 'execution.checkpointing.dir'\n")
		}
		return nil
	}
	retained := 3
	if k, v := s.setting(retainedKeys); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("'%s' must be a positive number, not '%s'", k, v)
		}
		retained = n
	}
	restore := s.Checkpoints.Restore
	if restore != "" {
		if st, err := os.Stat(filepath.Join(restore, pipeline)); err == nil && st.IsDir() {
			restore = filepath.Join(restore, pipeline)
		}
	}
	return job.EnableCheckpoints(CheckpointConfig{
		Dir: filepath.Join(dir, pipeline), Interval: interval, Retained: retained, Restore: restore, Resume: s.Checkpoints.Resume,
		AllowNonRestored: s.Checkpoints.AllowNonRestored,
		Warn:             func(msg string) { s.warnf("%s\n", strings.TrimRight(msg, "\n")) },
	})
}

// pipelineName names the checkpoint subfolder of a script's INSERT into table (or of a
// SELECT when table is ""), unique among the names already taken.
func pipelineName(table string, taken map[string]bool) string {
	base := "select"
	if table != "" {
		base = "insert-into-" + strings.ToLower(table)
	}
	name := base
	for n := 2; taken[name]; n++ {
		name = fmt.Sprintf("%s-%d", base, n)
	}
	taken[name] = true
	return name
}
