package connectors

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/exec"
)

var genSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "small", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "price", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
}, nil)

func datagenSpec(t *testing.T, opts map[string]string) TableSpec {
	opts["connector"] = "datagen"
	return TableSpec{Name: "gen", Schema: genSchema, Options: opts, BatchSize: 7, BadRecords: &badRecords{}, Mem: newMem(t)}
}

func TestDatagenBoundedAndSequence(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 10, 0, time.UTC)
	datagenNow = func() time.Time { return now }
	defer func() { datagenNow = time.Now }()

	c, err := runSource(t, datagenSpec(t, map[string]string{"number-of-rows": "20", "rows-per-second": "0",
		"fields.small.min": "5", "fields.small.max": "6", "fields.name.length": "3", "fields.price.min": "1", "fields.price.max": "2"}))
	require.NoError(t, err)
	assert.True(t, c.ended)
	assert.Len(t, c.rows, 20)
	assert.Equal(t, []int{7, 7, 6}, c.batches)
	for _, r := range c.rows {
		v := strings.Split(r, " | ")
		assert.Contains(t, []string{"5", "6"}, v[1])
		assert.Len(t, v[2], 3)
		assert.True(t, v[3] >= "1.00" && v[3] <= "2.00", v[3])
		assert.Equal(t, "2026-11-01 00:00:10.000", v[4])
	}

	// A sequence bounds the source below number-of-rows.
	c, err = runSource(t, datagenSpec(t, map[string]string{"number-of-rows": "100", "rows-per-second": "0",
		"fields.ID.kind": "sequence", "fields.id.start": "10", "fields.id.end": "14", "fields.name.kind": "sequence",
		"fields.name.start": "1", "fields.name.end": "99", "fields.ts.max-past": "5 s", "fields.small.null-rate": "1"}))
	require.NoError(t, err)
	require.Len(t, c.rows, 5)
	for i, r := range c.rows {
		v := strings.Split(r, " | ")
		assert.Equal(t, []string{string(rune('0' + i))}, []string{strings.TrimPrefix(v[0], "1")})
		assert.Equal(t, "NULL", v[1])
		assert.Equal(t, string(rune('1'+i)), v[2])
		assert.True(t, v[4] >= "2026-11-01 00:00:05.000" && v[4] <= "2026-11-01 00:00:10.000", v[4])
	}
}

func TestDatagenSeedRepeats(t *testing.T) {
	opts := func() map[string]string {
		return map[string]string{"number-of-rows": "30", "rows-per-second": "0", "seed": "42", "fields.ts.max-past": "1h"}
	}
	datagenNow = func() time.Time { return time.Unix(1793491210, 0) }
	defer func() { datagenNow = time.Now }()
	a, err := runSource(t, datagenSpec(t, opts()))
	require.NoError(t, err)
	spec := datagenSpec(t, opts())
	spec.BatchSize = 4
	b, err := runSource(t, spec)
	require.NoError(t, err)
	assert.Equal(t, a.rows, b.rows)
}

func TestDatagenErrors(t *testing.T) {
	for opts, want := range map[string]string{
		"fields.nope.min=1":       "option 'fields.nope.min' names unknown column 'nope'",
		"fields.id.colour=1":      "unknown property 'colour' in option 'fields.id.colour'",
		"fields.id.kind=sequence": "sequence field 'id' needs 'fields.id.start' and 'fields.id.end'",
		"fields.ts.kind=sequence": "needs 'fields.ts.start'",
		"fields.small.max=abc":    "option 'fields.small.max' must be a number, got 'abc'",
		"rows-per-second=fast":    "option 'rows-per-second' must be an integer, got 'fast'",
		"fields.small.kind=weird": "must be 'random' or 'sequence'",
		"fields.small.min=1e12":   "", // clamps nothing: min above max is the error below
	} {
		k, v, _ := strings.Cut(opts, "=")
		f, _ := Lookup("datagen")
		_, err := f.NewSource(datagenSpec(t, map[string]string{k: v}))
		if want == "" {
			assert.ErrorContains(t, err, "max 2.147483647e+09 is below min 1e+12")
			continue
		}
		assert.ErrorContains(t, err, want, opts)
	}
}

func TestDatagenUnboundedCancel(t *testing.T) {
	f, _ := Lookup("datagen")
	src, err := f.NewSource(datagenSpec(t, map[string]string{"rows-per-second": "1000"}))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	rows := 0
	err = src.Run(ctx, exec.EmitFunc(func(m exec.Message) error {
		rows += int(m.Batch.NumRows())
		if rows >= 20 {
			cancel()
		}
		return nil
	}))
	assert.ErrorIs(t, err, context.Canceled)
	assert.GreaterOrEqual(t, rows, 20)
}
