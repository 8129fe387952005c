package kafka

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// propSpec describes one 'properties.*' key. Exactly one of field and opt is set: field
// stores the value in a Config field (ParseConfig), opt maps it onto franz-go (ClientOpts).
type propSpec struct {
	def, doc string
	field    func(c *Config, v string) error
	opt      func(v string) ([]kgo.Opt, error)
}

// MSK IAM class names that Java client configurations carry; accepted so that such a
// configuration can be copied as is.
const (
	mskClientCallbackHandler = "software.amazon.msk.auth.iam.IAMClientCallbackHandler"
	mskLoginCallbackHandler  = "software.amazon.msk.auth.iam.IAMOAuthBearerLoginCallbackHandler"
)

var propertySpecs map[string]propSpec

func init() {
	propertySpecs = map[string]propSpec{
		// Connection.
		"bootstrap.servers": {doc: "required: brokers to connect to, 'host:port,host:port'", field: func(c *Config, v string) error {
			for _, b := range strings.Split(v, ",") {
				if b = strings.TrimSpace(b); b == "" {
					continue
				}
				host, port, err := net.SplitHostPort(b)
				if p, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || p <= 0 || p > 65535 {
					return fmt.Errorf("'%s' is not host:port; write e.g. 'localhost:9092,broker2:9092'", b)
				}
				c.Brokers = append(c.Brokers, b)
			}
			if len(c.Brokers) == 0 {
				return fmt.Errorf("is empty; write e.g. 'localhost:9092'")
			}
			return nil
		}},
		"group.id": {doc: "consumer group whose committed offsets group-offsets modes read and CommitOffsets writes (the reader does not join the group)", field: func(c *Config, v string) error {
			c.GroupID = v
			return nil
		}},
		"client.id": {doc: "client id sent to the brokers (logs, quotas)", opt: func(v string) ([]kgo.Opt, error) {
			return []kgo.Opt{kgo.ClientID(v)}, nil
		}},
		"client.rack": {doc: "rack of this client, to fetch from a replica in the same rack (KIP-392)", opt: func(v string) ([]kgo.Opt, error) {
			return []kgo.Opt{kgo.Rack(v)}, nil
		}},
		"socket.connection.setup.timeout.ms": {def: "5000", doc: "how long to wait for a broker connection; also Check's bound for an unreachable broker", field: func(c *Config, v string) error {
			d, err := msValue(v)
			c.ConnectTimeout = d
			return err
		}},
		"request.timeout.ms": {def: "10000", doc: "how long to wait for a broker's answer beyond a request's own timeout", opt: msOpt(kgo.RequestTimeoutOverhead)},
		"retry.backoff.ms": {def: "franz-go's backoff (250 ms growing to 5 s)", doc: "fixed backoff between retries", opt: func(v string) ([]kgo.Opt, error) {
			d, err := msValue(v)
			return []kgo.Opt{kgo.RetryBackoffFn(func(int) time.Duration { return d })}, err
		}},
		"metadata.max.age.ms":     {def: "300000", doc: "how often to refresh metadata", opt: msOpt(kgo.MetadataMaxAge)},
		"connections.max.idle.ms": {def: "30000", doc: "close connections idle this long", opt: msOpt(kgo.ConnIdleTimeout)},
		"allow.auto.create.topics": {def: "false", doc: "let the broker create a missing topic on first use (needs auto.create.topics.enable on the broker); off, a missing topic is an error", field: func(c *Config, v string) error {
			b, err := boolValue(v)
			c.AllowAutoTopicCreation = b
			return err
		}},

		// Security.
		"security.protocol": {def: "PLAINTEXT", doc: "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL", field: func(c *Config, v string) error {
			switch u := strings.ToUpper(v); u {
			case "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL":
				c.Security.Protocol = u
				return nil
			}
			return fmt.Errorf("'%s' is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL", v)
		}},
		"ssl.truststore.location": {doc: "PEM file of the CA certificates that sign the broker certificates (default: the system roots)", field: func(c *Config, v string) error {
			c.Security.TruststoreLocation = v
			return nil
		}},
		"ssl.truststore.certificates": {doc: "the CA certificates in PEM, inline", field: func(c *Config, v string) error {
			c.Security.TruststoreCertificates = v
			return nil
		}},
		"ssl.truststore.type": {def: "PEM", doc: "only PEM; convert a JKS or PKCS12 store with keytool -exportcert -rfc", field: pemOnly("ssl.truststore.type")},
		"ssl.keystore.location": {doc: "PEM file with the client certificate and its unencrypted private key, for TLS client authentication", field: func(c *Config, v string) error {
			c.Security.KeystoreLocation = v
			return nil
		}},
		"ssl.keystore.type": {def: "PEM", doc: "only PEM", field: pemOnly("ssl.keystore.type")},
		"ssl.endpoint.identification.algorithm": {def: "https", doc: "'https' checks that the broker certificate names the broker host; '' checks only the certificate chain", field: func(c *Config, v string) error {
			switch strings.ToLower(v) {
			case "https":
				c.Security.NoHostnameVerification = false
			case "":
				c.Security.NoHostnameVerification = true
			default:
				return fmt.Errorf("'%s' is not 'https' or ''", v)
			}
			return nil
		}},
		"sasl.mechanism": {doc: "PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or AWS_MSK_IAM (OAUTHBEARER with the MSK IAM login callback handler is the same)", field: func(c *Config, v string) error {
			switch u := strings.ToUpper(v); u {
			case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "AWS_MSK_IAM", "OAUTHBEARER":
				c.Security.SASLMechanism = u
				return nil
			case "GSSAPI":
				return fmt.Errorf("GSSAPI (Kerberos) is not supported; use PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or AWS_MSK_IAM")
			}
			return fmt.Errorf("'%s' is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, AWS_MSK_IAM", v)
		}},
		"sasl.jaas.config": {doc: "credentials in Kafka's JAAS syntax: org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\"; (ScramLoginModule for SCRAM, software.amazon.msk.auth.iam.IAMLoginModule for MSK IAM)", field: func(c *Config, v string) error {
			return nil // read with sasl.mechanism in parseProperties
		}},
		"sasl.client.callback.handler.class": {doc: "accepted only as " + mskClientCallbackHandler + " (MSK IAM configurations carry it)", field: func(c *Config, v string) error {
			if v != mskClientCallbackHandler {
				return fmt.Errorf("java callback handlers are not supported; remove it (only %s is accepted)", mskClientCallbackHandler)
			}
			return nil
		}},
		"sasl.login.callback.handler.class": {doc: "accepted only as " + mskLoginCallbackHandler + " with sasl.mechanism OAUTHBEARER, which then means AWS_MSK_IAM", field: func(c *Config, v string) error {
			if v != mskLoginCallbackHandler {
				return fmt.Errorf("java callback handlers are not supported; remove it (only %s is accepted)", mskLoginCallbackHandler)
			}
			return nil
		}},
		"aws.region": {def: "$AWS_REGION", doc: "AWS region of the MSK cluster for AWS_MSK_IAM", field: func(c *Config, v string) error {
			c.Security.AWSRegion = v
			return nil
		}},

		// Consumer.
		"isolation.level": {def: "read_uncommitted", doc: "read_committed hides records of open and aborted transactions; read_uncommitted shows all", field: func(c *Config, v string) error {
			switch strings.ToLower(v) {
			case "read_committed":
				c.ReadCommitted = true
			case "read_uncommitted":
				c.ReadCommitted = false
			default:
				return fmt.Errorf("'%s' is not read_committed or read_uncommitted", v)
			}
			return nil
		}},
		"auto.offset.reset": {doc: "earliest, latest or none: where group-offsets starts a partition without a committed offset (unset: an error), and where an out-of-range start offset goes (unset: earliest)", field: func(c *Config, v string) error {
			switch l := strings.ToLower(v); l {
			case "earliest", "latest", "none":
				c.AutoOffsetReset = l
				return nil
			}
			return fmt.Errorf("'%s' is not earliest, latest or none", v)
		}},
		"max.poll.records": {def: "10000", doc: "most records one poll returns", field: func(c *Config, v string) error {
			n, err := intValue(v, 1, 1<<30)
			c.MaxPollRecords = n
			return err
		}},
		"fetch.max.bytes":           {def: "52428800", doc: "most bytes one fetch request returns", opt: int32Opt(kgo.FetchMaxBytes)},
		"max.partition.fetch.bytes": {def: "1048576", doc: "most bytes one fetch returns per partition", opt: int32Opt(kgo.FetchMaxPartitionBytes)},
		"fetch.min.bytes":           {def: "1", doc: "fewest bytes a broker waits for before answering a fetch", opt: int32Opt(kgo.FetchMinBytes)},
		"fetch.max.wait.ms":         {def: "5000", doc: "longest a broker waits for fetch.min.bytes", opt: msOpt(kgo.FetchMaxWait)},
		"enable.auto.commit":        {def: "false", doc: "accepted for compatibility and ignored: offsets are committed only through the connector's checkpoints", opt: noOpt},
		"auto.commit.interval.ms":   {doc: "accepted for compatibility and ignored", opt: noOpt},

		// Producer.
		"acks": {def: "all", doc: "all (-1), 1 or 0; 1 and 0 turn idempotence off", opt: func(v string) ([]kgo.Opt, error) {
			switch v {
			case "all", "-1":
				return []kgo.Opt{kgo.RequiredAcks(kgo.AllISRAcks())}, nil
			case "1":
				return []kgo.Opt{kgo.RequiredAcks(kgo.LeaderAck())}, nil
			case "0":
				return []kgo.Opt{kgo.RequiredAcks(kgo.NoAck())}, nil
			}
			return nil, fmt.Errorf("'%s' is not all, -1, 1 or 0", v)
		}},
		"enable.idempotence": {def: "true", doc: "false turns off idempotent writes (needed with acks 0 or 1, which do so by themselves)", opt: func(v string) ([]kgo.Opt, error) {
			b, err := boolValue(v)
			if err != nil || b {
				return nil, err
			}
			return []kgo.Opt{kgo.DisableIdempotentWrite()}, nil
		}},
		"linger.ms": {def: "10", doc: "wait this long for more records before sending a batch", opt: func(v string) ([]kgo.Opt, error) {
			d, err := msValue(v)
			return []kgo.Opt{kgo.ProducerLinger(d)}, err
		}},
		"batch.size":       {def: "1000012", doc: "most bytes of one record batch (per partition)", opt: int32Opt(kgo.ProducerBatchMaxBytes)},
		"max.request.size": {def: "104857600", doc: "most bytes of one request to a broker", opt: int32Opt(kgo.BrokerMaxWriteBytes)},
		"compression.type": {def: "snappy", doc: "none, gzip, snappy, lz4 or zstd (the default is franz-go's; Kafka's Java client defaults to none)", opt: func(v string) ([]kgo.Opt, error) {
			var c kgo.CompressionCodec
			switch strings.ToLower(v) {
			case "none":
				c = kgo.NoCompression()
			case "gzip":
				c = kgo.GzipCompression()
			case "snappy":
				c = kgo.SnappyCompression()
			case "lz4":
				c = kgo.Lz4Compression()
			case "zstd":
				c = kgo.ZstdCompression()
			default:
				return nil, fmt.Errorf("'%s' is not none, gzip, snappy, lz4 or zstd", v)
			}
			return []kgo.Opt{kgo.ProducerBatchCompression(c)}, nil
		}},
		"buffer.memory": {def: "unbounded (the Writer buffers at most 100000 records)", doc: "most bytes buffered before Write blocks", opt: func(v string) ([]kgo.Opt, error) {
			n, err := intValue(v, 1, 1<<62)
			return []kgo.Opt{kgo.MaxBufferedBytes(n)}, err
		}},
		"max.in.flight.requests.per.connection": {def: "1", doc: "produce requests in flight per broker (at most 5 with idempotence)", opt: func(v string) ([]kgo.Opt, error) {
			n, err := intValue(v, 1, 1<<20)
			return []kgo.Opt{kgo.MaxProduceRequestsInflightPerBroker(n)}, err
		}},
		"retries": {def: "unlimited (bounded by delivery.timeout.ms)", doc: "how often to retry a failed record", opt: func(v string) ([]kgo.Opt, error) {
			n, err := intValue(v, 0, 1<<31-1)
			return []kgo.Opt{kgo.RecordRetries(n)}, err
		}},
		"delivery.timeout.ms":    {def: "unlimited", doc: "fail a record not acknowledged within this time", opt: msOpt(func(d time.Duration) kgo.ProducerOpt { return kgo.RecordDeliveryTimeout(d) })},
		"transaction.timeout.ms": {def: "40000", doc: "the broker aborts a transaction open longer than this (exactly-once)", opt: msOpt(func(d time.Duration) kgo.ProducerOpt { return kgo.TransactionTimeout(d) })},
		"transactional.id": {doc: "not settable: use 'sink.transactional-id-prefix'", field: func(c *Config, v string) error {
			return fmt.Errorf("is set by the connector; use 'sink.delivery-guarantee' = 'exactly-once' with 'sink.transactional-id-prefix' instead")
		}},
	}
}

