package kinesis

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/exec"
	"github.com/eddysql/eddy/internal/testpeer"
)

func newMem(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

func testCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// peer is a kinesalite of one test, with a client.
type peer struct {
	endpoint string
	cl       *kinesis.Client
}

func startPeer(t testing.TB) *peer {
	ep := testpeer.StartKinesalite(t)
	return &peer{endpoint: ep, cl: testpeer.NewKinesisClient(ep)}
}

func (p *peer) create(t testing.TB, stream string, shards int32) {
	t.Helper()
	require.NoError(t, testpeer.CreateKinesisStream(testCtx(t, 30*time.Second), p.cl, stream, shards))
}

func (p *peer) put(t testing.TB, stream string, recs []testpeer.KinesisRecord) {
	t.Helper()
	require.NoError(t, testpeer.PutKinesisRecords(testCtx(t, time.Minute), p.cl, stream, recs))
}

func (p *peer) split(t testing.TB, stream, shard string) {
	t.Helper()
	require.NoError(t, testpeer.SplitKinesisShard(testCtx(t, 30*time.Second), p.cl, stream, shard))
}

// bidSchema is (auction BIGINT, price DOUBLE, ts TIMESTAMP(3)).
var bidSchema = arrow.NewSchema([]arrow.Field{
	{Name: "auction", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "price", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
}, nil)

// bids makes n JSON bid records keyed by auction; record i has auction 1+i%keys and ts
// base+i*10 ms, so the text of row i is predictable.
func bids(from, n, keys int) []testpeer.KinesisRecord {
	var out []testpeer.KinesisRecord
	for i := from; i < from+n; i++ {
		a := 1 + i%keys
		out = append(out, testpeer.KinesisRecord{Key: fmt.Sprintf("a%d", a),
			Data: fmt.Appendf(nil, `{"auction":%d,"price":%d.5,"ts":%d}`, a, i, baseMs+int64(i)*10)})
	}
	return out
}

const baseMs = int64(1_793_491_200_000) // 2026-11-01 00:00:00 UTC

// badRecords collects bad records; safe for concurrent use.
type badRecords struct {
	mu  sync.Mutex
	got []connectors.BadRecord
}

func (b *badRecords) BadRecord(r connectors.BadRecord) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.got = append(b.got, r)
	return nil
}

// options are the WITH options of a test table of the peer's stream.
func (p *peer) options(stream string, kv ...string) map[string]string {
	o := map[string]string{"connector": "kinesis", "stream": stream, "aws.endpoint": p.endpoint, "aws.region": "us-east-1",
		"aws.credentials.provider": "BASIC", "aws.credentials.basic.accesskeyid": "x", "aws.credentials.basic.secretkey": "y",
		"format": "json", "scan.stream.initpos": "TRIM_HORIZON", "scan.shard.getrecords.intervalmillis": "20",
		"scan.shard.discovery.intervalmillis": "200"}
	for i := 0; i+1 < len(kv); i += 2 {
		o[kv[i]] = kv[i+1]
	}
	return o
}

func newSource(t testing.TB, mem memory.Allocator, schema *arrow.Schema, meta map[int]string, opts map[string]string, bad *badRecords) *tableSource {
	t.Helper()
	if bad == nil {
		bad = &badRecords{}
	}
	src, err := newTableSource(connectors.TableSpec{Name: "bids", Schema: schema, Options: opts, BatchSize: 256, Metadata: meta,
		BadRecords: bad, Mem: mem})
	require.NoError(t, err)
	return src
}

// collector records what a source emits.
type collector struct {
	mu      sync.Mutex
	kinds   []exec.MessageKind
	splits  []int32 // KindSplits counts, in order
	idle    []int32 // KindIdle splits, in order
	rows    map[int32][]string
	order   []string // "split:row" in emission order
	ended   bool
	last    any // last Position
	onBatch func(c *collector) error
	nRows   int
	noPos   int // messages without a position
}

func newCollector() *collector { return &collector{rows: map[int32][]string{}} }

func (c *collector) Emit(m exec.Message) error {
	// A batch onBatch refuses is not taken: the source stops before it.
	if f := c.onBatch; f != nil && m.Kind == exec.KindBatch {
		if err := f(c); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.kinds = append(c.kinds, m.Kind)
	if m.Position == nil {
		c.noPos++
	} else {
		c.last = m.Position
	}
	switch m.Kind {
	case exec.KindSplits:
		c.splits = append(c.splits, m.Split)
	case exec.KindIdle:
		c.idle = append(c.idle, m.Split)
	case exec.KindEnd:
		c.ended = true
	case exec.KindBatch:
		for r := 0; r < int(m.Batch.NumRows()); r++ {
			var vals []string
			for i := 0; i < int(m.Batch.NumCols()); i++ {
				vals = append(vals, format.TextValue(m.Batch.Column(i), r))
			}
			row := strings.Join(vals, " | ")
			c.rows[m.Split] = append(c.rows[m.Split], row)
			c.order = append(c.order, fmt.Sprintf("%d:%s", m.Split, row))
			c.nRows++
		}
	}
	return nil
}

func (c *collector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nRows
}

func (c *collector) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, rows := range c.rows {
		out = append(out, rows...)
	}
	return out
}

// bidRow is the text a bid record i becomes in bidSchema.
func bidRow(i, keys int) string {
	return fmt.Sprintf("%d | %d.5 | %s", 1+i%keys, i, time.UnixMilli(baseMs+int64(i)*10).UTC().Format("2006-01-02 15:04:05.000"))
}

// requireIncreasingPerSplit checks that each split's bid rows come in the order they were
// put (their price is their index).
func requireIncreasingPerSplit(t testing.TB, c *collector) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for split, rows := range c.rows {
		prev := -1
		for _, r := range rows {
			var a, price int
			fmt.Sscanf(r, "%d | %d.5", &a, &price)
			require.Greater(t, price, prev, "split %d: %s after price %d", split, r, prev)
			prev = price
		}
	}
}
