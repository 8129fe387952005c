package expr

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestExtract(t *testing.T) {
	ts := []any{"2026-11-01 13:45:30.123", "1969-12-31 23:59:59.999", "2024-02-29 00:00:00", nil}
	for unit, want := range map[string][]any{
		"extract_year":        {int64(2026), int64(1969), int64(2024), nil},
		"extract_quarter":     {int64(4), int64(4), int64(1), nil},
		"extract_month":       {int64(11), int64(12), int64(2), nil},
		"extract_week":        {int64(44), int64(1), int64(9), nil},
		"extract_day":         {int64(1), int64(31), int64(29), nil},
		"extract_dayofweek":   {int64(1), int64(4), int64(5), nil}, // Sunday=1; 1969-12-31 was a Wednesday
		"extract_dayofyear":   {int64(305), int64(365), int64(60), nil},
		"extract_hour":        {int64(13), int64(23), int64(0), nil},
		"extract_minute":      {int64(45), int64(59), int64(0), nil},
		"extract_second":      {int64(30), int64(59), int64(0), nil},
		"extract_millisecond": {int64(30123), int64(59999), int64(0), nil},
		"extract_epoch":       {int64(1793540730), int64(-1), int64(1709164800), nil},
	} {
		require.Equal(t, want, overColumn(t, Timestamp, ts, unit), unit)
	}
	require.Equal(t, int64(2025), scalar(t, "year", &Literal{Value: int64(20393), T: Date}))
	require.Equal(t, int64(13), scalar(t, "hour", "2026-11-01 13:00:00"))
}

func TestFloorCeilTo(t *testing.T) {
	ts := []any{"2026-11-04 13:45:30.123", "2026-11-01 00:00:00", nil}
	for _, c := range []struct {
		unit        string
		floor, ceil []any
	}{
		{"SECOND", []any{"2026-11-04 13:45:30.000", "2026-11-01 00:00:00.000", nil}, []any{"2026-11-04 13:45:31.000", "2026-11-01 00:00:00.000", nil}},
		{"MINUTE", []any{"2026-11-04 13:45:00.000", "2026-11-01 00:00:00.000", nil}, []any{"2026-11-04 13:46:00.000", "2026-11-01 00:00:00.000", nil}},
		{"hour", []any{"2026-11-04 13:00:00.000", "2026-11-01 00:00:00.000", nil}, []any{"2026-11-04 14:00:00.000", "2026-11-01 00:00:00.000", nil}},
		{"DAY", []any{"2026-11-04 00:00:00.000", "2026-11-01 00:00:00.000", nil}, []any{"2026-11-05 00:00:00.000", "2026-11-01 00:00:00.000", nil}},
		// 2026-11-04 is a Wednesday; weeks start on Sunday (2026-11-01)
		{"WEEK", []any{"2026-11-01 00:00:00.000", "2026-11-01 00:00:00.000", nil}, []any{"2026-11-08 00:00:00.000", "2026-11-01 00:00:00.000", nil}},
		{"MONTH", []any{"2026-11-01 00:00:00.000", "2026-11-01 00:00:00.000", nil}, []any{"2026-12-01 00:00:00.000", "2026-11-01 00:00:00.000", nil}},
		{"QUARTER", []any{"2026-10-01 00:00:00.000", "2026-10-01 00:00:00.000", nil}, []any{"2027-01-01 00:00:00.000", "2027-01-01 00:00:00.000", nil}},
		{"YEAR", []any{"2026-01-01 00:00:00.000", "2026-01-01 00:00:00.000", nil}, []any{"2027-01-01 00:00:00.000", "2027-01-01 00:00:00.000", nil}},
	} {
		require.Equal(t, c.floor, overColumn(t, Timestamp, ts, "floor_to", c.unit), "floor "+c.unit)
		require.Equal(t, c.ceil, overColumn(t, Timestamp, ts, "ceil_to", c.unit), "ceil "+c.unit)
	}
	require.Equal(t, []any{"1969-12-31 00:00:00.000"}, overColumn(t, Timestamp, []any{-1}, "floor", "DAY"))
	_, err := NewCall("floor_to", col(0, Timestamp), lit("FORTNIGHT"))
	require.Error(t, err)
	e := mustCall(t, "floor", col(0, TimestampLTZ), lit("minute"))
	require.Equal(t, TimestampLTZ, e.Type())
}

func TestDateFormat(t *testing.T) {
	ts := tsLit("2026-11-04 13:05:09.007")
	for pat, want := range map[string]string{
		"yyyy-MM-dd HH:mm:ss":          "2026-11-04 13:05:09",
		"yyyy-MM-dd HH:mm:ss.SSS":      "2026-11-04 13:05:09.007",
		"yy/M/d H:m:s":                 "26/11/4 13:5:9",
		"EEE, d MMM yyyy hh:mm a":      "Wed, 4 Nov 2026 01:05 PM",
		"EEEE MMMM":                    "Wednesday November",
		"yyyyMMdd'T'HHmmss'Z'":         "20261104T130509Z",
		"'It''s' D":                    "It's 308",
		"yyyy-MM-dd'T'HH:mm:ss.SSSXXX": "2026-11-04T13:05:09.007Z",
	} {
		require.Equal(t, want, scalar(t, "date_format", ts, pat), pat)
	}
	require.Equal(t, "2026-11-04", scalar(t, "date_format", "2026-11-04 13:05:09", "yyyy-MM-dd"))
	require.Nil(t, scalar(t, "date_format", nil, "yyyy"))
}

