package kafka

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
)

func opts(kv ...string) map[string]string {
	m := map[string]string{"connector": "kafka", "format": "json", "properties.bootstrap.servers": "localhost:9092"}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "<unset>" {
			delete(m, kv[i])
			continue
		}
		m[kv[i]] = kv[i+1]
	}
	return m
}

// TestParseConfigDefaults: the minimum is a topic and bootstrap servers; everything else takes
// Flink's defaults (earliest without a group, group-offsets with one).
func TestParseConfigDefaults(t *testing.T) {
	c, err := ParseConfig(opts("topic", "orders"))
	require.NoError(t, err)
	assert.Equal(t, []string{"orders"}, c.Topics)
	assert.Equal(t, []string{"localhost:9092"}, c.Brokers)
	assert.Equal(t, StartEarliest, c.StartupMode)
	assert.Equal(t, Unbounded, c.BoundedMode)
	assert.Equal(t, PartitionDefault, c.Partitioner)
	assert.Equal(t, AtLeastOnce, c.DeliveryGuarantee)
	assert.Equal(t, 5*time.Second, c.ConnectTimeout)
	assert.Equal(t, "PLAINTEXT", c.Security.Protocol)
	assert.False(t, c.Security.NoHostnameVerification)
	assert.False(t, c.ReadCommitted)
	assert.Equal(t, DefaultMaxPollRecords, c.MaxPollRecords)

	c, err = ParseConfig(opts("topic", "orders", "properties.group.id", "g"))
	require.NoError(t, err)
	assert.Equal(t, StartGroupOffsets, c.StartupMode)
}

// TestParseConfigAll: every table option and field property lands in its Config field.
func TestParseConfigAll(t *testing.T) {
	c, err := ParseConfig(opts(
		"topic", " a ; b;c ",
		"properties.bootstrap.servers", "b1:9092, b2:9093",
		"properties.group.id", "g1",
		"scan.startup.mode", "TIMESTAMP",
		"scan.startup.timestamp-millis", "1700000000000",
		"scan.bounded.mode", "timestamp",
		"scan.bounded.timestamp-millis", "1800000000000",
		"sink.partitioner", "round-robin",
		"properties.isolation.level", "read_committed",
		"properties.auto.offset.reset", "latest",
		"properties.max.poll.records", "500",
		"properties.socket.connection.setup.timeout.ms", "1500",
		"properties.allow.auto.create.topics", "true",
		"properties.client.id", "eddy-test",
	))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "c"}, c.Topics)
	assert.Equal(t, []string{"b1:9092", "b2:9093"}, c.Brokers)
	assert.Equal(t, "g1", c.GroupID)
	assert.Equal(t, StartTimestamp, c.StartupMode)
	assert.Equal(t, int64(1700000000000), c.StartupTimestampMillis)
	assert.Equal(t, BoundedTimestamp, c.BoundedMode)
	assert.Equal(t, int64(1800000000000), c.BoundedTimestampMillis)
	assert.Equal(t, PartitionRoundRobin, c.Partitioner)
	assert.True(t, c.ReadCommitted)
	assert.Equal(t, "latest", c.AutoOffsetReset)
	assert.Equal(t, 500, c.MaxPollRecords)
	assert.Equal(t, 1500*time.Millisecond, c.ConnectTimeout)
	assert.True(t, c.AllowAutoTopicCreation)
	assert.Equal(t, "eddy-test", c.Properties["client.id"])

	c, err = ParseConfig(opts("topic", "t",
		"scan.startup.mode", "specific-offsets", "scan.startup.specific-offsets", "partition:0,offset:42;partition:1,offset:300",
		"scan.bounded.mode", "specific-offsets", "scan.bounded.specific-offsets", "partition:1, offset:400;",
		"sink.delivery-guarantee", "exactly-once", "sink.transactional-id-prefix", "job7",
		"sink.partitioner", "fixed"))
	require.NoError(t, err)
	assert.Equal(t, map[int32]int64{0: 42, 1: 300}, c.StartupOffsets)
	assert.Equal(t, map[int32]int64{1: 400}, c.BoundedOffsets)
	assert.Equal(t, ExactlyOnce, c.DeliveryGuarantee)
	assert.Equal(t, PartitionFixed, c.Partitioner)
	c.WriterIndex = 3
	assert.Equal(t, "job7-3", c.TransactionalID())

	c, err = ParseConfig(opts("topic-pattern", "orders-.*"))
	require.NoError(t, err)
	assert.True(t, c.TopicPattern.MatchString("orders-eu"))
	assert.False(t, c.TopicPattern.MatchString("x-orders-eu"), "the pattern must match the whole name")
}

