package kinesis

import (
	"encoding/json"
	"fmt"
	"maps"
)

// Position is where a Kinesis source stands: for every shard it knows, its split number and
// how far it was read. A Position is immutable once emitted (exec.Message.Position): the
// source makes a new one for every message that changes it.
type Position struct {
	Stream string
	Shards map[string]ShardPosition // by shard id
}

// ShardPosition is the progress of one shard.
type ShardPosition struct {
	// Split is the shard's partition number in the source's watermark (exec.KindSplits).
	Split int32 `json:"split"`
	// Seq is the sequence number of the last record read (emitted or skipped as bad); ""
	// before the first.
	Seq string `json:"seq,omitempty"`
	// Done: the shard was read to its end (closed) or to its bounded end, or is not read at
	// all (closed before a LATEST start).
	Done bool `json:"done,omitempty"`
	// Start says where a shard with no Seq starts: "TRIM_HORIZON" or "AT_TIMESTAMP:<epoch
	// ms>" ("" means TRIM_HORIZON).
	Start string `json:"start,omitempty"`
	// End, in a bounded read, is the sequence number of the first record past the bound
	// when it is known; records at or after it are not read.
	End string `json:"end,omitempty"`
}

// positionVersion is the version of EncodePosition's format.
const positionVersion = 1

type encodedPosition struct {
	Version   int                      `json:"version"`
	Connector string                   `json:"connector"`
	Stream    string                   `json:"stream"`
	Shards    map[string]ShardPosition `json:"shards"`
}

// with returns a copy of p with shard id set to sp.
func (p *Position) with(id string, sp ShardPosition) *Position {
	q := &Position{Stream: p.Stream, Shards: maps.Clone(p.Shards)}
	if q.Shards == nil {
		q.Shards = map[string]ShardPosition{}
	}
	q.Shards[id] = sp
	return q
}

func encodePosition(pos any) ([]byte, error) {
	p, ok := pos.(*Position)
	if !ok || p == nil {
		return nil, fmt.Errorf("kinesis: cannot encode position %T", pos)
	}
	return json.Marshal(encodedPosition{Version: positionVersion, Connector: "kinesis", Stream: p.Stream, Shards: p.Shards})
}

func decodePosition(b []byte, stream string) (*Position, error) {
	var e encodedPosition
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("kinesis: the saved position is not a Kinesis position: %v", err)
	}
	if e.Connector != "kinesis" {
		return nil, fmt.Errorf("kinesis: the saved position is not a Kinesis position")
	}
	if e.Version != positionVersion {
		return nil, fmt.Errorf("kinesis: the saved position has version %d; this eddy reads version %d", e.Version, positionVersion)
	}
	if e.Stream != stream {
		return nil, fmt.Errorf("kinesis: the saved position is of stream '%s', not '%s'", e.Stream, stream)
	}
	if e.Shards == nil {
		e.Shards = map[string]ShardPosition{}
	}
	return &Position{Stream: e.Stream, Shards: e.Shards}, nil
}

// compareSeq orders two Kinesis sequence numbers (decimal strings of up to 128 digits
// without leading zeros).
func compareSeq(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
