package server

import (
	"github.com/prometheus/client_golang/prometheus"
)

// collector exposes every job's pipelines as Prometheus metrics, read at scrape time.
type collector struct{ s *Server }

var (
	labels       = []string{"job", "pipeline"}
	mRecordsIn   = prometheus.NewDesc("eddy_records_in_total", "Records read by the pipeline's sources.", labels, nil)
	mRecordsOut  = prometheus.NewDesc("eddy_records_out_total", "Rows written by the pipeline.", labels, nil)
	mBad         = prometheus.NewDesc("eddy_bad_records_total", "Records that did not decode (skipped and reported).", labels, nil)
	mLate        = prometheus.NewDesc("eddy_late_records_total", "Records dropped as late (behind the watermark).", labels, nil)
	mWatermark   = prometheus.NewDesc("eddy_watermark_milliseconds", "The pipeline's current event-time watermark, epoch milliseconds.", labels, nil)
	mLag         = prometheus.NewDesc("eddy_source_lag_records", "Records of the source's input not read yet.", append(labels, "source"), nil)
	mCkpts       = prometheus.NewDesc("eddy_checkpoints_completed_total", "Checkpoints completed.", labels, nil)
	mCkptsFailed = prometheus.NewDesc("eddy_checkpoints_failed_total", "Checkpoints that failed (the job went on).", labels, nil)
	mCkptSecs    = prometheus.NewDesc("eddy_last_checkpoint_duration_seconds", "Duration of the last completed checkpoint.", labels, nil)
	mCkptBytes   = prometheus.NewDesc("eddy_last_checkpoint_bytes", "Size of the last completed checkpoint.", labels, nil)
	mUp          = prometheus.NewDesc("eddy_job_running", "1 when the job runs, 0 otherwise.", []string{"job", "status"}, nil)
)

// Describe implements prometheus.Collector.
func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{mRecordsIn, mRecordsOut, mBad, mLate, mWatermark, mLag, mCkpts, mCkptsFailed, mCkptSecs, mCkptBytes, mUp} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c collector) Collect(ch chan<- prometheus.Metric) {
	for _, info := range c.s.List() {
		up := 0.0
		if info.Status == Running {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(mUp, prometheus.GaugeValue, up, info.ID, string(info.Status))
		c.s.mu.Lock()
		j := c.s.jobs[info.ID]
		c.s.mu.Unlock()
		if j == nil {
			continue
		}
		j.mu.Lock()
		pipelines := j.running
		j.mu.Unlock()
		for _, p := range pipelines {
			l := []string{info.ID, p.Pipeline}
			ck := p.CheckpointStats()
			ch <- prometheus.MustNewConstMetric(mRecordsIn, prometheus.CounterValue, float64(p.Stats.RecordsIn.Load()), l...)
			ch <- prometheus.MustNewConstMetric(mRecordsOut, prometheus.CounterValue, float64(p.Stats.RecordsOut.Load()), l...)
			ch <- prometheus.MustNewConstMetric(mBad, prometheus.CounterValue, float64(p.Stats.BadRecords.Load()), l...)
			ch <- prometheus.MustNewConstMetric(mLate, prometheus.CounterValue, float64(p.Stats.Late.Load()), l...)
			ch <- prometheus.MustNewConstMetric(mWatermark, prometheus.GaugeValue, float64(p.Stats.Watermark.Load()), l...)
			ch <- prometheus.MustNewConstMetric(mCkpts, prometheus.CounterValue, float64(ck.Completed), l...)
			ch <- prometheus.MustNewConstMetric(mCkptsFailed, prometheus.CounterValue, float64(ck.Failed), l...)
			if ck.Last != nil {
				ch <- prometheus.MustNewConstMetric(mCkptSecs, prometheus.GaugeValue, ck.Last.Duration.Seconds(), l...)
				ch <- prometheus.MustNewConstMetric(mCkptBytes, prometheus.GaugeValue, float64(ck.Last.Bytes), l...)
			}
			for src, n := range p.SourceLag() {
				ch <- prometheus.MustNewConstMetric(mLag, prometheus.GaugeValue, float64(n), info.ID, p.Pipeline, src)
			}
		}
	}
}