// TestParseConfigErrors: each mistake is an error naming the option and the fix.
func TestParseConfigErrors(t *testing.T) {
	cases := []struct {
		opts []string
		want []string
	}{
		{[]string{}, []string{"'topic'", "required"}},
		{[]string{"topic", "a", "topic-pattern", "b"}, []string{"'topic' and 'topic-pattern'"}},
		{[]string{"topic", "bad name"}, []string{"'topic'", "letters, digits"}},
		{[]string{"topic-pattern", "(["}, []string{"'topic-pattern'", "regular expression"}},
		{[]string{"topic", "t", "properties.bootstrap.servers", "<unset>"}, []string{"'properties.bootstrap.servers' is required"}},
		{[]string{"topic", "t", "properties.bootstrap.servers", "localhost"}, []string{"'properties.bootstrap.servers'", "host:port"}},
		{[]string{"topic", "t", "scan.startup.mode", "beginning"}, []string{"'scan.startup.mode'", "earliest-offset"}},
		{[]string{"topic", "t", "scan.startup.mode", "group-offsets"}, []string{"needs option 'properties.group.id'"}},
		{[]string{"topic", "t", "scan.startup.mode", "timestamp"}, []string{"'scan.startup.timestamp-millis'"}},
		{[]string{"topic", "t", "scan.startup.timestamp-millis", "5"}, []string{"needs 'scan.startup.mode' = 'timestamp'"}},
		{[]string{"topic", "t", "scan.startup.mode", "timestamp", "scan.startup.timestamp-millis", "yesterday"}, []string{"epoch milliseconds"}},
		{[]string{"topic", "t", "scan.startup.mode", "specific-offsets"}, []string{"'scan.startup.specific-offsets'", "partition:0,offset:42"}},
		{[]string{"topic", "t", "scan.startup.mode", "specific-offsets", "scan.startup.specific-offsets", "0:42"}, []string{"cannot read '0:42'"}},
		{[]string{"topic", "t", "scan.startup.mode", "specific-offsets", "scan.startup.specific-offsets", "partition:0,offset:1;partition:0,offset:2"}, []string{"partition 0 twice"}},
		{[]string{"topic", "a;b", "scan.startup.mode", "specific-offsets", "scan.startup.specific-offsets", "partition:0,offset:1"}, []string{"single 'topic'"}},
		{[]string{"topic", "t", "scan.bounded.mode", "forever"}, []string{"'scan.bounded.mode'"}},
		{[]string{"topic", "t", "scan.bounded.mode", "group-offsets"}, []string{"'properties.group.id'"}},
		{[]string{"topic", "t", "scan.bounded.mode", "timestamp"}, []string{"'scan.bounded.timestamp-millis'"}},
		{[]string{"topic", "t", "sink.partitioner", "com.acme.MyPartitioner"}, []string{"'sink.partitioner'", "round-robin"}},
		{[]string{"topic", "t", "sink.delivery-guarantee", "exactly-once"}, []string{"'sink.transactional-id-prefix'"}},
		{[]string{"topic", "t", "sink.delivery-guarantee", "maybe"}, []string{"'sink.delivery-guarantee'"}},
		{[]string{"topic", "t", "sink.delivery-guarantee", "exactly-once", "sink.transactional-id-prefix", "p", "properties.acks", "1"}, []string{"'properties.acks' = 'all'"}},
		{[]string{"topic", "t", "properties.fetch.max.bytes", "lots"}, []string{"'properties.fetch.max.bytes'", "not an integer"}},
		{[]string{"topic", "t", "properties.isolation.level", "serializable"}, []string{"'properties.isolation.level'", "read_committed"}},
		{[]string{"topic", "t", "properties.compression.type", "brotli"}, []string{"'properties.compression.type'", "zstd"}},
		{[]string{"topic", "t", "properties.acks", "1", "properties.enable.idempotence", "true"}, []string{"idempotence needs acks 'all'"}},
		{[]string{"topic", "t", "properties.transactional.id", "x"}, []string{"'sink.transactional-id-prefix'"}},
		{[]string{"topic", "t", "properties.partition.discovery.interval.ms", "1000"}, []string{"'properties.partition.discovery.interval.ms' is not a client property", "client.id", "fetch.max.bytes", "isolation.level"}},
		{[]string{"topic", "t", "properties.security.protocol", "TLS"}, []string{"'properties.security.protocol'", "SASL_SSL"}},
		{[]string{"topic", "t", "properties.security.protocol", "SASL_SSL"}, []string{"needs 'properties.sasl.mechanism'"}},
		{[]string{"topic", "t", "properties.sasl.mechanism", "PLAIN"}, []string{"needs 'properties.security.protocol' = 'SASL_SSL'"}},
		{[]string{"topic", "t", "properties.security.protocol", "SASL_SSL", "properties.sasl.mechanism", "GSSAPI"}, []string{"Kerberos", "not supported"}},
		{[]string{"topic", "t", "properties.security.protocol", "SASL_SSL", "properties.sasl.mechanism", "PLAIN"}, []string{"'properties.sasl.jaas.config'", "PlainLoginModule required username="}},
		{[]string{"topic", "t", "properties.security.protocol", "SASL_SSL", "properties.sasl.mechanism", "SCRAM-SHA-256",
			"properties.sasl.jaas.config", `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";`}, []string{"needs ScramLoginModule"}},
		{[]string{"topic", "t", "properties.security.protocol", "SASL_SSL", "properties.sasl.mechanism", "PLAIN",
			"properties.sasl.jaas.config", `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p`}, []string{"no closing quote"}},
		{[]string{"topic", "t", "properties.ssl.truststore.location", "/tmp/ca.pem"}, []string{"'properties.ssl.truststore.location' needs 'properties.security.protocol' = 'SSL'"}},
		{[]string{"topic", "t", "properties.security.protocol", "SSL", "properties.ssl.truststore.type", "JKS"}, []string{"only PEM", "keytool"}},
		{[]string{"topic", "t", "properties.security.protocol", "SSL", "properties.ssl.endpoint.identification.algorithm", "dns"}, []string{"'properties.ssl.endpoint.identification.algorithm'"}},
		{[]string{"topic", "t", "properties.security.protocol", "SASL_SSL", "properties.sasl.mechanism", "OAUTHBEARER"}, []string{"only for AWS MSK IAM"}},
		{[]string{"topic", "t", "properties.security.protocol", "SASL_SSL", "properties.sasl.client.callback.handler.class", "com.acme.Handler"}, []string{"not supported"}},
	}
	for _, tc := range cases {
		_, err := ParseConfig(opts(tc.opts...))
		if !assert.Error(t, err, "options %v", tc.opts) {
			continue
		}
		assert.True(t, strings.HasPrefix(err.Error(), "kafka: "), err.Error())
		for _, w := range tc.want {
			assert.Contains(t, err.Error(), w, "options %v", tc.opts)
		}
	}
}

