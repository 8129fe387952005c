package expr

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Clock is the wall clock read by CURRENT_TIMESTAMP and friends, once per batch. Tests and
// deterministic replays may replace it before compiling.
var Clock = time.Now

var extractUnits = []struct{ name, doc string }{
	{"year", "calendar year"}, {"quarter", "quarter 1-4"}, {"month", "month 1-12"},
	{"week", "ISO-8601 week of the year 1-53"}, {"day", "day of the month 1-31"},
	{"dayofweek", "day of the week, 1 = Sunday .. 7 = Saturday"}, {"dayofyear", "day of the year 1-366"},
	{"hour", "hour 0-23"}, {"minute", "minute 0-59"}, {"second", "second 0-59"},
	{"millisecond", "milliseconds within the minute (second * 1000 + ms), as Calcite"},
	{"epoch", "seconds since 1970-01-01 00:00:00 UTC"},
}

func registerTime() {
	for _, u := range extractUnits {
		var aliases []string
		switch u.name {
		case "day":
			aliases = []string{"dayofmonth"}
		case "millisecond", "epoch":
		default:
			aliases = []string{u.name}
		}
		unit := u.name
		register("extract_"+unit, fmt.Sprintf("EXTRACT(%s FROM ts TIMESTAMP|DATE) -> BIGINT", upper(unit)), u.doc,
			simple(sig(kTS), 1, false, fixed(BigInt)), buildExtract(unit), aliases...)
	}
	register("date_format", "DATE_FORMAT(ts TIMESTAMP|STRING, format STRING) -> STRING",
		"formats with a Java pattern (yyyy MM dd HH mm ss SSS E a D w Q, 'quoted text')", simple(sig(kTS, kString), 2, false, fixed(String)), buildDateFormat)
	register("floor_to", "FLOOR(ts TO unit) -> TIMESTAMP", "rounds down to MILLISECOND|SECOND|MINUTE|HOUR|DAY|WEEK (Sunday)|MONTH|QUARTER|YEAR",
		checkTimeUnit(1, sig(kTS, kLitStr), sameAs(0)), buildFloorCeilTo)
	register("ceil_to", "CEIL(ts TO unit) -> TIMESTAMP", "rounds up to the unit (a value already on a boundary is kept)",
		checkTimeUnit(1, sig(kTS, kLitStr), sameAs(0)), buildFloorCeilTo)
	register("to_timestamp", "TO_TIMESTAMP(s STRING [, format STRING]) -> TIMESTAMP(3)",
		"parses 'yyyy-MM-dd HH:mm:ss[.SSS]' (or ISO-8601), or the given Java pattern; NULL on failure",
		simple(sig(kString, kString), 1, false, fixed(Timestamp)), buildParseTime(Timestamp))
	register("to_date", "TO_DATE(s STRING [, format STRING]) -> DATE", "parses 'yyyy-MM-dd' or the given pattern; NULL on failure",
		simple(sig(kString, kString), 1, false, fixed(Date)), buildParseTime(Date))
	register("to_timestamp_ltz", "TO_TIMESTAMP_LTZ(epoch NUMERIC [, precision 0|3]) -> TIMESTAMP_LTZ(3)",
		"epoch seconds (precision 0) or milliseconds (3, the default) as an instant", checkToTimestampLTZ, buildToTimestampLTZ)
	d := register("unix_timestamp", "UNIX_TIMESTAMP([s STRING [, format STRING]]) -> BIGINT",
		"epoch seconds now, or of s parsed like TO_TIMESTAMP; NULL on failure", simple(sig(kString, kString), 0, false, fixed(BigInt)), buildUnixTimestamp)
	d.volatile = true
	register("from_unixtime", "FROM_UNIXTIME(secs BIGINT [, format STRING]) -> STRING", "formats epoch seconds, by default as 'yyyy-MM-dd HH:mm:ss'",
		simple(sig(kBigint, kString), 1, false, fixed(String)), buildFromUnixtime)
	register("timestampadd", "TIMESTAMPADD(unit, n INT, ts TIMESTAMP) -> TIMESTAMP", "adds n units; months clamp to the month's last day",
		checkTimeUnit(0, sig(kLitStr, kBigint, kTS), sameAs(2)), buildTimestampAdd)
	register("timestampdiff", "TIMESTAMPDIFF(unit, a TIMESTAMP, b TIMESTAMP) -> INT", "whole units from a to b",
		checkTimeUnit(0, sig(kLitStr, kTS, kTS), fixed(Int)), buildTimestampDiff)
	for _, c := range []struct {
		name, doc string
		t         arrow.DataType
		aliases   []string
	}{
		{"current_timestamp", "CURRENT_TIMESTAMP -> TIMESTAMP_LTZ(3): the wall clock, read once per batch", TimestampLTZ, []string{"now", "current_row_timestamp"}},
		{"proctime", "PROCTIME() -> TIMESTAMP_LTZ(3): processing time, the wall clock read once per batch; a time attribute for processing-time windows and lookup joins", TimestampLTZ, nil},
		{"localtimestamp", "LOCALTIMESTAMP -> TIMESTAMP(3): the wall clock in the session zone (UTC)", Timestamp, nil},
		{"current_date", "CURRENT_DATE -> DATE: today (UTC)", Date, nil},
	} {
		d := register(c.name, strings.ToUpper(c.name), c.doc, simple(nil, 0, false, fixed(c.t)), buildClock, c.aliases...)
		d.volatile = true
	}
}

