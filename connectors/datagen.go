package connectors

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddysql/eddy/exec"

	"github.com/eddysql/eddy/exec/expr"
)

func init() {
	Register(&Factory{
		Name: "datagen",
		Options: []OptionSpec{
			{Key: "rows-per-second", Default: "10000", Doc: "rows generated per second; '0' means as fast as possible (eddy extension)"},
			{Key: "number-of-rows", Doc: "total rows to generate; the source is unbounded when absent (and no field is a sequence)"},
			{Key: "seed", Doc: "seed of the random generators, for repeatable output (eddy extension; default: a random seed)"},
		},
		OptionPrefixes: []string{"fields."},
		NewSource:      newDatagenSource,
	})
}

// datagenNow is the wall clock of random timestamps; tests replace it.
var datagenNow = time.Now

// datagenFieldProps are the properties 'fields.<col>.<prop>' accepts.
var datagenFieldProps = map[string]string{
	"kind":      "random (default) or sequence",
	"min":       "smallest random value (numbers)",
	"max":       "largest random value (numbers)",
	"length":    "length of random strings (default 100)",
	"start":     "first value of a sequence",
	"end":       "last value of a sequence; a sequence field ends the source when exhausted",
	"null-rate": "fraction of NULL values (0 to 1)",
	"max-past":  "random timestamps lie in [now - max-past, now] (default 0: now)",
}

// DatagenSource generates rows as Flink's datagen connector does, column by column,
// paced to 'rows-per-second'. Each field has its own generator seeded from 'seed', so
// the values of a column do not depend on batch sizes or on the other columns.
type DatagenSource struct {
	spec   TableSpec
	rate   int64 // rows per second; 0 = unpaced
	total  int64 // rows to generate; -1 = unbounded
	fields []*fieldGen
	// resumed is how many rows were generated before a restore.
	resumed int64
}

var _ Resumable = (*DatagenSource)(nil)

type fieldGen struct {
	name     string
	typ      arrow.DataType
	rng      *rand.Rand
	pcg      *rand.PCG // rng's source, saved in checkpoints
	sequence bool
	// numbers: [min, max] or the sequence [start, end]
	minI, maxI int64
	minF, maxF float64
	next       int64 // next sequence value
	length     int
	nullRate   float64
	maxPast    time.Duration
	scale      int32 // decimals
	perSec     int64 // timestamps: units per second
}

func newDatagenSource(spec TableSpec) (Source, error) {
	o := spec.Options
	rate, err := intOption(o, "rows-per-second", 10000)
	if err != nil {
		return nil, err
	}
	if rate < 0 {
		return nil, fmt.Errorf("option 'rows-per-second' must not be negative, got %d", rate)
	}
	total, err := intOption(o, "number-of-rows", -1)
	if err != nil {
		return nil, err
	}
	if _, ok := o["number-of-rows"]; ok && total < 0 {
		return nil, fmt.Errorf("option 'number-of-rows' must not be negative, got %d", total)
	}
	var seed uint64
	if v, ok := o["seed"]; ok {
		s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("option 'seed' must be an integer, got '%s'", v)
		}
		seed = uint64(s)
	} else {
		seed = rand.Uint64()
	}
	if err := checkDatagenFields(spec); err != nil {
		return nil, err
	}
	s := &DatagenSource{spec: spec, rate: rate, total: total}
	for i, f := range spec.Schema.Fields() {
		g, err := newFieldGen(spec, f, seed+uint64(i)*0x9E3779B97F4A7C15)
		if err != nil {
			return nil, err
		}
		if g.sequence {
			n := g.maxI - g.minI + 1
			if s.total < 0 || n < s.total {
				s.total = n
			}
		}
		s.fields = append(s.fields, g)
	}
	return s, nil
}

