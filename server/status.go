package server

import (
	"sync"
	"time"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/exec"
)

// JobInfo is a job's status as the API returns it.
type JobInfo struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Status     Status     `json:"status"`
	Error      string     `json:"error,omitempty"`
	Submitted  time.Time  `json:"submitted"`
	Restarts   int        `json:"restarts"`
	Savepoints []string   `json:"savepoints,omitempty"`
	Pipelines  []Pipeline `json:"pipelines"`
	SQL        string     `json:"sql,omitempty"`
}

// Pipeline is the status of one INSERT of a job.
type Pipeline struct {
	Name             string  `json:"name"`
	RecordsIn        int64   `json:"records_in"`
	RecordsOut       int64   `json:"records_out"`
	RecordsPerSecond float64 `json:"records_in_per_second"`
	// Watermark is the current event-time watermark (RFC 3339), "" before the first.
	Watermark   string `json:"watermark,omitempty"`
	LateRecords int64  `json:"late_records"`
	BadRecords  int64  `json:"bad_records"`
	// SourceLag is, per source table, how many records it has not read yet (Kafka: end
	// offsets minus positions), when the source can tell.
	SourceLag           map[string]int64       `json:"source_lag,omitempty"`
	Checkpoints         int64                  `json:"checkpoints_completed"`
	CheckpointsFailed   int64                  `json:"checkpoints_failed"`
	LastCheckpoint      *engine.CheckpointInfo `json:"last_checkpoint,omitempty"`
	LastCheckpointError string                 `json:"last_checkpoint_error,omitempty"`
	RestoredFrom        *engine.CheckpointInfo `json:"restored_from,omitempty"`
	UptimeSeconds       float64                `json:"uptime_seconds"`
}

// Describe returns a job's status.
func (s *Server) Describe(id string) (JobInfo, error) {
	j, err := s.job(id)
	if err != nil {
		return JobInfo{}, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	info := JobInfo{ID: j.rec.ID, Name: j.rec.Name, Status: j.rec.Status, Error: j.rec.Error, Submitted: j.rec.Submitted,
		Restarts: j.rec.Restarts, Savepoints: j.rec.Savepoints, SQL: j.rec.SQL, Pipelines: []Pipeline{}}
	for i, p := range j.running {
		pi := pipelineInfo(p)
		if i < len(j.rates) {
			pi.RecordsPerSecond = j.rates[i].rate()
		}
		info.Pipelines = append(info.Pipelines, pi)
	}
	return info, nil
}

func pipelineInfo(p *engine.Job) Pipeline {
	st := p.Stats
	ck := p.CheckpointStats()
	out := Pipeline{Name: p.Pipeline, RecordsIn: st.RecordsIn.Load(), RecordsOut: st.RecordsOut.Load(), LateRecords: st.Late.Load(),
		BadRecords: st.BadRecords.Load(), Checkpoints: ck.Completed, CheckpointsFailed: ck.Failed, LastCheckpoint: ck.Last,
		LastCheckpointError: ck.LastError, RestoredFrom: ck.Restored, UptimeSeconds: time.Since(p.Started).Seconds(), SourceLag: p.SourceLag()}
	if wm := st.Watermark.Load(); wm != exec.MinWatermark {
		out.Watermark = time.UnixMilli(wm).UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return out
}

// sampleRates records, every second, the input counters of the running pipelines.
func (s *Server) sampleRates(stop <-chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		for _, j := range s.all() {
			j.mu.Lock()
			for len(j.rates) < len(j.running) {
				j.rates = append(j.rates, &rateMeter{})
			}
			for i, p := range j.running {
				j.rates[i].observe(p.Stats.RecordsIn.Load())
			}
			j.mu.Unlock()
		}
	}
}

// rateMeter turns a growing counter into a rate over the last few seconds.
type rateMeter struct {
	mu      sync.Mutex
	samples []sample
	last    float64
}

func (r *rateMeter) rate() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

type sample struct {
	t time.Time
	n int64
}

// observe records the counter's value now and returns its rate per second over the
// samples of the last 10 seconds.
func (r *rateMeter) observe(n int64) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	r.samples = append(r.samples, sample{now, n})
	for len(r.samples) > 2 && now.Sub(r.samples[0].t) > 10*time.Second {
		r.samples = r.samples[1:]
	}
	first := r.samples[0]
	if d := now.Sub(first.t).Seconds(); d > 0.2 {
		r.last = float64(n-first.n) / d
	}
	return r.last
}