// MappedProperties lists the 'properties.*' keys (without the prefix) that the connector
// understands, sorted.
func MappedProperties() []string {
	out := make([]string, 0, len(propertySpecs))
	for k := range propertySpecs {
		if k != "transactional.id" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func unknownProperty(k string) error {
	return fmt.Errorf("kafka: option 'properties.%s' is not a client property eddy maps; remove it or use one of: %s",
		k, strings.Join(MappedProperties(), ", "))
}

// parseProperties stores the field properties of c.Properties in c's fields and checks that
// every property is known.
func (c *Config) parseProperties() error {
	keys := make([]string, 0, len(c.Properties))
	for k := range c.Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		spec, ok := propertySpecs[k]
		if !ok {
			return unknownProperty(k)
		}
		if spec.field == nil {
			continue
		}
		if err := spec.field(c, strings.TrimSpace(c.Properties[k])); err != nil {
			return fmt.Errorf("kafka: option 'properties.%s': %v", k, err)
		}
	}
	s := &c.Security
	if s.SASLMechanism == "OAUTHBEARER" {
		if c.Properties["sasl.login.callback.handler.class"] != mskLoginCallbackHandler {
			return fmt.Errorf("kafka: option 'properties.sasl.mechanism' = 'OAUTHBEARER' is supported only for AWS MSK IAM: set 'properties.sasl.mechanism' = 'AWS_MSK_IAM'")
		}
		s.SASLMechanism = "AWS_MSK_IAM"
	}
	if s.SASLMechanism == "AWS_MSK_IAM" && s.AWSRegion == "" {
		s.AWSRegion = envRegion()
	}
	if jaas, ok := c.Properties["sasl.jaas.config"]; ok {
		if s.SASLMechanism == "" {
			return fmt.Errorf("kafka: option 'properties.sasl.jaas.config' needs 'properties.sasl.mechanism' (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or AWS_MSK_IAM)")
		}
		module, opts, err := parseJAAS(jaas)
		if err != nil {
			return fmt.Errorf("kafka: option 'properties.sasl.jaas.config': %v", err)
		}
		if err := s.fromJAAS(module, opts); err != nil {
			return err
		}
	}
	return nil
}

// tuningOpts maps the opt properties of c.Properties onto franz-go options.
func (c *Config) tuningOpts() ([]kgo.Opt, error) {
	keys := make([]string, 0, len(c.Properties))
	for k := range c.Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []kgo.Opt
	for _, k := range keys {
		spec, ok := propertySpecs[k]
		if !ok {
			return nil, unknownProperty(k)
		}
		if spec.opt == nil {
			continue
		}
		o, err := spec.opt(strings.TrimSpace(c.Properties[k]))
		if err != nil {
			return nil, fmt.Errorf("kafka: option 'properties.%s': %v", k, err)
		}
		out = append(out, o...)
	}
	// acks 0 or 1 cannot be idempotent: Kafka turns idempotence off unless it was asked for.
	if a := strings.TrimSpace(c.Properties["acks"]); a == "0" || a == "1" {
		if strings.EqualFold(strings.TrimSpace(c.Properties["enable.idempotence"]), "true") {
			return nil, fmt.Errorf("kafka: option 'properties.acks' = '%s' conflicts with 'properties.enable.idempotence' = 'true'; idempotence needs acks 'all'", a)
		}
		if _, set := c.Properties["enable.idempotence"]; !set {
			out = append(out, kgo.DisableIdempotentWrite())
		}
	}
	return out, nil
}

// ClientOpts returns the franz-go options for c: seed brokers, dial timeout, TLS, SASL,
// isolation level, offset reset, topic auto-creation and every tuning property of
// c.Properties. It does not set a consumer group, topics to consume or a transactional id:
// the Reader and the Writer add those. Unknown properties are an error listing the mapped
// ones. Building the options does no I/O beyond reading the PEM files of the TLS settings.
func (c *Config) ClientOpts() ([]kgo.Opt, error) {
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(c.Brokers...),
		kgo.DialTimeout(c.ConnectTimeout),
	}
	sec, err := c.Security.clientOpts()
	if err != nil {
		return nil, err
	}
	opts = append(opts, sec...)
	if c.AllowAutoTopicCreation {
		opts = append(opts, kgo.AllowAutoTopicCreation())
	}
	if c.ReadCommitted {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	switch c.AutoOffsetReset {
	case "latest":
		opts = append(opts, kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()))
	case "none":
		opts = append(opts, kgo.ConsumeResetOffset(kgo.NoResetOffset()))
	default:
		opts = append(opts, kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	}
	tuning, err := c.tuningOpts()
	if err != nil {
		return nil, err
	}
	return append(opts, tuning...), nil
}

func msValue(v string) (time.Duration, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("'%s' is not a number of milliseconds", v)
	}
	return time.Duration(n) * time.Millisecond, nil
}

