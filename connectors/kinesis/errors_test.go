package kinesis

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/connectors"
)

// runErr runs a source to its first error, which must come within limit.
func runErr(t *testing.T, src *tableSource, limit time.Duration) error {
	t.Helper()
	start := time.Now()
	err := src.Run(testCtx(t, time.Minute), newCollector())
	require.Error(t, err)
	require.Less(t, time.Since(start), limit, "an error, not a hang: %v", err)
	return err
}

// TestKinesisStartupErrors: a missing stream, an endpoint where nothing listens, credentials the
// service rejects, no credentials at all, and EFO where it is not served are clear errors
// naming the table and the fix, and come quickly.
func TestKinesisStartupErrors(t *testing.T) {
	p := startPeer(t)
	p.create(t, "bids", 1)
	mem := newMem(t)

	err := runErr(t, newSource(t, mem, bidSchema, nil, p.options("nope"), nil), 5*time.Second)
	require.ErrorContains(t, err, "table 'bids': Kinesis stream 'nope' does not exist in endpoint "+p.endpoint+"; check option 'stream' and 'aws.region'")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := "http://" + l.Addr().String()
	l.Close()
	o := p.options("bids", "aws.endpoint", dead)
	err = runErr(t, newSource(t, mem, bidSchema, nil, o, nil), 5*time.Second)
	require.ErrorContains(t, err, "cannot reach Kinesis in endpoint "+dead)
	require.ErrorContains(t, err, "check 'aws.endpoint' / 'aws.region'")
	_, err = newTableSink(connectors.TableSpec{Name: "out", Schema: countSchema, Options: o, Mem: mem})
	require.ErrorContains(t, err, "table 'out': cannot reach Kinesis")

	src := newSource(t, mem, bidSchema, nil, p.options("bids"), nil)
	src.cfg.HTTPClient = newFaults(func(string, int) string { return "400 UnrecognizedClientException" }).client()
	err = runErr(t, src, 5*time.Second)
	require.ErrorContains(t, err, "rejected the credentials (UnrecognizedClientException")
	require.ErrorContains(t, err, "'aws.credentials.provider'")

	// AUTO with nothing in the environment: no keys, no files, no instance metadata.
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "")
	t.Setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "")
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "")
	o = p.options("bids")
	delete(o, "aws.credentials.provider")
	delete(o, "aws.credentials.basic.accesskeyid")
	delete(o, "aws.credentials.basic.secretkey")
	err = runErr(t, newSource(t, mem, bidSchema, nil, o, nil), 10*time.Second)
	require.ErrorContains(t, err, "no AWS credentials found")

	// Enhanced fan-out: kinesalite does not serve it.
	src = newSource(t, mem, bidSchema, nil, p.options("bids", "scan.stream.recordpublisher", "EFO", "scan.stream.efo.consumername", "eddy"), nil)
	err = runErr(t, src, 10*time.Second)
	require.ErrorContains(t, err, "table 'bids'")
	t.Logf("EFO against kinesalite: %v", err)
}

// TestKinesisStartupTimeout: an endpoint that accepts connections but never answers fails within
// 'aws.startup-timeout'.
func TestKinesisStartupTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold it open, say nothing
		}
	}()
	mem := newMem(t)
	opts := map[string]string{"connector": "kinesis", "stream": "bids", "aws.endpoint": "http://" + l.Addr().String(),
		"aws.credentials.provider": "BASIC", "aws.credentials.basic.accesskeyid": "x", "aws.credentials.basic.secretkey": "y",
		"format": "json", "aws.startup-timeout": "1 s"}
	src := newSource(t, mem, bidSchema, nil, opts, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	err = src.Run(ctx, newCollector())
	require.ErrorContains(t, err, "no answer from Kinesis in endpoint http://"+l.Addr().String()+" within 'aws.startup-timeout' (1s)")
	require.Less(t, time.Since(start), 5*time.Second)
}
