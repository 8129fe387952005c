package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/internal/testpeer"
	"github.com/eddysql/eddy/server"
)

// TestMain lets a test start this package's binary as a child process: with EDDY_TEST_MAIN
// set, the test binary is eddy itself (tests kill it with SIGKILL, which an in-process
// server would not survive).
func TestMain(m *testing.M) {
	if os.Getenv("EDDY_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// eddyProcess is eddy running as a child process.
type eddyProcess struct {
	cmd *exec.Cmd
	log *os.File
}

func startEddy(t *testing.T, logPath string, args ...string) *eddyProcess {
	t.Helper()
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "EDDY_TEST_MAIN=1")
	cmd.Stdout, cmd.Stderr = lf, lf
	require.NoError(t, cmd.Start())
	p := &eddyProcess{cmd: cmd, log: lf}
	t.Cleanup(func() { p.kill() })
	return p
}

func (p *eddyProcess) kill() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()
	}
	p.log.Close()
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t *testing.T, url, logPath string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(logPath)
	t.Fatalf("the server did not come up; its log:\n%s", b)
}

// TestServerKilledExactlyOnce is the check: a Kafka -> windowed aggregation ->
// exactly-once Kafka job is submitted to `eddy server`; input is produced in rounds while
// the server is killed with SIGKILL at random moments and started again on the same state
// folder. The job is never resubmitted, and a read_committed consumer sees exactly the rows
// a batch computation gives.
func TestServerKilledExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills servers")
	}
	const partitions = 4
	broker := testpeer.StartKafka(t, partitions, "bids", "counts")
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	logPath := filepath.Join(dir, "server.log")
	addr := freeAddr(t)
	url := "http://" + addr
	startServer := func() *eddyProcess {
		p := startEddy(t, logPath, "server", "--listen", addr, "--state-dir", state)
		waitHealthy(t, url, logPath)
		return p
	}
	script := fmt.Sprintf(`
CREATE TABLE bids (auction BIGINT, price BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)
WITH ('connector' = 'kafka', 'topic' = 'bids', 'properties.bootstrap.servers' = '%[1]s',
      'properties.group.id' = 'eddy-counts', 'scan.startup.mode' = 'earliest-offset', 'format' = 'json');
CREATE TABLE counts (window_start TIMESTAMP(3), auction BIGINT, n BIGINT, total BIGINT)
WITH ('connector' = 'kafka', 'topic' = 'counts', 'properties.bootstrap.servers' = '%[1]s', 'format' = 'json',
      'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = 'eddy-counts');
SET 'execution.checkpointing.interval' = '300 ms';
INSERT INTO counts
SELECT window_start, auction, COUNT(*), SUM(price)
FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '1' SECOND))
GROUP BY window_start, window_end, auction;
`, broker)
	jobFile := filepath.Join(dir, "job.sql")
	require.NoError(t, os.WriteFile(jobFile, []byte(script), 0o644))

	srv := startServer()
	code, out, errOut := runEddy(t, "submit", jobFile, "--server", url)
	require.Equal(t, 0, code, errOut)
	id := strings.TrimSpace(out)
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			jl, _ := os.ReadFile(filepath.Join(state, "jobs", id, "job.log"))
			t.Logf("server log:\n%s\njob log:\n%s", b, jl)
		}
	})

	producer, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	require.NoError(t, err)
	defer producer.Close()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d (kill moments)", seed)
	rng := rand.New(rand.NewPCG(seed, 5))
	type key struct{ ws, auction int64 }
	want := map[key][2]int64{}
	base := int64(1_700_000_000_000)
	ts := base
	produce := func(n int) {
		var recs []*kgo.Record
		for i := 0; i < n; i++ {
			ts += rng.Int64N(20)
			auction, price := 1+rng.Int64N(5), 1+rng.Int64N(100)
			k := key{ts - ts%1000, auction}
			w := want[k]
			want[k] = [2]int64{w[0] + 1, w[1] + price}
			recs = append(recs, &kgo.Record{Topic: "bids", Partition: int32(i % partitions),
				Value: fmt.Appendf(nil, `{"auction":%d,"price":%d,"ts":%d}`, auction, price, ts)})
		}
		require.NoError(t, producer.ProduceSync(context.Background(), recs...).FirstErr())
	}
	const kills = 6
	c := server.NewClient(url, "")
	var recovery []time.Duration
	for round := 0; round < kills; round++ {
		if round > 0 { // the first kill comes before the job's first checkpoint
			produce(2000)
			time.Sleep(time.Duration(50+rng.IntN(1500)) * time.Millisecond)
		}
		// Killed before any checkpoint completed, the job starts afresh: nothing to restore.
		restorable := false
		if j, err := c.Describe(id); err == nil && len(j.Pipelines) > 0 {
			restorable = j.Pipelines[0].LastCheckpoint != nil || j.Pipelines[0].RestoredFrom != nil
		}
		srv.kill()
		start := time.Now()
		srv = startServer()
		// Recovery: from the restart until the job runs again from its checkpoint.
		for time.Since(start) < 30*time.Second {
			if j, err := c.Describe(id); err == nil && len(j.Pipelines) > 0 && (!restorable || j.Pipelines[0].RestoredFrom != nil) {
				recovery = append(recovery, time.Since(start))
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	t.Logf("recovery after SIGKILL (process start to job restored): %v", recovery)
	produce(2000)
	// Close every window: one record per partition far ahead (its own window stays open).
	var last []*kgo.Record
	for p := 0; p < partitions; p++ {
		last = append(last, &kgo.Record{Topic: "bids", Partition: int32(p), Value: fmt.Appendf(nil, `{"auction":0,"price":0,"ts":%d}`, ts+60_000)})
	}
	require.NoError(t, producer.ProduceSync(context.Background(), last...).FirstErr())

	var wantLines []string
	for k, v := range want {
		wantLines = append(wantLines, fmt.Sprintf("%s %d %d %d", time.UnixMilli(k.ws).UTC().Format("2006-01-02 15:04:05.000"), k.auction, v[0], v[1]))
	}
	sort.Strings(wantLines)
	got := readCommitted(t, broker, "counts", len(wantLines), 90*time.Second)
	sort.Strings(got)
	require.Equal(t, len(wantLines), len(got), "rows read back")
	require.Equal(t, strings.Join(wantLines, "\n"), strings.Join(got, "\n"))

	// The job was resumed, never resubmitted, and reports its checkpoints.
	jobs, err := c.List()
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	require.Equal(t, id, jobs[0].ID)
	require.Equal(t, server.Running, jobs[0].Status)
	require.Equal(t, kills, jobs[0].Restarts)
	require.NotEmpty(t, jobs[0].Pipelines)
	require.NotNil(t, jobs[0].Pipelines[0].RestoredFrom)
	code, out, errOut = runEddy(t, "describe", id, "--server", url)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "checkpoints")
	t.Logf("%d window rows after %d kills; describe:\n%s", len(got), kills, out)
	code, out, errOut = runEddy(t, "stop", id, "--savepoint", "--server", url)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "savepoint: ")
}

// readCommitted reads a topic as a read_committed consumer until it holds want records and
// no more arrive for a while, or the timeout passes; it returns the records as
// "window_start auction n total" lines.
func readCommitted(t *testing.T, broker, topic string, want int, timeout time.Duration) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	require.NoError(t, err)
	defer cl.Close()
	var out []string
	deadline := time.Now().Add(timeout)
	var settled time.Time
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		fs := cl.PollFetches(ctx)
		cancel()
		fs.EachRecord(func(r *kgo.Record) {
			var row struct {
				WindowStart string `json:"window_start"`
				Auction     int64  `json:"auction"`
				N           int64  `json:"n"`
				Total       int64  `json:"total"`
			}
			require.NoError(t, json.Unmarshal(r.Value, &row), string(r.Value))
			out = append(out, fmt.Sprintf("%s %d %d %d", row.WindowStart, row.Auction, row.N, row.Total))
		})
		if len(out) >= want {
			if settled.IsZero() {
				settled = time.Now()
			}
			if time.Since(settled) > 2*time.Second { // duplicates would show up by now
				break
			}
		}
	}
	return out
}