// timeUnit is a unit name normalised: MILLISECOND SECOND MINUTE HOUR DAY WEEK MONTH QUARTER YEAR.
func timeUnit(s string) (string, bool) {
	u := strings.ToUpper(strings.TrimSpace(s))
	u = strings.TrimPrefix(u, "SQL_TSI_")
	switch u {
	case "MILLISECONDS", "SECONDS", "MINUTES", "HOURS", "DAYS", "WEEKS", "MONTHS", "QUARTERS", "YEARS":
		u = u[:len(u)-1]
	case "MS":
		u = "MILLISECOND"
	case "FRAC_SECOND":
		u = "MILLISECOND"
	}
	switch u {
	case "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR":
		return u, true
	}
	return "", false
}

var fixedUnitMs = map[string]int64{"MILLISECOND": 1, "SECOND": 1000, "MINUTE": 60000, "HOUR": 3600000, "DAY": msPerDay, "WEEK": 7 * msPerDay}
var monthUnits = map[string]int{"MONTH": 1, "QUARTER": 3, "YEAR": 12}

// checkTimeUnit is simple() plus validation of the constant unit argument at index ui.
func checkTimeUnit(ui int, kinds []kind, res resultRule) checkFn {
	inner := simple(kinds, len(kinds), false, res)
	return func(name string, args []Expr) (Expr, error) {
		e, err := inner(name, args)
		if err != nil {
			return nil, err
		}
		c := e.(*Call)
		v, _ := literalArg(c.Args, ui)
		s, _ := v.(string)
		u, ok := timeUnit(s)
		if !ok {
			return nil, typeErrorf("%s: unknown time unit %q; use MILLISECOND, SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER or YEAR", upper(name), s)
		}
		c.Args[ui] = &Literal{Value: u, T: String}
		return c, nil
	}
}

func unitArg(call *Call, i int) string {
	v, _ := literalArg(call.Args, i)
	s, _ := v.(string)
	u, _ := timeUnit(s)
	return u
}

func buildExtract(unit string) buildFn {
	return func(c *compiler, call *Call) (evalFunc, error) {
		mem := c.mem
		return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
			v := int64s(in[0])
			// Units below a day need no calendar: keep them to plain arithmetic.
			var f func(ms int64) int64
			switch unit {
			case "hour":
				f = func(ms int64) int64 { return floorMod(ms, msPerDay) / 3600000 }
			case "minute":
				f = func(ms int64) int64 { return floorMod(ms, 3600000) / 60000 }
			case "second":
				f = func(ms int64) int64 { return floorMod(ms, 60000) / 1000 }
			case "millisecond":
				f = func(ms int64) int64 { return floorMod(ms, 60000) }
			case "epoch":
				f = func(ms int64) int64 { return floorDiv(ms, 1000) }
			case "dayofweek":
				f = func(ms int64) int64 { return floorMod(floorDiv(ms, msPerDay)+4, 7) + 1 }
			case "week":
				f = func(ms int64) int64 { return int64(isoWeek(floorDiv(ms, msPerDay))) }
			default:
				f = func(ms int64) int64 {
					t := split(ms)
					switch unit {
					case "year":
						return int64(t.y)
					case "quarter":
						return int64((t.mo-1)/3 + 1)
					case "month":
						return int64(t.mo)
					case "day":
						return int64(t.d)
					}
					return int64(dayOfYear(t))
				}
			}
			buf, out := allocFixed[int64](mem, n)
			for i, ms := range v {
				out[i] = f(ms)
			}
			return newArray(BigInt, n, andValidity(mem, n, in[0]), buf), nil
		})
	}
}

// patternCache compiles format strings: a constant once, a column's values as they come.
type patternCache struct {
	last string
	pat  javaPattern
	ok   bool
}