// TestOptionDocs: every table option and every mapped property is documented once, and each
// documented key is accepted by ParseConfig's key check.
func TestOptionDocs(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range OptionDocs() {
		assert.False(t, seen[d.Key], "duplicate %s", d.Key)
		seen[d.Key] = true
		assert.NotEmpty(t, d.Doc, d.Key)
		assert.Equal(t, strings.ToLower(d.Key), d.Key)
	}
	for _, k := range []string{"topic", "topic-pattern", "scan.startup.mode", "scan.startup.timestamp-millis",
		"scan.startup.specific-offsets", "scan.bounded.mode", "scan.bounded.timestamp-millis", "scan.bounded.specific-offsets",
		"sink.partitioner", "sink.delivery-guarantee", "sink.transactional-id-prefix",
		"properties.bootstrap.servers", "properties.group.id", "properties.security.protocol",
		"properties.ssl.truststore.location", "properties.ssl.endpoint.identification.algorithm",
		"properties.sasl.mechanism", "properties.sasl.jaas.config", "properties.aws.region",
		"properties.client.id", "properties.request.timeout.ms", "properties.isolation.level",
		"properties.fetch.max.bytes", "properties.max.partition.fetch.bytes"} {
		assert.True(t, seen[k], "OptionDocs lacks %s", k)
	}
	assert.Equal(t, "properties.", PropertyPrefix())
	for _, k := range MappedProperties() {
		assert.True(t, seen[PropertyPrefix()+k], k)
	}
}

