package engine

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/planner"
)

func (s *Session) buildOver(job *Job, x *planner.PhysOver, id func(string) string) (*arrow.Schema, wire, error) {
	return nil, nil, fmt.Errorf("OVER: pending")
}