// checkDatagenFields rejects 'fields.<col>.<prop>' options naming an unknown column or property.
func checkDatagenFields(spec TableSpec) error {
	cols := spec.Columns
	if cols == nil {
		for _, f := range spec.Schema.Fields() {
			cols = append(cols, f.Name)
		}
	}
	for k := range spec.Options {
		rest, ok := strings.CutPrefix(k, "fields.")
		if !ok {
			continue
		}
		dot := strings.LastIndexByte(rest, '.')
		if dot < 0 {
			return fmt.Errorf("datagen table '%s': option '%s' should be 'fields.<column>.<property>'", spec.Name, k)
		}
		col, prop := rest[:dot], rest[dot+1:]
		known := false
		for _, c := range cols {
			known = known || strings.EqualFold(c, col)
		}
		if !known {
			return fmt.Errorf("datagen table '%s': option '%s' names unknown column '%s'", spec.Name, k, col)
		}
		if _, ok := datagenFieldProps[prop]; !ok {
			var props []string
			for p := range datagenFieldProps {
				props = append(props, p)
			}
			return fmt.Errorf("datagen table '%s': unknown property '%s' in option '%s'; known: %s", spec.Name, prop, k, strings.Join(sortedStrings(props), ", "))
		}
	}
	return nil
}

func sortedStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// fieldOption finds 'fields.<col>.<prop>' with the column matched case-insensitively.
func fieldOption(o map[string]string, col, prop string) (string, string, bool) {
	key := "fields." + col + "." + prop
	if v, ok := o[key]; ok {
		return key, v, true
	}
	for k, v := range o {
		if strings.EqualFold(k, key) {
			return k, v, true
		}
	}
	return key, "", false
}

func newFieldGen(spec TableSpec, f arrow.Field, seed uint64) (*fieldGen, error) {
	o := spec.Options
	pcg := rand.NewPCG(seed, seed^0xDA3E39CB94B95BDB)
	g := &fieldGen{name: f.Name, typ: f.Type, rng: rand.New(pcg), pcg: pcg, length: 100}
	num := func(prop string, def float64) (float64, bool, error) {
		key, v, ok := fieldOption(o, f.Name, prop)
		if !ok {
			return def, false, nil
		}
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0, true, fmt.Errorf("option '%s' must be a number, got '%s'", key, v)
		}
		return x, true, nil
	}
	if _, v, ok := fieldOption(o, f.Name, "kind"); ok {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "sequence":
			g.sequence = true
		case "random":
		default:
			return nil, fmt.Errorf("option 'fields.%s.kind' must be 'random' or 'sequence', got '%s'", f.Name, v)
		}
	}
	var err error
	if g.nullRate, _, err = num("null-rate", 0); err != nil {
		return nil, err
	}
	if l, ok, err := num("length", 100); err != nil {
		return nil, err
	} else if ok {
		g.length = int(l)
	}
	if _, v, ok := fieldOption(o, f.Name, "max-past"); ok {
		if g.maxPast, err = ParseDuration(v); err != nil {
			return nil, fmt.Errorf("option 'fields.%s.max-past': %v", f.Name, err)
		}
	}
	lo, hi := typeRange(f.Type)
	if g.sequence {
		start, okS, err := num("start", 0)
		if err != nil {
			return nil, err
		}
		end, okE, err := num("end", 0)
		if err != nil {
			return nil, err
		}
		if !okS || !okE {
			return nil, fmt.Errorf("datagen table '%s': sequence field '%s' needs 'fields.%s.start' and 'fields.%s.end'", spec.Name, f.Name, f.Name, f.Name)
		}
		if end < start {
			return nil, fmt.Errorf("datagen table '%s': field '%s': end %v is before start %v", spec.Name, f.Name, end, start)
		}
		switch f.Type.ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.STRING:
		default:
			return nil, fmt.Errorf("datagen table '%s': field '%s' of type %s cannot be a sequence", spec.Name, f.Name, expr.TypeName(f.Type))
		}
		if start < lo || end > hi {
			return nil, fmt.Errorf("datagen table '%s': sequence of field '%s' is out of range for %s", spec.Name, f.Name, expr.TypeName(f.Type))
		}
		g.minI, g.maxI, g.next = int64(start), int64(end), int64(start)
		return g, nil
	}
	if g.minF, _, err = num("min", lo); err != nil {
		return nil, err
	}
	if g.maxF, _, err = num("max", hi); err != nil {
		return nil, err
	}
	if g.maxF < g.minF {
		return nil, fmt.Errorf("datagen table '%s': field '%s': max %v is below min %v", spec.Name, f.Name, g.maxF, g.minF)
	}
	g.minI, g.maxI = clampInt(g.minF), clampInt(g.maxF)
	switch t := f.Type.(type) {
	case *arrow.Decimal128Type:
		g.scale = t.Scale
	case *arrow.TimestampType:
		g.perSec = map[arrow.TimeUnit]int64{arrow.Second: 1, arrow.Millisecond: 1e3, arrow.Microsecond: 1e6, arrow.Nanosecond: 1e9}[t.Unit]
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type, *arrow.Float32Type, *arrow.Float64Type,
		*arrow.BooleanType, *arrow.StringType, *arrow.Date32Type:
	default:
		return nil, fmt.Errorf("datagen table '%s': field '%s' has type %s, which datagen cannot generate", spec.Name, f.Name, expr.TypeName(f.Type))
	}
	return g, nil
}