func (p *patternCache) get(s string) javaPattern {
	if !p.ok || s != p.last {
		p.last, p.pat, p.ok = strings.Clone(s), compilePattern(s), true
	}
	return p.pat
}

func buildDateFormat(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	var pc patternCache
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		v, f := int64s(in[0]), strs(in[1])
		return mapString(mem, n, in, func(i int, dst []byte) ([]byte, bool) {
			return pc.get(f.Value(i)).format(dst, v[i]), true
		}), nil
	})
}

func floorToUnit(ms int64, u string) int64 {
	if step, ok := fixedUnitMs[u]; ok {
		if u == "WEEK" { // weeks start on Sunday, as in Calcite; 1970-01-01 was a Thursday
			days := floorDiv(ms, msPerDay)
			return (days - floorMod(days+4, 7)) * msPerDay
		}
		return floorDiv(ms, step) * step
	}
	t := split(ms)
	switch u {
	case "MONTH":
		return daysFromCivil(t.y, t.mo, 1) * msPerDay
	case "QUARTER":
		return daysFromCivil(t.y, (t.mo-1)/3*3+1, 1) * msPerDay
	}
	return daysFromCivil(t.y, 1, 1) * msPerDay
}

// addUnits adds k units; month-based units keep the day of month, clamped to the month's end.
func addUnits(ms int64, u string, k int64) int64 {
	if step, ok := fixedUnitMs[u]; ok {
		return ms + k*step
	}
	months := k * int64(monthUnits[u])
	t := split(ms)
	total := int64(t.y)*12 + int64(t.mo-1) + months
	y, mo := int(floorDiv(total, 12)), int(floorMod(total, 12))+1
	d := min(t.d, daysInMonth(y, mo))
	return daysFromCivil(y, mo, d)*msPerDay + floorMod(ms, msPerDay)
}

func buildFloorCeilTo(c *compiler, call *Call) (evalFunc, error) {
	mem, t, u, ceil := c.mem, call.T, unitArg(call, 1), call.Func == "ceil_to"
	return c.withArgs(call.Args[:1], func(in []arrow.Array, n int) (arrow.Array, error) {
		v := int64s(in[0])
		buf, out := allocFixed[int64](mem, n)
		step, fixedStep := fixedUnitMs[u]
		for i, ms := range v {
			if fixedStep && u != "WEEK" {
				f := floorDiv(ms, step) * step
				if ceil && f != ms {
					f += step
				}
				out[i] = f
				continue
			}
			f := floorToUnit(ms, u)
			if ceil && f != ms {
				f = addUnits(f, u, 1)
			}
			out[i] = f
		}
		return newArray(t, n, andValidity(mem, n, in[0]), buf), nil
	})
}

func buildParseTime(to arrow.DataType) buildFn {
	return func(c *compiler, call *Call) (evalFunc, error) {
		mem := c.mem
		var pc patternCache
		return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
			s := strs(in[0])
			var f *array.String
			if len(in) > 1 {
				f = strs(in[1])
			}
			parse := func(i int) (int64, bool) {
				if f == nil {
					return parseTimestamp(s.Value(i))
				}
				return pc.get(f.Value(i)).parse(strings.TrimSpace(s.Value(i)))
			}
			if isDate(to) {
				return mapFixed[int32](mem, to, n, in, func(i int) (int32, bool) {
					ms, ok := parse(i)
					return int32(floorDiv(ms, msPerDay)), ok
				}), nil
			}
			return mapFixed[int64](mem, to, n, in, parse), nil
		})
	}
}

func checkToTimestampLTZ(name string, args []Expr) (Expr, error) {
	e, err := simple(sig(kNum, kBigint), 1, false, fixed(TimestampLTZ))(name, args)
	if err != nil {
		return nil, err
	}
	c := e.(*Call)
	if len(c.Args) == 2 {
		v, ok := literalArg(c.Args, 1)
		if !ok || (v != int64(0) && v != int64(3)) {
			return nil, typeErrorf("TO_TIMESTAMP_LTZ: precision must be the constant 0 or 3")
		}
	}
	return c, nil
}