// TestJAAS: Kafka's JAAS syntax with quotes, escapes, bare values, a missing final ';'.
func TestJAAS(t *testing.T) {
	m, o, err := parseJAAS(`org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="p a;s\"s";`)
	require.NoError(t, err)
	assert.Equal(t, "org.apache.kafka.common.security.plain.PlainLoginModule", m)
	assert.Equal(t, map[string]string{"username": "alice", "password": `p a;s"s`}, o)

	m, o, err = parseJAAS("  org.apache.kafka.common.security.scram.ScramLoginModule   REQUIRED\n username=bob\tpassword=x ")
	require.NoError(t, err)
	assert.Equal(t, "org.apache.kafka.common.security.scram.ScramLoginModule", m)
	assert.Equal(t, map[string]string{"username": "bob", "password": "x"}, o)

	_, o, err = parseJAAS(`software.amazon.msk.auth.iam.IAMLoginModule required awsProfileName="prod" awsRoleArn="arn:aws:iam::1:role/r";`)
	require.NoError(t, err)
	assert.Equal(t, "prod", o["awsProfileName"])

	for _, bad := range []string{"", "Module", "Module always;", `Module required user "x";`, `Module required a="1"; Other required;`} {
		_, _, err := parseJAAS(bad)
		assert.Error(t, err, bad)
	}
}

// TestClientOptsMapping: the tuning properties reach franz-go with the right values.
func TestClientOptsMapping(t *testing.T) {
	c, err := ParseConfig(opts("topic", "t",
		"properties.client.id", "eddy-1",
		"properties.request.timeout.ms", "7000",
		"properties.fetch.max.bytes", "1000000",
		"properties.max.partition.fetch.bytes", "200000",
		"properties.fetch.max.wait.ms", "250",
		"properties.linger.ms", "5",
		"properties.compression.type", "zstd",
		"properties.isolation.level", "read_committed",
		"properties.acks", "1",
		"properties.socket.connection.setup.timeout.ms", "2000",
	))
	require.NoError(t, err)
	o, err := c.ClientOpts()
	require.NoError(t, err)
	cl, err := kgo.NewClient(o...)
	require.NoError(t, err)
	defer cl.Close()
	assert.Equal(t, "eddy-1", cl.OptValue(kgo.ClientID))
	assert.Equal(t, 7*time.Second, cl.OptValue(kgo.RequestTimeoutOverhead))
	assert.Equal(t, int32(1000000), cl.OptValue(kgo.FetchMaxBytes))
	assert.Equal(t, int32(200000), cl.OptValue(kgo.FetchMaxPartitionBytes))
	assert.Equal(t, 250*time.Millisecond, cl.OptValue(kgo.FetchMaxWait))
	assert.Equal(t, 5*time.Millisecond, cl.OptValue(kgo.ProducerLinger))
	assert.Equal(t, 2*time.Second, cl.OptValue(kgo.DialTimeout))
	assert.Equal(t, int8(1), cl.OptValue(kgo.FetchIsolationLevel), "read_committed")
	assert.Equal(t, kgo.LeaderAck(), cl.OptValue(kgo.RequiredAcks))
	assert.Equal(t, true, cl.OptValue(kgo.DisableIdempotentWrite), "acks=1 turns idempotence off")

	// A Config filled in by hand with an unknown property fails in ClientOpts too.
	c.Properties["sasl.kerberos.service.name"] = "kafka"
	_, err = c.ClientOpts()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "'properties.sasl.kerberos.service.name' is not a client property eddy maps; remove it or use one of: acks, allow.auto.create.topics")
}

