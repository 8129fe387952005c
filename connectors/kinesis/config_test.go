package kinesis

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/connectors"
)

func TestKinesisParseConfig(t *testing.T) {
	base := func(kv ...string) map[string]string {
		o := map[string]string{"stream": "bids", "aws.region": "eu-west-1", "format": "json"}
		for i := 0; i+1 < len(kv); i += 2 {
			o[kv[i]] = kv[i+1]
		}
		return o
	}
	c, err := ParseConfig(base())
	require.NoError(t, err)
	require.Equal(t, Latest, c.InitPos, "Flink's default")
	require.Equal(t, "AUTO", c.Credentials)
	require.Equal(t, Polling, c.Publisher)
	require.Equal(t, 10*time.Second, c.DiscoveryInterval)
	require.Equal(t, int32(10000), c.GetRecordsMax)
	require.Equal(t, 200*time.Millisecond, c.GetRecordsInterval)
	require.Equal(t, Backoff{MaxRetries: 10, Base: 300 * time.Millisecond, Max: time.Second, ExpConst: 1.5}, c.GetRecordsRetry)
	require.Equal(t, 500, c.BatchMaxSize)
	require.Equal(t, 5<<20, c.FlushBufferSize)
	require.False(t, c.Bounded)

	c, err = ParseConfig(base("scan.stream.initpos", "at_timestamp", "scan.stream.initpos-timestamp", "2026-11-01T00:00:10.000Z",
		"scan.bounded.mode", "latest", "scan.shard.discovery.intervalmillis", "1 s", "aws.endpoint", "http://127.0.0.1:1"))
	require.NoError(t, err)
	require.Equal(t, AtTimestamp, c.InitPos)
	require.Equal(t, int64(1793491210000), c.InitTimestamp.UnixMilli())
	require.True(t, c.Bounded)
	require.Equal(t, time.Second, c.DiscoveryInterval)
	c, err = ParseConfig(base("scan.stream.initpos", "AT_TIMESTAMP", "scan.stream.initpos-timestamp", "1793491210.5"))
	require.NoError(t, err)
	require.Equal(t, int64(1793491210500), c.InitTimestamp.UnixMilli(), "epoch seconds, as Flink")

	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	c, err = ParseConfig(map[string]string{"stream": "s", "aws.endpoint": "http://127.0.0.1:4567"})
	require.NoError(t, err)
	require.Equal(t, "us-east-1", c.Region, "a local endpoint needs no region")

	for _, bad := range []struct {
		opts map[string]string
		msg  string
	}{
		{map[string]string{"format": "json"}, "option 'stream'"},
		{map[string]string{"stream": "s"}, "set option 'aws.region'"},
		{base("stream", "arn:aws:kinesis:x"), "give the name, not the ARN"},
		{base("scan.stream.initpos", "EARLIEST"), "TRIM_HORIZON, LATEST or AT_TIMESTAMP"},
		{base("scan.stream.initpos", "AT_TIMESTAMP"), "needs 'scan.stream.initpos-timestamp'"},
		{base("scan.stream.initpos-timestamp", "2026-11-01T00:00:00Z"), "needs 'scan.stream.initpos' = 'AT_TIMESTAMP'"},
		{base("scan.stream.initpos", "AT_TIMESTAMP", "scan.stream.initpos-timestamp", "yesterday"), "is not a time"},
		{base("scan.bounded.mode", "latest-offset"), "'unbounded' or 'latest'"},
		{base("aws.credentials.provider", "BASIC"), "needs 'aws.credentials.basic.accesskeyid'"},
		{base("aws.credentials.provider", "ASSUME_ROLE"), "AUTO, BASIC or PROFILE"},
		{base("aws.credentials.basic.accesskeyid", "x"), "only with 'aws.credentials.provider' = 'BASIC'"},
		{base("aws.endpoint", "127.0.0.1:4567"), "starting with http://"},
		{base("scan.stream.recordpublisher", "EFO"), "needs 'scan.stream.efo.consumername'"},
		{base("scan.stream.recordpublisher", "KCL"), "POLLING or EFO"},
		{base("scan.stream.efo.consumername", "c"), "needs 'scan.stream.recordpublisher' = 'EFO'"},
		{base("scan.shard.getrecords.maxrecordcount", "20000"), "from 1 to 10000"},
		{base("scan.shard.discovery.intervalmillis", "soon"), "'scan.shard.discovery.intervalmillis'"},
		{base("scan.shard.getrecords.backoff.base", "2000"), "must not be less than"},
		{base("sink.batch.max-size", "501"), "from 1 to 500"},
		{base("sink.fail-on-error", "yes"), "true or false"},
	} {
		_, err := ParseConfig(bad.opts)
		require.ErrorContains(t, err, bad.msg, "%v", bad.opts)
	}
}

// TestKinesisFactoryOptions: the factory knows every documented option and Flink's metadata names.
func TestKinesisFactoryOptions(t *testing.T) {
	f, err := connectors.Lookup("kinesis")
	require.NoError(t, err)
	require.NoError(t, f.CheckOptions(map[string]string{"connector": "kinesis", "stream": "s", "format": "json",
		"scan.stream.initpos": "LATEST", "json.ignore-parse-errors": "true", "source.idle-timeout": "5 s"}))
	require.ErrorContains(t, f.CheckOptions(map[string]string{"connector": "kinesis", "stream": "s", "scan.startup.mode": "x"}),
		"unknown option 'scan.startup.mode'")
	for _, k := range []string{"shard_id", "sequence_number", "approximate_arrival_timestamp", "partition_key", "shard-id", "sequence-number", "timestamp"} {
		require.Contains(t, f.Metadata, k)
	}
}

func TestKinesisBackoff(t *testing.T) {
	b := Backoff{MaxRetries: 5, Base: 100 * time.Millisecond, Max: time.Second, ExpConst: 2}
	require.Equal(t, 10*time.Millisecond, b.Delay(0, 0), "jitter keeps a tenth")
	require.Equal(t, 100*time.Millisecond, b.Delay(0, 0.9999999999).Round(time.Millisecond))
	require.InDelta(t, float64(400*time.Millisecond), float64(b.Delay(2, 0.9999999999)), float64(time.Millisecond))
	require.Equal(t, time.Second, b.Delay(30, 0.9999999999).Round(time.Millisecond), "capped")
	require.Equal(t, time.Second, b.Delay(5000, 0.9999999999).Round(time.Millisecond), "no overflow")
}
