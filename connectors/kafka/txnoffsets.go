package kafka

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/eddysql/eddy/connectors"
)

// CommitWithOffsets is Commit that also commits consumer groups' offsets inside the
// transaction (Kafka's consume-transform-produce): read_committed readers see the records
// exactly when the groups' positions move past the input that produced them.
func (w *Writer) CommitWithOffsets(ctx context.Context, groups map[string]map[TopicPartition]int64) error {
	if !w.inTxn {
		return fmt.Errorf("kafka: Commit without Begin")
	}
	if len(groups) > 0 {
		if err := w.cl.Flush(ctx); err != nil {
			return err
		}
	}
	for group, offsets := range groups {
		if err := w.addOffsets(ctx, group, offsets); err != nil {
			return fmt.Errorf("kafka: committing the offsets of group '%s' in transaction %s: %w", group, w.cfg.TransactionalID(), err)
		}
	}
	return w.Commit(ctx)
}

// sourceProgress is what a Kafka source of a job tells the job's Kafka sinks: its group and,
// once a bounded read has delivered everything, the offsets after its last records.
type sourceProgress struct {
	brokers  string
	group    string
	finished bool
	offsets  map[TopicPartition]int64
	// atCheckpoint are the offsets of the checkpoint being taken (nil: none yet).
	atCheckpoint map[TopicPartition]int64
	mu           sync.Mutex
}

func (p *sourceProgress) checkpointed(offsets map[TopicPartition]int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.atCheckpoint = offsets
}

// checkpointGroups lists the offsets of the job's Kafka sources with a consumer group on
// brokers at the checkpoint being taken: an exactly-once sink commits them with its output.
func checkpointGroups(job *connectors.JobShared, brokers string) map[string]map[TopicPartition]int64 {
	return sourceGroups(job, brokers, func(p *sourceProgress) map[TopicPartition]int64 { return p.atCheckpoint })
}

// sourceGroups collects, per consumer group, the offsets pick returns (nil: none) of the
// job's Kafka sources with a group on brokers.
func sourceGroups(job *connectors.JobShared, brokers string, pick func(*sourceProgress) map[TopicPartition]int64) map[string]map[TopicPartition]int64 {
	out := map[string]map[TopicPartition]int64{}
	if job == nil {
		return out
	}
	for _, v := range job.All(progressKey) {
		p := v.(*sourceProgress)
		p.mu.Lock()
		if offsets := pick(p); offsets != nil && p.group != "" && p.brokers == brokers {
			if out[p.group] == nil {
				out[p.group] = map[TopicPartition]int64{}
			}
			for tp, o := range offsets {
				out[p.group][tp] = o
			}
		}
		p.mu.Unlock()
	}
	return out
}

const progressKey = "kafka.source-progress"

func (p *sourceProgress) finish(offsets map[TopicPartition]int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished, p.offsets = true, offsets
}

// finishedGroups lists the offsets of the job's Kafka sources on brokers that finished a
// bounded read with a consumer group: an exactly-once sink commits them with its output.
func finishedGroups(job *connectors.JobShared, brokers string) map[string]map[TopicPartition]int64 {
	return sourceGroups(job, brokers, func(p *sourceProgress) map[TopicPartition]int64 {
		if p.finished {
			return p.offsets
		}
		return nil
	})
}

func brokerKey(c *Config) string {
	b := append([]string(nil), c.Brokers...)
	sort.Strings(b)
	return strings.Join(b, ",")
}

// addOffsets adds the group to the open transaction (AddOffsetsToTxn) and commits its
// offsets in it (TxnOffsetCommit); they take effect when the transaction commits.
func (w *Writer) addOffsets(ctx context.Context, group string, offsets map[TopicPartition]int64) error {
	id, epoch, err := w.cl.ProducerID(ctx)
	if err != nil {
		return err
	}
	txnID := w.cfg.TransactionalID()
	add := kmsg.NewPtrAddOffsetsToTxnRequest()
	add.TransactionalID, add.ProducerID, add.ProducerEpoch, add.Group = txnID, id, epoch, group
	resp, err := add.RequestWith(ctx, w.cl)
	if err != nil {
		return err
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return err
	}
	commit := kmsg.NewPtrTxnOffsetCommitRequest()
	commit.TransactionalID, commit.Group, commit.ProducerID, commit.ProducerEpoch = txnID, group, id, epoch
	commit.Generation, commit.MemberID = -1, ""
	byTopic := map[string][]kmsg.TxnOffsetCommitRequestTopicPartition{}
	for tp, o := range offsets {
		p := kmsg.NewTxnOffsetCommitRequestTopicPartition()
		p.Partition, p.Offset, p.LeaderEpoch = tp.Partition, o, -1
		byTopic[tp.Topic] = append(byTopic[tp.Topic], p)
	}
	// Newer brokers name topics by id in this request, older ones by name: send both.
	var topics []string
	for topic := range byTopic {
		topics = append(topics, topic)
	}
	details, err := kadm.NewClient(w.cl).ListTopics(ctx, topics...)
	if err != nil {
		return err
	}
	for topic, parts := range byTopic {
		t := kmsg.NewTxnOffsetCommitRequestTopic()
		t.Topic, t.Partitions = topic, parts
		t.TopicID = details[topic].ID
		commit.Topics = append(commit.Topics, t)
	}
	cresp, err := commit.RequestWith(ctx, w.cl)
	if err != nil {
		return err
	}
	for _, t := range cresp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return fmt.Errorf("%s/%d: %w", t.Topic, p.Partition, err)
			}
		}
	}
	return nil
}