// TestMSKIAMConfigured: AWS_MSK_IAM (and Java's OAUTHBEARER + IAM callback handler spelling)
// configures OAUTHBEARER with an MSK IAM token signed by aws-msk-iam-sasl-signer-go, for the
// region from the option or the environment. Signing needs no network with static
// credentials, so the token is checked here; no AWS access is made.
func TestMSKIAMConfigured(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	base := []string{"topic", "t", "properties.security.protocol", "SASL_SSL", "properties.sasl.mechanism", "AWS_MSK_IAM"}
	_, err := ParseConfig(opts(base...))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "set 'properties.aws.region'")

	c, err := ParseConfig(opts(append(base, "properties.aws.region", "eu-west-1",
		"properties.sasl.jaas.config", "software.amazon.msk.auth.iam.IAMLoginModule required;",
		"properties.sasl.client.callback.handler.class", "software.amazon.msk.auth.iam.IAMClientCallbackHandler")...))
	require.NoError(t, err)
	assert.Equal(t, "eu-west-1", c.Security.AWSRegion)

	t.Setenv("AWS_REGION", "us-east-1")
	c, err = ParseConfig(opts("topic", "t", "properties.security.protocol", "SASL_SSL", "properties.sasl.mechanism", "OAUTHBEARER",
		"properties.sasl.login.callback.handler.class", "software.amazon.msk.auth.iam.IAMOAuthBearerLoginCallbackHandler",
		"properties.sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;"))
	require.NoError(t, err)
	assert.Equal(t, "AWS_MSK_IAM", c.Security.SASLMechanism)
	assert.Equal(t, "us-east-1", c.Security.AWSRegion)

	m := c.Security.mechanism()
	require.NotNil(t, m)
	assert.Equal(t, "OAUTHBEARER", m.Name())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, first, err := m.Authenticate(ctx, "b-1.example.kafka.us-east-1.amazonaws.com:9098")
	require.NoError(t, err)
	// OAUTHBEARER's client-first message: n,,\x01auth=Bearer <token>\x01\x01
	msg := string(first)
	i := strings.Index(msg, "auth=Bearer ")
	require.True(t, i >= 0, msg)
	token := strings.TrimRight(msg[i+len("auth=Bearer "):], "\x01")
	raw, err := base64.RawURLEncoding.DecodeString(token)
	require.NoError(t, err)
	u, err := url.Parse(string(raw))
	require.NoError(t, err)
	assert.Equal(t, "kafka.us-east-1.amazonaws.com", u.Host)
	assert.Equal(t, "kafka-cluster:Connect", u.Query().Get("Action"))
	assert.Contains(t, u.Query().Get("X-Amz-Credential"), "AKIDEXAMPLE/")
	assert.Contains(t, u.Query().Get("X-Amz-Credential"), "/us-east-1/kafka-cluster/")

	o, err := c.ClientOpts()
	require.NoError(t, err)
	cl, err := kgo.NewClient(o...)
	require.NoError(t, err)
	defer cl.Close()
	assert.NotNil(t, cl.OptValue(kgo.SASL), "the client carries the SASL mechanism")
}
