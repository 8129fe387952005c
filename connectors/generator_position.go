package connectors

import (
	"encoding/json"
	"fmt"
)

// rowsPosition is the checkpoint position of a generator: how many rows it has emitted, and
// for datagen the state of each field's generator after them, so that a restored job
// generates the same rows it would have.
type rowsPosition struct {
	Version int        `json:"v"`
	Rows    int64      `json:"rows"`
	Fields  []genState `json:"fields,omitempty"`
}

type genState struct {
	Name string `json:"name"`
	PCG  []byte `json:"pcg"`
	Next int64  `json:"next"`
}

func decodeRowsPosition(table string, b []byte) (rowsPosition, error) {
	var p rowsPosition
	if err := json.Unmarshal(b, &p); err != nil || p.Version != 1 {
		return p, fmt.Errorf("table '%s': the saved position is not a generator's", table)
	}
	return p, nil
}

func (s *DatagenSource) position(rows int64) rowsPosition {
	p := rowsPosition{Version: 1, Rows: rows, Fields: make([]genState, len(s.fields))}
	for i, g := range s.fields {
		b, _ := g.pcg.MarshalBinary()
		p.Fields[i] = genState{Name: g.name, PCG: b, Next: g.next}
	}
	return p
}

// EncodePosition implements Resumable.
func (s *DatagenSource) EncodePosition(pos any) ([]byte, error) { return json.Marshal(pos) }

// ResumeAt implements Resumable: the fields' generators continue from their saved state.
func (s *DatagenSource) ResumeAt(b []byte) error {
	p, err := decodeRowsPosition(s.spec.Name, b)
	if err != nil {
		return err
	}
	if len(p.Fields) != len(s.fields) {
		return fmt.Errorf("table '%s': the saved position has %d generated columns, the table reads %d", s.spec.Name, len(p.Fields), len(s.fields))
	}
	for i, g := range s.fields {
		f := p.Fields[i]
		if f.Name != g.name {
			return fmt.Errorf("table '%s': the saved position generates column %s where the table reads %s", s.spec.Name, f.Name, g.name)
		}
		if err := g.pcg.UnmarshalBinary(f.PCG); err != nil {
			return fmt.Errorf("table '%s': column %s: %v", s.spec.Name, g.name, err)
		}
		g.next = f.Next
	}
	s.resumed = p.Rows
	return nil
}

// EncodePosition implements Resumable.
func (s *NexmarkSource) EncodePosition(pos any) ([]byte, error) { return json.Marshal(pos) }

// ResumeAt implements Resumable: the stream is a function of the event number, so the
// source continues at the saved row.
func (s *NexmarkSource) ResumeAt(b []byte) error {
	p, err := decodeRowsPosition(s.spec.Name, b)
	if err != nil {
		return err
	}
	s.resumed = p.Rows
	return nil
}
