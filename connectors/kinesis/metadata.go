package kinesis

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddysql/eddy/connectors"
)

// metadataDocs are the METADATA keys a Kinesis source fills: eddy's names, and Flink's
// ('timestamp', 'shard-id', 'sequence-number') for the same values.
var metadataDocs = map[string]string{
	"shard_id":                      "STRING: the id of the record's shard",
	"sequence_number":               "STRING: the record's sequence number in its shard",
	"approximate_arrival_timestamp": "TIMESTAMP_LTZ(3): when Kinesis received the record",
	"partition_key":                 "STRING or BYTES: the record's partition key",
	"shard-id":                      "STRING: Flink's name for shard_id",
	"sequence-number":               "STRING: Flink's name for sequence_number",
	"timestamp":                     "TIMESTAMP_LTZ(3): Flink's name for approximate_arrival_timestamp",
}

// canonicalKey maps Flink's names to eddy's.
func canonicalKey(k string) string {
	switch k {
	case "shard-id":
		return "shard_id"
	case "sequence-number":
		return "sequence_number"
	case "timestamp":
		return "approximate_arrival_timestamp"
	}
	return k
}

// layout says where each column of a source's schema comes from: the record data (decoded by
// the table's format) or the record's METADATA.
type layout struct {
	value     connectors.TableSpec // the format's columns
	valueCols []int                // their positions in the source schema
	meta      []int                // METADATA columns' positions
	raw       bool                 // 'format' = 'raw': the data is the one value column
}

func newLayout(spec connectors.TableSpec) (*layout, error) {
	l := &layout{}
	var fields []arrow.Field
	for i, f := range spec.Schema.Fields() {
		if key, ok := spec.Metadata[i]; ok {
			if _, known := metadataDocs[key]; !known {
				return nil, fmt.Errorf("table '%s': unknown METADATA key '%s'", spec.Name, key)
			}
			l.meta = append(l.meta, i)
			continue
		}
		l.valueCols = append(l.valueCols, i)
		fields = append(fields, f)
	}
	l.value = spec
	l.value.Schema = arrow.NewSchema(fields, nil)
	return l, nil
}

// metadataColumn builds one METADATA column of a shard's batch.
type metadataColumn struct {
	col int // column in the source schema
	key string
	b   array.Builder
}

func newMetadataColumns(spec connectors.TableSpec, cols []int, mem memory.Allocator) ([]*metadataColumn, error) {
	var out []*metadataColumn
	for _, c := range cols {
		f := spec.Schema.Field(c)
		key := canonicalKey(spec.Metadata[c])
		var ok bool
		switch key {
		case "shard_id", "sequence_number", "partition_key":
			ok = isText(f.Type)
		case "approximate_arrival_timestamp":
			ok = f.Type.ID() == arrow.TIMESTAMP
		}
		if !ok {
			for _, m := range out {
				m.b.Release()
			}
			return nil, fmt.Errorf("table '%s': METADATA column %s ('%s') must be %s", spec.Name, f.Name, spec.Metadata[c], metadataDocs[spec.Metadata[c]])
		}
		out = append(out, &metadataColumn{col: c, key: key, b: array.NewBuilder(mem, f.Type)})
	}
	return out, nil
}

func isText(t arrow.DataType) bool {
	return t.ID() == arrow.STRING || t.ID() == arrow.BINARY || t.ID() == arrow.LARGE_STRING
}

// append adds the column's value of rec, read from shard.
func (m *metadataColumn) append(shard string, rec *types.Record) {
	switch m.key {
	case "shard_id":
		appendText(m.b, []byte(shard))
	case "sequence_number":
		appendText(m.b, []byte(deref(rec.SequenceNumber)))
	case "partition_key":
		if rec.PartitionKey == nil {
			m.b.AppendNull()
		} else {
			appendText(m.b, []byte(*rec.PartitionKey))
		}
	case "approximate_arrival_timestamp":
		tb := m.b.(*array.TimestampBuilder)
		if rec.ApproximateArrivalTimestamp == nil {
			tb.AppendNull()
			return
		}
		t := *rec.ApproximateArrivalTimestamp
		switch tb.Type().(*arrow.TimestampType).Unit {
		case arrow.Second:
			tb.Append(arrow.Timestamp(t.Unix()))
		case arrow.Millisecond:
			tb.Append(arrow.Timestamp(t.UnixMilli()))
		case arrow.Microsecond:
			tb.Append(arrow.Timestamp(t.UnixMicro()))
		default:
			tb.Append(arrow.Timestamp(t.UnixNano()))
		}
	}
}

func appendText(b array.Builder, v []byte) {
	switch x := b.(type) {
	case *array.StringBuilder:
		x.Append(string(v))
	case *array.BinaryBuilder:
		x.Append(v)
	case *array.LargeStringBuilder:
		x.Append(string(v))
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// assemble puts the decoded value columns and the METADATA columns together in the source
// schema's order. It does not release value.
func (l *layout) assemble(schema *arrow.Schema, value arrow.RecordBatch, meta []*metadataColumn) arrow.RecordBatch {
	cols := make([]arrow.Array, schema.NumFields())
	for k, c := range l.valueCols {
		cols[c] = value.Column(k)
		cols[c].Retain()
	}
	for _, m := range meta {
		cols[m.col] = m.b.NewArray()
	}
	rec := array.NewRecordBatch(schema, cols, value.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return rec
}
