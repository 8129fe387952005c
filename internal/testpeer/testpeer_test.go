package testpeer

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestKcatProducesFranzReads: kcat (librdkafka) produces 1,000 keyed JSON lines into a
// 4-partition kfake topic; franz-go reads exactly those 1,000 values back, with their keys,
// spread over all 4 partitions.
func TestKcatProducesFranzReads(t *testing.T) {
	addr := StartKafka(t, 4, "events")
	var lines []string
	want := map[string]string{}
	for i := 0; i < 1000; i++ {
		v := fmt.Sprintf(`{"id":%d,"name":"user-%d","amount":%d.5}`, i, i%17, i*3)
		k := fmt.Sprintf("k%d", i)
		lines = append(lines, k+"\t"+v)
		want[v] = k
	}
	KcatProduce(t, addr, "events", lines, true)

	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("events"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got := map[string]string{}
	perPartition := map[int32]int{}
	for len(got) < 1000 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("read %d of 1000 records: %v", len(got), err)
		}
		for _, e := range fs.Errors() {
			t.Fatalf("fetch %s/%d: %v", e.Topic, e.Partition, e.Err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			var doc map[string]any
			if err := json.Unmarshal(r.Value, &doc); err != nil {
				t.Fatalf("record %d/%d is not JSON: %q", r.Partition, r.Offset, r.Value)
			}
			got[string(r.Value)] = string(r.Key)
			perPartition[r.Partition]++
		})
	}
	if len(got) != len(want) {
		t.Fatalf("got %d distinct records, want %d", len(got), len(want))
	}
	for v, k := range want {
		if got[v] != k {
			t.Fatalf("record %s: key %q, want %q", v, got[v], k)
		}
	}
	if len(perPartition) != 4 {
		t.Fatalf("records landed in partitions %v, want all 4", perPartition)
	}
}

// TestFranzTransactionsKcatReadCommitted: franz-go commits one transaction and aborts another;
// kcat with isolation.level=read_committed sees only the committed records, while kcat with
// read_uncommitted sees both (so the filter is not vacuous).
func TestFranzTransactionsKcatReadCommitted(t *testing.T) {
	addr := StartKafka(t, 4, "txn")
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("txn"),
		kgo.TransactionalID("testpeer-txn"), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	txn := func(prefix string, n int, commit kgo.TransactionEndTry) {
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			if err := cl.ProduceSync(ctx, kgo.StringRecord(fmt.Sprintf(`{"txn":"%s","i":%d}`, prefix, i))).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		if err := cl.EndTransaction(ctx, commit); err != nil {
			t.Fatal(err)
		}
	}
	txn("committed", 20, kgo.TryCommit)
	txn("aborted", 20, kgo.TryAbort)

	committed := KcatConsume(t, addr, "txn", true)
	sort.Strings(committed)
	if len(committed) != 20 {
		t.Fatalf("read_committed kcat saw %d records, want the 20 committed: %v", len(committed), committed)
	}
	for _, v := range committed {
		var doc struct{ Txn string }
		if err := json.Unmarshal([]byte(v), &doc); err != nil || doc.Txn != "committed" {
			t.Fatalf("read_committed kcat saw %q", v)
		}
	}
	all := KcatConsume(t, addr, "txn", false)
	if len(all) != 40 {
		t.Fatalf("read_uncommitted kcat saw %d records, want 40", len(all))
	}
}