func intValue(v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("'%s' is not an integer from %d to %d", v, lo, hi)
	}
	return n, nil
}

func boolValue(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("'%s' is not 'true' or 'false'", v)
}

func msOpt[O kgo.Opt](f func(time.Duration) O) func(string) ([]kgo.Opt, error) {
	return func(v string) ([]kgo.Opt, error) {
		d, err := msValue(v)
		if err != nil {
			return nil, err
		}
		if d == 0 {
			return nil, fmt.Errorf("must be more than 0 ms")
		}
		return []kgo.Opt{f(d)}, nil
	}
}

func int32Opt[O kgo.Opt](f func(int32) O) func(string) ([]kgo.Opt, error) {
	return func(v string) ([]kgo.Opt, error) {
		n, err := intValue(v, 1, 1<<31-1)
		if err != nil {
			return nil, err
		}
		return []kgo.Opt{f(int32(n))}, nil
	}
}

func noOpt(string) ([]kgo.Opt, error) { return nil, nil }

func pemOnly(key string) func(*Config, string) error {
	return func(_ *Config, v string) error {
		if !strings.EqualFold(v, "PEM") {
			return fmt.Errorf("'%s' is not supported, only PEM; convert the store (keytool -exportcert -rfc, or openssl pkcs12 -nodes) and point the location at the PEM file", v)
		}
		return nil
	}
}
