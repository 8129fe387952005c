package testpeer

// Kinesis: StartKinesalite runs kinesalite (the npm package, an implementation of the Kinesis
// Data Streams API in Node) on 127.0.0.1 on a free port, stopped when the test ends. It is
// installed with npm into KinesaliteDir when missing; a test is skipped, saying why, only
// when node is not installed. The Kinesis* helpers create streams, put, split and read
// records with the AWS SDK, as a user's tool would.

import (
	"bufio"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

//go:embed kinesalite.js
var kinesaliteJS []byte

// KinesaliteVersion is the kinesalite release the tests run.
const KinesaliteVersion = "3.3.3"

// KinesaliteDir is where kinesalite is installed: $EDDY_KINESALITE_DIR, else
// $HOME/.cache/eddy-kinesalite (scripts/test.sh installs it there).
func KinesaliteDir() string {
	if d := os.Getenv("EDDY_KINESALITE_DIR"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, ".cache", "eddy-kinesalite")
}

var (
	installOnce sync.Once
	installErr  error
	errNoNode   = errors.New("node is not installed (Node.js 18 or later runs kinesalite, the Kinesis peer of these tests)")
)

// InstallKinesalite makes sure node and kinesalite are there, running `npm install` into
// KinesaliteDir when kinesalite is missing (serialized across processes by a lock file).
func InstallKinesalite() error {
	installOnce.Do(func() { installErr = install() })
	return installErr
}

func install() error {
	if _, err := exec.LookPath("node"); err != nil {
		return errNoNode
	}
	dir := KinesaliteDir()
	pkg := filepath.Join(dir, "node_modules", "kinesalite", "package.json")
	if _, err := os.Stat(pkg); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(pkg); err == nil {
		return nil // another process installed it while this one waited
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return fmt.Errorf("kinesalite is not installed in %s and there is no npm to install it: run npm install --prefix %s kinesalite@%s", dir, dir, KinesaliteVersion)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--prefix", dir, "kinesalite@"+KinesaliteVersion).CombinedOutput()
	if err != nil {
		return fmt.Errorf("npm install kinesalite@%s: %v: %s", KinesaliteVersion, err, lastLines(out, 5))
	}
	return nil
}

// Kinesalite is a running kinesalite process.
type Kinesalite struct {
	// Endpoint is its URL, http://127.0.0.1:PORT.
	Endpoint string
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	stderr   *lockedBuf
}

type lockedBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// RunKinesalite starts kinesalite on 127.0.0.1:port (0: a free port), keeping data in memory
// (dataDir "") or in a LevelDB folder. It installs kinesalite first when needed.
func RunKinesalite(port int, dataDir string) (*Kinesalite, error) {
	if err := InstallKinesalite(); err != nil {
		return nil, err
	}
	dir := KinesaliteDir()
	script := filepath.Join(dir, "eddy-kinesalite.js")
	if old, err := os.ReadFile(script); err != nil || string(old) != string(kinesaliteJS) {
		tmp := fmt.Sprintf("%s.%d", script, os.Getpid())
		if err := os.WriteFile(tmp, kinesaliteJS, 0o644); err != nil {
			return nil, err
		}
		if err := os.Rename(tmp, script); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command("node", script, dir, strconv.Itoa(port), dataDir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	k := &Kinesalite{cmd: cmd, stdin: stdin, stderr: &lockedBuf{}}
	cmd.Stderr = k.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting kinesalite: %v", err)
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		close(lines)
	}()
	select {
	case l, ok := <-lines:
		if !ok || !strings.HasPrefix(l, "port ") {
			k.Close()
			return nil, fmt.Errorf("kinesalite did not start: %s", k.stderr.String())
		}
		k.Endpoint = "http://127.0.0.1:" + strings.TrimPrefix(l, "port ")
	case <-time.After(30 * time.Second):
		k.Close()
		return nil, fmt.Errorf("kinesalite did not start within 30 s: %s", k.stderr.String())
	}
	return k, nil
}

// Close stops kinesalite and waits for it.
func (k *Kinesalite) Close() {
	k.stdin.Close()
	done := make(chan struct{})
	go func() { k.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		k.cmd.Process.Kill()
		<-done
	}
}

// Wait waits until kinesalite exits.
func (k *Kinesalite) Wait() error { return k.cmd.Wait() }

// StartKinesalite starts kinesalite for one test and returns its endpoint URL. It skips the
// test when node is not installed, and fails it when kinesalite cannot be installed or run.
func StartKinesalite(t testing.TB) (endpoint string) {
	t.Helper()
	k, err := RunKinesalite(0, "")
	if errors.Is(err, errNoNode) {
		t.Skipf("testpeer: %v", err)
	}
	if err != nil {
		t.Fatalf("testpeer: %v", err)
	}
	t.Cleanup(k.Close)
	return k.Endpoint
}

// NewKinesisClient is an AWS SDK client of the Kinesis endpoint with dummy credentials.
func NewKinesisClient(endpoint string) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("eddy", "eddy", ""),
		Retryer:      aws.NopRetryer{},
	})
}