func clampInt(f float64) int64 {
	if f >= math.MaxInt64 {
		return math.MaxInt64
	}
	if f <= math.MinInt64 {
		return math.MinInt64
	}
	return int64(f)
}

// typeRange is the default [min, max] of random values, as in Flink's datagen.
func typeRange(t arrow.DataType) (float64, float64) {
	switch t := t.(type) {
	case *arrow.Int8Type:
		return math.MinInt8, math.MaxInt8
	case *arrow.Int16Type:
		return math.MinInt16, math.MaxInt16
	case *arrow.Int32Type:
		return math.MinInt32, math.MaxInt32
	case *arrow.Float32Type:
		return -math.MaxFloat32, math.MaxFloat32
	case *arrow.Float64Type:
		return -math.MaxFloat64 / 2, math.MaxFloat64 / 2
	case *arrow.Decimal128Type:
		m := math.Pow10(int(t.Precision - t.Scale))
		return -m + 1, m - 1
	}
	return math.MinInt64, math.MaxInt64
}

// Schema is the schema of the batches the source emits.
func (s *DatagenSource) Schema() *arrow.Schema { return s.spec.Schema }

// Run generates rows until 'number-of-rows' or a sequence is exhausted (then emits End)
// or ctx is cancelled.
func (s *DatagenSource) Run(ctx context.Context, out exec.Emitter) error {
	batch := int64(max(s.spec.BatchSize, 1))
	if s.rate > 0 {
		batch = min(batch, max(s.rate/10, 1)) // at least ten batches a second
	}
	done := s.resumed
	start := time.Now().Add(-time.Duration(float64(done) / float64(max(s.rate, 1)) * float64(time.Second)))
	timer := time.NewTimer(0)
	defer timer.Stop()
	for s.total < 0 || done < s.total {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := batch
		if s.total >= 0 {
			n = min(n, s.total-done)
		}
		if s.rate > 0 {
			due := start.Add(time.Duration(float64(done) / float64(s.rate) * float64(time.Second)))
			if wait := time.Until(due); wait > 0 {
				timer.Reset(wait)
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-timer.C:
				}
			}
		}
		b := s.generate(int(n))
		done += n
		m := exec.BatchMessage(b, nil)
		m.Position = s.position(done)
		err := out.Emit(m)
		b.Release()
		if err != nil {
			return err
		}
	}
	return out.Emit(exec.EndMessage())
}

