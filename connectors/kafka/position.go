package kafka

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// position is a Kafka source's checkpoint position: the next offset to read of each
// partition. Each batch carries a new one (connectors.Resumable): parts is shared, next is
// copied.
type position struct {
	parts []TopicPartition
	next  []int64
}

// advance returns the position after partition i moved to offset next.
func (p *position) advance(i int32, next int64) *position {
	n := &position{parts: p.parts, next: append([]int64(nil), p.next...)}
	n.next[i] = next
	*p = *n
	return n
}

// savedPosition is a position as a checkpoint stores it.
type savedPosition struct {
	Version int              `json:"v"`
	Offsets map[string]int64 `json:"offsets"` // "topic/partition" -> next offset
}

// EncodePosition implements connectors.Resumable. It also hands the offsets to the job's
// exactly-once sinks, which commit them to the source's consumer group with the
// checkpoint's transaction.
func (s *tableSource) EncodePosition(pos any) ([]byte, error) {
	p, ok := pos.(*position)
	if !ok {
		return nil, fmt.Errorf("table '%s': not a Kafka position: %T", s.spec.Name, pos)
	}
	sp := savedPosition{Version: 1, Offsets: map[string]int64{}}
	offsets := map[TopicPartition]int64{}
	for i, tp := range p.parts {
		sp.Offsets[tp.String()] = p.next[i]
		offsets[tp] = p.next[i]
	}
	if s.progress != nil {
		s.progress.checkpointed(offsets)
	}
	return json.Marshal(sp)
}

// ResumeAt implements connectors.Resumable: each saved partition starts at its saved
// offset; partitions added since start by 'scan.startup.mode'.
func (s *tableSource) ResumeAt(b []byte) error {
	var sp savedPosition
	if err := json.Unmarshal(b, &sp); err != nil || sp.Version != 1 {
		return fmt.Errorf("table '%s': the saved position is not a Kafka position", s.spec.Name)
	}
	s.resume = map[TopicPartition]int64{}
	for k, o := range sp.Offsets {
		i := strings.LastIndexByte(k, '/')
		p, err := strconv.ParseInt(k[i+1:], 10, 32)
		if i < 0 || err != nil {
			return fmt.Errorf("table '%s': bad partition %q in the saved position", s.spec.Name, k)
		}
		s.resume[TopicPartition{Topic: k[:i], Partition: int32(p)}] = o
	}
	return nil
}
