package kafka

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/eddysql/eddy/connectors"
)

// Checkpoints of an exactly-once sink (connectors.CheckpointSink). The open transaction
// holds everything written since the last checkpoint; CommitCheckpoint commits it together
// with two kinds of consumer-group offsets:
//
//   - the positions of the job's Kafka sources at the checkpoint, under their own groups
//     ('properties.group.id'), so that lag tools see the job's progress;
//   - a marker: in the group markerGroup(transactional id), partition 0 of the sink's topic
//     at "offset" n, the checkpoint's number. It becomes visible exactly when the
//     transaction commits, so after a crash CommittedCheckpoint reads which checkpoint's
//     output is in the topic, even when the job died before recording it as complete.
//
// Under checkpoints nothing else commits: a crash or a failed job leaves the open
// transaction to be aborted when the restarted job's producer takes the transactional id.

var _ connectors.CheckpointSink = (*tableSink)(nil)

// markerGroup is the consumer group holding the number of the last checkpoint committed by
// the transactional id.
func markerGroup(txnID string) string { return "eddy-checkpoint." + txnID }

// Recover implements connectors.CheckpointSink: from now on transactions commit only at
// checkpoints. The transaction a crash left open was aborted when this sink's producer
// took the transactional id.
func (s *tableSink) Recover(n int64, state []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checkpointed = true
	return nil
}

// PrepareCheckpoint implements connectors.CheckpointSink: every record of the open
// transaction reaches the brokers.
func (s *tableSink) PrepareCheckpoint(n int64) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := s.w.Flush(ctx); err != nil {
		return nil, fmt.Errorf("table '%s': %v", s.name, err)
	}
	return nil, nil
}

// CommitCheckpoint implements connectors.CheckpointSink.
func (s *tableSink) CommitCheckpoint(n int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.exactly {
		return nil // at-least-once: PrepareCheckpoint flushed
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	groups := checkpointGroups(s.job, s.brokers)
	groups[markerGroup(s.w.cfg.TransactionalID())] = map[TopicPartition]int64{{Topic: s.topic, Partition: 0}: n}
	if err := s.w.CommitWithOffsets(ctx, groups); err != nil {
		return fmt.Errorf("table '%s': committing the Kafka transaction of checkpoint %d: %v", s.name, n, err)
	}
	s.lastTxn = time.Now()
	return s.w.Begin()
}

// CommittedCheckpoint implements connectors.CheckpointSink.
func (s *tableSink) CommittedCheckpoint() (int64, error) {
	if !s.exactly {
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := kadm.NewClient(s.w.cl).FetchOffsets(ctx, markerGroup(s.w.cfg.TransactionalID()))
	if errors.Is(err, kerr.GroupIDNotFound) {
		return 0, nil // no checkpoint committed yet (the job died before its first)
	}
	if err != nil {
		return 0, fmt.Errorf("table '%s': reading the checkpoint marker: %v", s.name, err)
	}
	if o, ok := resp.Lookup(s.topic, 0); ok && o.Err == nil {
		return o.At, nil
	}
	return 0, nil
}
