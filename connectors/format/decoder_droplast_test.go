package format

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

func TestDecoderDropLast(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, {Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	d, err := NewJSONDecoder(schema, mem, JSONOptions{})
	require.NoError(t, err)
	defer d.Release()
	require.NoError(t, d.Append([]byte(`{"a":1,"s":"x"}`)))
	require.NoError(t, d.Append([]byte(`{"a":2,"s":"y"}`)))
	d.DropLast()
	require.NoError(t, d.Append([]byte(`{"a":3,"s":"z"}`)))
	b := d.Flush()
	defer b.Release()
	require.Equal(t, int64(2), b.NumRows())
	require.Equal(t, "[1 3]", b.Column(0).String())
	require.Equal(t, `["x" "z"]`, b.Column(1).String())
}