func TestParseTimeFunctions(t *testing.T) {
	require.Equal(t, "2026-11-04 13:05:09.000", scalar(t, "to_timestamp", "2026-11-04 13:05:09"))
	require.Equal(t, "2026-11-04 13:05:09.120", scalar(t, "to_timestamp", "2026-11-04 13:05:09.12"))
	require.Nil(t, scalar(t, "to_timestamp", "garbage"))
	require.Equal(t, "2026-11-04 13:05:00.000", scalar(t, "to_timestamp", "04/11/2026 13:05", "dd/MM/yyyy HH:mm"))
	require.Equal(t, "2026-11-04 00:00:00.000", scalar(t, "to_timestamp", "20261104", "yyyyMMdd"))
	require.Nil(t, scalar(t, "to_timestamp", "2026-02-30", "yyyy-MM-dd"))
	require.Equal(t, int64(20396), scalar(t, "to_date", "2025-11-04"))
	require.Equal(t, int64(20396), scalar(t, "to_date", "11/04/2025", "MM/dd/yyyy"))
	require.Equal(t, "2026-11-01 00:00:10.000", scalar(t, "to_timestamp_ltz", 1793491210, 0))
	require.Equal(t, "2026-11-01 00:00:10.500", scalar(t, "to_timestamp_ltz", 1793491210500))
	require.Equal(t, "2026-11-01 00:00:10.500", scalar(t, "to_timestamp_ltz", 1793491210.5, 0))
	require.Equal(t, int64(1793491210), scalar(t, "unix_timestamp", "2026-11-01 00:00:10"))
	require.Equal(t, "2026-11-01 00:00:10", scalar(t, "from_unixtime", 1793491210))
	require.Equal(t, "2026-11", scalar(t, "from_unixtime", 1793491210, "yyyy-MM"))
	_, err := NewCall("to_timestamp_ltz", lit(1), lit(6))
	require.Error(t, err)
}

func TestTimestampAddDiff(t *testing.T) {
	require.Equal(t, "2026-02-28 10:00:00.000", scalar(t, "timestampadd", "MONTH", 1, tsLit("2026-01-31 10:00:00")))
	require.Equal(t, "2028-02-29 00:00:00.000", scalar(t, "timestampadd", "YEAR", 4, tsLit("2024-02-29 00:00:00")))
	require.Equal(t, "2026-10-31 23:00:00.000", scalar(t, "timestampadd", "HOUR", -1, tsLit("2026-11-01 00:00:00")))
	require.Equal(t, "2027-02-01 00:00:00.000", scalar(t, "timestampadd", "QUARTER", 1, tsLit("2026-11-01 00:00:00")))
	require.Equal(t, int64(2), scalar(t, "timestampdiff", "DAY", tsLit("2026-11-01 00:00:00"), tsLit("2026-11-03 12:00:00")))
	require.Equal(t, int64(-1), scalar(t, "timestampdiff", "MONTH", tsLit("2026-03-15 00:00:00"), tsLit("2026-02-01 00:00:00")))
	require.Equal(t, int64(0), scalar(t, "timestampdiff", "MONTH", tsLit("2026-01-31 00:00:00"), tsLit("2026-02-28 00:00:00")))
	require.Equal(t, int64(1), scalar(t, "timestampdiff", "YEAR", tsLit("2025-01-01 00:00:00"), tsLit("2026-06-01 00:00:00")))
}

func TestClockFunctions(t *testing.T) {
	old := Clock
	Clock = func() time.Time { return time.UnixMilli(1793491210500) }
	defer func() { Clock = old }()
	e := mustCall(t, "current_timestamp")
	require.IsType(t, &Call{}, e) // never folded
	require.Equal(t, TimestampLTZ, e.Type())
	require.Equal(t, "2026-11-01 00:00:10.500", evalConst(t, e))
	require.Equal(t, "2026-11-01 00:00:10.500", evalConst(t, mustCall(t, "localtimestamp")))
	require.Equal(t, int64(20758), evalConst(t, mustCall(t, "current_date")))
	require.Equal(t, int64(1793491210), evalConst(t, mustCall(t, "unix_timestamp")))
	require.Equal(t, TimestampLTZ, mustCall(t, "NOW").Type())
}

func TestTimestampParseFormatRoundTrip(t *testing.T) {
	for _, s := range []string{"1970-01-01 00:00:00.000", "1969-12-31 23:59:59.999", "2000-02-29 12:34:56.789", "0001-01-01 00:00:00.000", "9999-12-31 23:59:59.999"} {
		ms, ok := ParseTimestamp(s)
		require.True(t, ok, s)
		require.Equal(t, s, FormatTimestamp(ms))
		require.Equal(t, time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Year(), 0)
		parsed, _ := time.Parse("2006-01-02 15:04:05.000", s)
		require.Equal(t, parsed.UnixMilli(), ms, s)
	}
}