func (s *DatagenSource) generate(n int) arrow.RecordBatch {
	cols := make([]arrow.Array, len(s.fields))
	for i, g := range s.fields {
		cols[i] = g.generate(s.spec.Mem, n)
	}
	b := array.NewRecordBatch(s.spec.Schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return b
}

const alphanumeric = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// generate makes the next n values of the field.
func (g *fieldGen) generate(mem memory.Allocator, n int) arrow.Array {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	valid := make([]bool, n)
	for i := range valid {
		valid[i] = g.nullRate <= 0 || g.rng.Float64() >= g.nullRate
	}
	ints := func() []int64 {
		v := make([]int64, n)
		for i := range v {
			switch {
			case g.sequence:
				v[i] = g.next
				g.next++
			case g.maxI == math.MaxInt64 && g.minI == math.MinInt64:
				v[i] = int64(g.rng.Uint64())
			default:
				v[i] = g.minI + int64(g.rng.Uint64N(uint64(g.maxI-g.minI)+1))
			}
		}
		return v
	}
	floats := func() []float64 {
		v := make([]float64, n)
		for i := range v {
			if g.sequence {
				v[i] = float64(g.next)
				g.next++
			} else {
				v[i] = g.minF + g.rng.Float64()*(g.maxF-g.minF)
			}
		}
		return v
	}
	bld := array.NewBuilder(mem, g.typ)
	defer bld.Release()
	switch b := bld.(type) {
	case *array.Int64Builder:
		b.AppendValues(ints(), valid)
	case *array.Int32Builder:
		for i, v := range ints() {
			appendOrNull(b, valid[i], func() { b.Append(int32(v)) })
		}
	case *array.Int16Builder:
		for i, v := range ints() {
			appendOrNull(b, valid[i], func() { b.Append(int16(v)) })
		}
	case *array.Int8Builder:
		for i, v := range ints() {
			appendOrNull(b, valid[i], func() { b.Append(int8(v)) })
		}
	case *array.Float64Builder:
		b.AppendValues(floats(), valid)
	case *array.Float32Builder:
		for i, v := range floats() {
			appendOrNull(b, valid[i], func() { b.Append(float32(v)) })
		}
	case *array.BooleanBuilder:
		for i := range valid {
			appendOrNull(b, valid[i], func() { b.Append(g.rng.IntN(2) == 1) })
		}
	case *array.Decimal128Builder:
		mul := math.Pow10(int(g.scale))
		for i, v := range floats() {
			appendOrNull(b, valid[i], func() {
				if g.sequence {
					b.Append(decimal128.FromI64(int64(v)).Mul(decimal128.GetScaleMultiplier(int(g.scale))))
				} else {
					b.Append(decimal128.FromI64(int64(math.Round(v * mul))))
				}
			})
		}
	case *array.StringBuilder:
		if g.sequence {
			for i, v := range ints() {
				appendOrNull(b, valid[i], func() { b.Append(strconv.FormatInt(v, 10)) })
			}
			break
		}
		buf := make([]byte, g.length)
		for i := range valid {
			appendOrNull(b, valid[i], func() {
				for k := range buf {
					buf[k] = alphanumeric[g.rng.IntN(len(alphanumeric))]
				}
				b.BinaryBuilder.Append(buf)
			})
		}
	case *array.TimestampBuilder:
		now := datagenNow()
		for i := range valid {
			appendOrNull(b, valid[i], func() {
				t := now
				if g.maxPast > 0 {
					t = now.Add(-time.Duration(g.rng.Int64N(int64(g.maxPast) + 1)))
				}
				b.Append(arrow.Timestamp(t.Unix()*g.perSec + int64(t.Nanosecond())/(1e9/g.perSec)))
			})
		}
	case *array.Date32Builder:
		today := arrow.Date32FromTime(datagenNow().UTC())
		for i := range valid {
			appendOrNull(b, valid[i], func() { b.Append(today) })
		}
	}
	return bld.NewArray()
}

func appendOrNull(b array.Builder, valid bool, appendValue func()) {
	if valid {
		appendValue()
	} else {
		b.AppendNull()
	}
}