func buildToTimestampLTZ(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	scale := 1.0
	if v, _ := literalArg(call.Args, 1); v == int64(0) {
		scale = 1000
	}
	return c.withArgs(call.Args[:1], func(in []arrow.Array, n int) (arrow.Array, error) {
		a := in[0]
		switch {
		case isInt(a.DataType()):
			get := asInt64(a)
			k := int64(scale)
			return mapFixed[int64](mem, TimestampLTZ, n, in, func(i int) (int64, bool) { return get(i) * k, true }), nil
		case isFloat(a.DataType()):
			get := asFloat64(a)
			return mapFixed[int64](mem, TimestampLTZ, n, in, func(i int) (int64, bool) {
				v := math.Round(get(i) * scale)
				return int64(v), !math.IsNaN(v) && math.Abs(v) < 9e18
			}), nil
		case isDecimal(a.DataType()):
			v := values[decimal128.Num](a)
			s := a.DataType().(*arrow.Decimal128Type).Scale
			return mapFixed[int64](mem, TimestampLTZ, n, in, func(i int) (int64, bool) {
				f := math.Round(v[i].ToFloat64(s) * scale)
				return int64(f), !math.IsNaN(f) && math.Abs(f) < 9e18
			}), nil
		}
		return nil, fmt.Errorf("expr: TO_TIMESTAMP_LTZ of %s", TypeName(a.DataType()))
	})
}

func buildUnixTimestamp(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	if len(call.Args) == 0 {
		return func(b arrow.RecordBatch) (arrow.Array, error) {
			return fill[int64](mem, BigInt, int(b.NumRows()), Clock().Unix()), nil
		}, nil
	}
	parse, err := buildParseTime(Timestamp)(c, call)
	if err != nil {
		return nil, err
	}
	return func(b arrow.RecordBatch) (arrow.Array, error) {
		ts, err := parse(b)
		if err != nil {
			return nil, err
		}
		defer ts.Release()
		v := int64s(ts)
		return mapFixed[int64](mem, BigInt, ts.Len(), []arrow.Array{ts}, func(i int) (int64, bool) { return floorDiv(v[i], 1000), true }), nil
	}, nil
}

var defaultUnixtimeFormat = compilePattern("yyyy-MM-dd HH:mm:ss")

func buildFromUnixtime(c *compiler, call *Call) (evalFunc, error) {
	mem := c.mem
	var pc patternCache
	return c.withArgs(call.Args, func(in []arrow.Array, n int) (arrow.Array, error) {
		v := int64s(in[0])
		var f *array.String
		if len(in) > 1 {
			f = strs(in[1])
		}
		return mapString(mem, n, in, func(i int, dst []byte) ([]byte, bool) {
			p := defaultUnixtimeFormat
			if f != nil {
				p = pc.get(f.Value(i))
			}
			return p.format(dst, v[i]*1000), true
		}), nil
	})
}

func buildTimestampAdd(c *compiler, call *Call) (evalFunc, error) {
	mem, t, u := c.mem, call.T, unitArg(call, 0)
	return c.withArgs(call.Args[1:], func(in []arrow.Array, n int) (arrow.Array, error) {
		k, v := int64s(in[0]), int64s(in[1])
		return mapFixed[int64](mem, t, n, in, func(i int) (int64, bool) { return addUnits(v[i], u, k[i]), true }), nil
	})
}

// diffUnits counts whole units from a to b (negative when b < a).
func diffUnits(a, b int64, u string) int64 {
	if step, ok := fixedUnitMs[u]; ok {
		return (b - a) / step
	}
	ta, tb := split(a), split(b)
	months := int64(tb.y-ta.y)*12 + int64(tb.mo-ta.mo)
	// Not a whole month yet if b's position within its month (day, then time of day) is
	// before a's, as Calcite's subtractMonths: Jan 31 -> Feb 28 is 0 months.
	pa := int64(ta.d)*msPerDay + floorMod(a, msPerDay)
	pb := int64(tb.d)*msPerDay + floorMod(b, msPerDay)
	if months > 0 && pb < pa {
		months--
	} else if months < 0 && pb > pa {
		months++
	}
	return months / int64(monthUnits[u])
}

func buildTimestampDiff(c *compiler, call *Call) (evalFunc, error) {
	mem, u := c.mem, unitArg(call, 0)
	return c.withArgs(call.Args[1:], func(in []arrow.Array, n int) (arrow.Array, error) {
		a, b := int64s(in[0]), int64s(in[1])
		return mapFixed[int32](mem, Int, n, in, func(i int) (int32, bool) {
			d := diffUnits(a[i], b[i], u)
			return int32(d), d >= math.MinInt32 && d <= math.MaxInt32
		}), nil
	})
}

func buildClock(c *compiler, call *Call) (evalFunc, error) {
	mem, t := c.mem, call.T
	return func(b arrow.RecordBatch) (arrow.Array, error) {
		now := Clock().UnixMilli()
		if isDate(t) {
			return fill[int32](mem, t, int(b.NumRows()), int32(floorDiv(now, msPerDay))), nil
		}
		return fill[int64](mem, t, int(b.NumRows()), now), nil
	}, nil
}