// CreateKinesisStream creates a stream of shards shards and waits until it is ACTIVE.
func CreateKinesisStream(ctx context.Context, cl *kinesis.Client, name string, shards int32) error {
	if _, err := cl.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
		return fmt.Errorf("CreateStream %s: %v", name, err)
	}
	return waitActive(ctx, cl, name)
}

func waitActive(ctx context.Context, cl *kinesis.Client, name string) error {
	for {
		out, err := cl.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		if err != nil {
			return fmt.Errorf("DescribeStreamSummary %s: %v", name, err)
		}
		if out.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// KinesisRecord is one record to put or read back.
type KinesisRecord struct {
	Key   string // partition key
	Data  []byte
	Shard string // read back: the shard it was read from
	Seq   string // read back: its sequence number
}

// PutKinesisRecords puts recs in order with PutRecords, 500 at a time, retrying rejected
// records, and returns where each went (Shard, Seq filled in).
func PutKinesisRecords(ctx context.Context, cl *kinesis.Client, stream string, recs []KinesisRecord) error {
	for start := 0; start < len(recs); start += 500 {
		batch := recs[start:min(start+500, len(recs))]
		entries := make([]types.PutRecordsRequestEntry, len(batch))
		for i, r := range batch {
			entries[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(r.Key), Data: r.Data}
		}
		out, err := cl.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
		if err != nil {
			return fmt.Errorf("PutRecords %s: %v", stream, err)
		}
		if aws.ToInt32(out.FailedRecordCount) > 0 {
			return fmt.Errorf("PutRecords %s: %d records failed", stream, aws.ToInt32(out.FailedRecordCount))
		}
		for i, rr := range out.Records {
			batch[i].Shard, batch[i].Seq = aws.ToString(rr.ShardId), aws.ToString(rr.SequenceNumber)
		}
	}
	return nil
}

// SplitKinesisShard splits an open shard at the middle of its hash key range and waits until
// the stream is ACTIVE again; the two children take the records put from then on.
func SplitKinesisShard(ctx context.Context, cl *kinesis.Client, stream, shardID string) error {
	out, err := cl.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		return fmt.Errorf("ListShards %s: %v", stream, err)
	}
	for _, s := range out.Shards {
		if aws.ToString(s.ShardId) != shardID {
			continue
		}
		lo, _ := new(big.Int).SetString(aws.ToString(s.HashKeyRange.StartingHashKey), 10)
		hi, _ := new(big.Int).SetString(aws.ToString(s.HashKeyRange.EndingHashKey), 10)
		mid := new(big.Int).Rsh(new(big.Int).Add(lo, hi), 1)
		mid.Add(mid, big.NewInt(1))
		if _, err := cl.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: aws.String(stream), ShardToSplit: aws.String(shardID),
			NewStartingHashKey: aws.String(mid.String())}); err != nil {
			return fmt.Errorf("SplitShard %s %s: %v", stream, shardID, err)
		}
		return waitActive(ctx, cl, stream)
	}
	return fmt.Errorf("stream %s has no shard %s", stream, shardID)
}

// ReadKinesisStream reads every record of the stream: each shard from TRIM_HORIZON to its
// end (closed shards) or its tip (open ones), parents before children.
func ReadKinesisStream(ctx context.Context, cl *kinesis.Client, stream string) ([]KinesisRecord, error) {
	var shards []types.Shard
	in := &kinesis.ListShardsInput{StreamName: aws.String(stream)}
	for {
		out, err := cl.ListShards(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("ListShards %s: %v", stream, err)
		}
		shards = append(shards, out.Shards...)
		if out.NextToken == nil {
			break
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
	sort.Slice(shards, func(i, j int) bool { return aws.ToString(shards[i].ShardId) < aws.ToString(shards[j].ShardId) })
	var recs []KinesisRecord
	for _, s := range shards {
		id := aws.ToString(s.ShardId)
		it, err := cl.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: aws.String(id),
			ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			return nil, fmt.Errorf("GetShardIterator %s %s: %v", stream, id, err)
		}
		iter := it.ShardIterator
		for iter != nil {
			out, err := cl.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				return nil, fmt.Errorf("GetRecords %s %s: %v", stream, id, err)
			}
			for _, r := range out.Records {
				recs = append(recs, KinesisRecord{Key: aws.ToString(r.PartitionKey), Data: r.Data, Shard: id, Seq: aws.ToString(r.SequenceNumber)})
			}
			if len(out.Records) == 0 && aws.ToInt64(out.MillisBehindLatest) == 0 && (s.SequenceNumberRange.EndingSequenceNumber == nil) {
				break // the tip of an open shard
			}
			iter = out.NextShardIterator
		}
	}
	return recs, nil
}
