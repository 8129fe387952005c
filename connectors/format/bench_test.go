package format

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/valyala/fastjson"
)

const benchRows = 1_000_000

var bidBenchSchema = arrow.NewSchema([]arrow.Field{
	{Name: "auction", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "bidder", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "price", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
}, nil)

var benchData = map[bool][]byte{}
var benchOnce sync.Mutex

// bidLines is 1M lines like {"auction":1234,"bidder":5678,"price":9012.5,"ts":"2026-11-01 00:00:10.123"},
// with ts as epoch millis when millis is set.
func bidLines(millis bool) []byte {
	benchOnce.Lock()
	defer benchOnce.Unlock()
	if d, ok := benchData[millis]; ok {
		return d
	}
	r := rand.New(rand.NewPCG(1, 2))
	var buf bytes.Buffer
	base := int64(1793491200000)
	for i := 0; i < benchRows; i++ {
		ts := base + int64(i)*10 + int64(r.IntN(10))
		if millis {
			fmt.Fprintf(&buf, `{"auction":%d,"bidder":%d,"price":%d.%d,"ts":%d}`+"\n", 1000+r.IntN(10000), r.IntN(100000), r.IntN(100000), r.IntN(10), ts)
		} else {
			var tsb []byte
			tsb = appendTimestamp(tsb, ts, arrow.Millisecond)
			fmt.Fprintf(&buf, `{"auction":%d,"bidder":%d,"price":%d.%d,"ts":"%s"}`+"\n", 1000+r.IntN(10000), r.IntN(100000), r.IntN(100000), r.IntN(10), tsb)
		}
	}
	benchData[millis] = buf.Bytes()
	return buf.Bytes()
}

func benchFile(b *testing.B, millis bool, decode func(data []byte) int) {
	data := bidLines(millis)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	cpu0 := cpuTime()
	rows := 0
	for i := 0; i < b.N; i++ {
		rows += decode(data)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	// CPU time (all threads, GC included) is steadier than wall time on a shared machine.
	b.ReportMetric(float64(rows)/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func eachLine(data []byte, f func(line []byte)) {
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			f(data)
			return
		}
		f(data[:i])
		data = data[i+1:]
	}
}

func eddyDecode(b *testing.B) func([]byte) int {
	d, err := NewJSONDecoder(bidBenchSchema, memory.NewGoAllocator(), JSONOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return func(data []byte) int {
		rows := 0
		eachLine(data, func(line []byte) {
			if err := d.Append(line); err != nil {
				b.Fatal(err)
			}
			if d.Len() == 4096 {
				rows += 4096
				d.Flush().Release()
			}
		})
		if rec := d.Flush(); rec != nil {
			rows += int(rec.NumRows())
			rec.Release()
		}
		return rows
	}
}

func arrowDecode(b *testing.B) func([]byte) int {
	return func(data []byte) int {
		r := array.NewJSONReader(bytes.NewReader(data), bidBenchSchema, array.WithChunk(4096))
		defer r.Release()
		rows := 0
		for r.Next() {
			rows += int(r.RecordBatch().NumRows())
		}
		if r.Err() != nil {
			b.Fatal(r.Err())
		}
		return rows
	}
}

func fastjsonDecode(b *testing.B) func([]byte) int {
	var p fastjson.Parser
	mem := memory.NewGoAllocator()
	rb := array.NewRecordBuilder(mem, bidBenchSchema)
	auction := rb.Field(0).(*array.Int64Builder)
	bidder := rb.Field(1).(*array.Int64Builder)
	price := rb.Field(2).(*array.Float64Builder)
	ts := rb.Field(3).(*array.TimestampBuilder)
	return func(data []byte) int {
		rows, n := 0, 0
		eachLine(data, func(line []byte) {
			v, err := p.ParseBytes(line)
			if err != nil {
				b.Fatal(err)
			}
			o, _ := v.Object()
			o.Visit(func(key []byte, v *fastjson.Value) {
				switch string(key) {
				case "auction":
					x, _ := v.Int64()
					auction.Append(x)
				case "bidder":
					x, _ := v.Int64()
					bidder.Append(x)
				case "price":
					x, _ := v.Float64()
					price.Append(x)
				case "ts":
					if v.Type() == fastjson.TypeNumber {
						x, _ := v.Int64()
						ts.Append(arrow.Timestamp(x))
					} else {
						s, _ := v.StringBytes()
						secs, nanos, _ := parseDateTime(s)
						ts.Append(arrow.Timestamp(secs*1000 + nanos/1e6))
					}
				}
			})
			n++
			if n == 4096 {
				rows += n
				n = 0
				rb.NewRecordBatch().Release()
			}
		})
		rows += n
		rb.NewRecordBatch().Release()
		return rows
	}
}

func BenchmarkJSONDecodeEddy(b *testing.B)           { benchFile(b, false, eddyDecode(b)) }
func BenchmarkJSONDecodeEddyMillis(b *testing.B)     { benchFile(b, true, eddyDecode(b)) }
func BenchmarkJSONDecodeArrow(b *testing.B)          { benchFile(b, false, arrowDecode(b)) }
func BenchmarkJSONDecodeArrowMillis(b *testing.B)    { benchFile(b, true, arrowDecode(b)) }
func BenchmarkJSONDecodeFastjson(b *testing.B)       { benchFile(b, false, fastjsonDecode(b)) }
func BenchmarkJSONDecodeFastjsonMillis(b *testing.B) { benchFile(b, true, fastjsonDecode(b)) }

func BenchmarkJSONEncode(b *testing.B) {
	d, _ := NewJSONDecoder(bidBenchSchema, memory.NewGoAllocator(), JSONOptions{})
	eachLine(bidLines(false)[:400_000], func(l []byte) { _ = d.Append(l) })
	rec := d.Flush()
	defer rec.Release()
	e := NewJSONEncoder(bidBenchSchema)
	var buf []byte
	b.ResetTimer()
	rows := 0
	for i := 0; i < b.N; i++ {
		for r := 0; r < int(rec.NumRows()); r++ {
			buf = append(e.AppendRow(buf[:0], rec, r), '\n')
		}
		rows += int(rec.NumRows())
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
