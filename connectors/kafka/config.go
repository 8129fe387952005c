// Package kafka is eddy's Kafka client layer: it turns a table's Flink-style WITH options
// ('connector' = 'kafka') into a validated Config, checks that the cluster and the topics are
// there (Check), reads partitions from resolved start offsets to optional bounded end offsets
// (Reader) and writes records at-least-once or exactly-once with Kafka transactions (Writer).
//
// It speaks to Kafka through franz-go (github.com/twmb/franz-go/pkg/kgo). It knows nothing of
// SQL, Arrow or formats: the connector that builds tables on it decodes Reader records and
// encodes Writer records. Options follow Flink's Kafka connector names: 'topic',
// 'topic-pattern', 'scan.startup.*', 'scan.bounded.*', 'sink.*' and 'properties.*' for client
// properties with Kafka's own names (see OptionDocs for every accepted key).
//
// Contracts shared by the package:
//   - Every error starts with "kafka: " and names the option or the broker address involved,
//     and, where there is one, the fix.
//   - Nothing blocks longer than the connect timeout ('properties.socket.connection.setup.timeout.ms',
//     default 5 s) to find out that a broker is unreachable or a topic is missing.
//   - Offsets are Kafka offsets: a start offset is the offset of the first record to read; an
//     end offset is exclusive (the offset after the last record to read).
package kafka

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// StartupMode is where a Reader starts in each partition ('scan.startup.mode').
type StartupMode string

// The startup modes, with Flink's names.
const (
	// StartEarliest starts at each partition's log start offset.
	StartEarliest StartupMode = "earliest-offset"
	// StartLatest starts at each partition's end: only records produced after the start are read.
	StartLatest StartupMode = "latest-offset"
	// StartGroupOffsets starts at the offsets committed by 'properties.group.id'; a partition
	// without a committed offset follows 'properties.auto.offset.reset' (an error if unset).
	StartGroupOffsets StartupMode = "group-offsets"
	// StartTimestamp starts at the first record whose timestamp is at or after
	// 'scan.startup.timestamp-millis' (the partition's end when there is none).
	StartTimestamp StartupMode = "timestamp"
	// StartSpecificOffsets starts at 'scan.startup.specific-offsets'; partitions not listed
	// start at the group's committed offset when there is one, else at the earliest offset.
	StartSpecificOffsets StartupMode = "specific-offsets"
)

// BoundedMode is where a Reader stops in each partition ('scan.bounded.mode'). End offsets are
// resolved once, when the Reader starts.
type BoundedMode string

// The bounded modes, with Flink's names.
const (
	// Unbounded reads forever.
	Unbounded BoundedMode = "unbounded"
	// BoundedLatest stops at each partition's end offset at start (the last stable offset
	// when reading read_committed).
	BoundedLatest BoundedMode = "latest-offset"
	// BoundedGroupOffsets stops at the offsets committed by 'properties.group.id' (a partition
	// without one is empty).
	BoundedGroupOffsets BoundedMode = "group-offsets"
	// BoundedTimestamp stops before the first record whose timestamp is at or after
	// 'scan.bounded.timestamp-millis'.
	BoundedTimestamp BoundedMode = "timestamp"
	// BoundedSpecificOffsets stops at 'scan.bounded.specific-offsets'; partitions not listed
	// stop at their end offset at start.
	BoundedSpecificOffsets BoundedMode = "specific-offsets"
)

// Partitioner chooses the partition of a written record ('sink.partitioner').
type Partitioner string

// The sink partitioners, with Flink's names.
const (
	// PartitionDefault is Kafka's default: murmur2 hash of the key when the record has one,
	// else sticky (one partition per batch).
	PartitionDefault Partitioner = "default"
	// PartitionFixed writes every record of a Writer to partition WriterIndex % partitions.
	PartitionFixed Partitioner = "fixed"
	// PartitionRoundRobin spreads records over all partitions in turn, ignoring keys.
	PartitionRoundRobin Partitioner = "round-robin"
)

// DeliveryGuarantee is what a Writer promises ('sink.delivery-guarantee').
type DeliveryGuarantee string

// The delivery guarantees, with Flink's names.
const (
	// AtLeastOnce: Flush returns once the brokers acknowledged every record written before it.
	AtLeastOnce DeliveryGuarantee = "at-least-once"
	// ExactlyOnce: records are written in Kafka transactions (Begin, Commit, Abort); readers
	// with isolation.level=read_committed see only committed ones.
	ExactlyOnce DeliveryGuarantee = "exactly-once"
)

// Security holds the connection security settings ('properties.security.protocol', 'properties.ssl.*',
// 'properties.sasl.*', 'properties.aws.region').
type Security struct {
	// Protocol is PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.
	Protocol string
	// TruststoreLocation is a PEM file of CA certificates; empty means the system roots.
	TruststoreLocation string
	// TruststoreCertificates are PEM CA certificates given inline ('properties.ssl.truststore.certificates').
	TruststoreCertificates string
	// KeystoreLocation is a PEM file holding the client certificate and its unencrypted private
	// key, for brokers that require TLS client authentication.
	KeystoreLocation string
	// NoHostnameVerification is 'properties.ssl.endpoint.identification.algorithm' = '': the
	// broker certificate chain is still verified against the truststore, but it need not name
	// the broker host. The default ('https') verifies the host name too.
	NoHostnameVerification bool
	// SASLMechanism is PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or AWS_MSK_IAM; empty without SASL.
	SASLMechanism string
	// Username and Password come from the JAAS config of PLAIN and SCRAM.
	Username, Password string
	// AWSRegion is the MSK region for AWS_MSK_IAM ('properties.aws.region', else $AWS_REGION,
	// else $AWS_DEFAULT_REGION).
	AWSRegion string
	// AWSProfile, AWSRoleARN and AWSRoleSessionName come from the IAMLoginModule JAAS options
	// awsProfileName, awsRoleArn and awsRoleSessionName; all empty means the default AWS
	// credential chain.
	AWSProfile, AWSRoleARN, AWSRoleSessionName string
}

// TLS reports whether the connection uses TLS.
func (s *Security) TLS() bool { return s.Protocol == "SSL" || s.Protocol == "SASL_SSL" }

// SASL reports whether the connection authenticates with SASL.
func (s *Security) SASL() bool { return s.Protocol == "SASL_PLAINTEXT" || s.Protocol == "SASL_SSL" }

// Config is a validated Kafka table configuration. ParseConfig builds one from WITH options;
// tests and tools may also fill one in directly (Brokers and one of Topics or TopicPattern are
// the minimum). The zero values of the mode fields mean the defaults.
type Config struct {
	// Topics are the 'topic' option (one topic, or a list 'a;b').
	Topics []string
	// TopicPattern is the compiled 'topic-pattern' (sources only); the Reader reads every
	// topic whose whole name matches it, as found when it starts.
	TopicPattern *regexp.Regexp
	// Brokers are 'properties.bootstrap.servers', host:port each.
	Brokers []string
	// GroupID is 'properties.group.id': the consumer group whose committed offsets
	// group-offsets modes use and CommitOffsets writes. The Reader never joins the group.
	GroupID string

	StartupMode            StartupMode     // 'scan.startup.mode'
	StartupTimestampMillis int64           // for StartTimestamp
	StartupOffsets         map[int32]int64 // partition -> offset, for StartSpecificOffsets
	// ResumeOffsets, when set (a restore from a checkpoint), override the start offset of
	// the partitions they list; other partitions start by StartupMode.
	ResumeOffsets map[TopicPartition]int64

	BoundedMode            BoundedMode     // 'scan.bounded.mode'
	BoundedTimestampMillis int64           // for BoundedTimestamp
	BoundedOffsets         map[int32]int64 // partition -> end offset, for BoundedSpecificOffsets

	Partitioner           Partitioner       // 'sink.partitioner'
	DeliveryGuarantee     DeliveryGuarantee // 'sink.delivery-guarantee'
	TransactionalIDPrefix string            // 'sink.transactional-id-prefix', required for ExactlyOnce
	// WriterIndex is not an option: the engine sets it to the index of a parallel sink
	// instance (on its own copy of the Config). It picks the partition of PartitionFixed and
	// the transactional id suffix.
	WriterIndex int

	// Security holds TLS and SASL settings from the 'properties.security.*', 'ssl.*' and 'sasl.*' options.
	Security Security

	// AllowAutoTopicCreation ('properties.allow.auto.create.topics', default false) lets a
	// missing topic be created by the broker on first use, if the broker allows it
	// (auto.create.topics.enable).
	AllowAutoTopicCreation bool
	// ConnectTimeout ('properties.socket.connection.setup.timeout.ms', default 5 s) bounds a
	// connection attempt and Check's wait for the first answer.
	ConnectTimeout time.Duration
	// ReadCommitted ('properties.isolation.level' = 'read_committed') hides records of open
	// and aborted transactions from the Reader. Default read_uncommitted, as in Kafka.
	ReadCommitted bool
	// AutoOffsetReset ('properties.auto.offset.reset': earliest, latest, none or "") is where
	// to start a partition that has no committed offset in group-offsets mode, or whose start
	// offset is out of range. "" behaves as none for missing commits and as earliest for out of
	// range offsets.
	AutoOffsetReset string
	// MaxPollRecords ('properties.max.poll.records', default 10000) caps the records one
	// Reader.Poll returns; 0 means the default.
	MaxPollRecords int

	// Properties holds every 'properties.*' option without the prefix, as given. ClientOpts
	// maps the tuning ones (client.id, fetch.max.bytes, acks, linger.ms, ...) onto franz-go.
	Properties map[string]string
}

// Defaults for options not given.
const (
	DefaultConnectTimeout = 5 * time.Second
	DefaultMaxPollRecords = 10000
)

const propertyPrefix = "properties."

// PropertyPrefix is the prefix of the options passed to the Kafka client ("properties."): a
// connector factory accepts every key with it and lets ParseConfig judge them.
func PropertyPrefix() string { return propertyPrefix }

// OptionDoc documents one option the Kafka connector accepts.
type OptionDoc struct {
	Key     string // the option key, lower case, e.g. "scan.startup.mode"
	Default string // the value used when the option is absent; "" when there is none
	Doc     string // what the option does and the values it takes
}

var tableOptionDocs = []OptionDoc{
	{"topic", "", "topic to read or write; several topics to read as 'a;b'. Exactly one of 'topic' and 'topic-pattern' is required"},
	{"topic-pattern", "", "regular expression; read every topic whose whole name matches it (sources only)"},
	{"scan.startup.mode", "group-offsets with 'properties.group.id', else earliest-offset", "where reading starts: earliest-offset, latest-offset, group-offsets, timestamp or specific-offsets"},
	{"scan.startup.timestamp-millis", "", "with scan.startup.mode = timestamp: start at the first record with a timestamp at or after this epoch millisecond"},
	{"scan.startup.specific-offsets", "", "with scan.startup.mode = specific-offsets: 'partition:0,offset:42;partition:1,offset:300' (single topic)"},
	{"scan.bounded.mode", "unbounded", "where reading ends: unbounded, latest-offset, group-offsets, timestamp or specific-offsets (end offsets are resolved once, at start)"},
	{"scan.bounded.timestamp-millis", "", "with scan.bounded.mode = timestamp: stop before the first record with a timestamp at or after this epoch millisecond"},
	{"scan.bounded.specific-offsets", "", "with scan.bounded.mode = specific-offsets: exclusive end offsets 'partition:0,offset:42;...' (single topic)"},
	{"sink.partitioner", "default", "default (key hash, sticky without key), fixed (each writer to one partition) or round-robin"},
	{"sink.delivery-guarantee", "at-least-once", "at-least-once or exactly-once (Kafka transactions; needs sink.transactional-id-prefix)"},
	{"sink.transactional-id-prefix", "", "prefix of the transactional ids of an exactly-once sink; unique per job"},
}

// OptionDocs lists every option key the Kafka connector accepts: the table options and each
// 'properties.*' key that maps onto the client. Keys are lower case, as eddy passes them.
func OptionDocs() []OptionDoc {
	out := append([]OptionDoc{}, tableOptionDocs...)
	for _, k := range MappedProperties() {
		p := propertySpecs[k]
		out = append(out, OptionDoc{Key: propertyPrefix + k, Default: p.def, Doc: p.doc})
	}
	return out
}

// ParseConfig validates a table's WITH options (keys lower case) and returns its Config.
// Keys that are neither a table option of OptionDocs nor 'properties.*' (such as 'connector'
// or 'format') are ignored: the caller checks unknown keys with OptionDocs. Every error names
// the option and how to fix it. ParseConfig reads $AWS_REGION / $AWS_DEFAULT_REGION for
// AWS_MSK_IAM without a 'properties.aws.region'; it does no I/O.
func ParseConfig(options map[string]string) (*Config, error) {
	c := &Config{Properties: map[string]string{}}
	get := func(k string) (string, bool) {
		v, ok := options[k]
		return strings.TrimSpace(v), ok
	}
	for k, v := range options {
		if p, ok := strings.CutPrefix(k, propertyPrefix); ok {
			c.Properties[p] = v
		}
	}

	topic, hasTopic := get("topic")
	pattern, hasPattern := get("topic-pattern")
	switch {
	case hasTopic && hasPattern:
		return nil, fmt.Errorf("kafka: options 'topic' and 'topic-pattern' exclude each other; keep one")
	case hasTopic:
		for _, t := range strings.Split(topic, ";") {
			if t = strings.TrimSpace(t); t != "" {
				c.Topics = append(c.Topics, t)
			}
		}
		if len(c.Topics) == 0 {
			return nil, fmt.Errorf("kafka: option 'topic' is empty; give a topic name or a list 'a;b'")
		}
		for _, t := range c.Topics {
			if err := validTopicName(t); err != nil {
				return nil, fmt.Errorf("kafka: option 'topic': %v", err)
			}
		}
	case hasPattern:
		re, err := regexp.Compile("^(?:" + pattern + ")$")
		if err != nil {
			return nil, fmt.Errorf("kafka: option 'topic-pattern' = '%s' is not a regular expression: %v", pattern, err)
		}
		c.TopicPattern = re
	default:
		return nil, fmt.Errorf("kafka: option 'topic' (or 'topic-pattern' for a source) is required, e.g. 'topic' = 'orders'")
	}

	var err error
	if v, ok := get("scan.startup.mode"); ok {
		c.StartupMode = StartupMode(strings.ToLower(v))
		switch c.StartupMode {
		case StartEarliest, StartLatest, StartGroupOffsets, StartTimestamp, StartSpecificOffsets:
		default:
			return nil, fmt.Errorf("kafka: option 'scan.startup.mode' = '%s' is not one of earliest-offset, latest-offset, group-offsets, timestamp, specific-offsets", v)
		}
	}
	if c.StartupTimestampMillis, err = millisOption(options, "scan.startup.timestamp-millis", "scan.startup.mode", string(c.StartupMode), string(StartTimestamp)); err != nil {
		return nil, err
	}
	if c.StartupOffsets, err = offsetsOption(options, "scan.startup.specific-offsets", "scan.startup.mode", string(c.StartupMode)); err != nil {
		return nil, err
	}
	if v, ok := get("scan.bounded.mode"); ok {
		c.BoundedMode = BoundedMode(strings.ToLower(v))
		switch c.BoundedMode {
		case Unbounded, BoundedLatest, BoundedGroupOffsets, BoundedTimestamp, BoundedSpecificOffsets:
		default:
			return nil, fmt.Errorf("kafka: option 'scan.bounded.mode' = '%s' is not one of unbounded, latest-offset, group-offsets, timestamp, specific-offsets", v)
		}
	}
	if c.BoundedTimestampMillis, err = millisOption(options, "scan.bounded.timestamp-millis", "scan.bounded.mode", string(c.BoundedMode), string(BoundedTimestamp)); err != nil {
		return nil, err
	}
	if c.BoundedOffsets, err = offsetsOption(options, "scan.bounded.specific-offsets", "scan.bounded.mode", string(c.BoundedMode)); err != nil {
		return nil, err
	}

	if v, ok := get("sink.partitioner"); ok {
		c.Partitioner = Partitioner(strings.ToLower(v))
		switch c.Partitioner {
		case PartitionDefault, PartitionFixed, PartitionRoundRobin:
		default:
			return nil, fmt.Errorf("kafka: option 'sink.partitioner' = '%s' is not one of default, fixed, round-robin (custom partitioner classes are not supported)", v)
		}
	}
	if v, ok := get("sink.delivery-guarantee"); ok {
		c.DeliveryGuarantee = DeliveryGuarantee(strings.ToLower(v))
		switch c.DeliveryGuarantee {
		case AtLeastOnce, ExactlyOnce:
		default:
			return nil, fmt.Errorf("kafka: option 'sink.delivery-guarantee' = '%s' is not one of at-least-once, exactly-once", v)
		}
	}
	c.TransactionalIDPrefix, _ = get("sink.transactional-id-prefix")

	if err := c.parseProperties(); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Validate checks the cross-option rules of c (ParseConfig calls it; a Config filled in by
// hand should be validated before use). It fills in defaults for zero fields.
func (c *Config) Validate() error {
	if c.StartupMode == "" {
		c.StartupMode = StartGroupOffsets
		if c.GroupID == "" {
			// Flink's default is group-offsets; without a group there is nothing to resume
			// from, so start at the earliest offset rather than fail.
			c.StartupMode = StartEarliest
		}
	}
	if c.BoundedMode == "" {
		c.BoundedMode = Unbounded
	}
	if c.Partitioner == "" {
		c.Partitioner = PartitionDefault
	}
	if c.DeliveryGuarantee == "" {
		c.DeliveryGuarantee = AtLeastOnce
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.MaxPollRecords <= 0 {
		c.MaxPollRecords = DefaultMaxPollRecords
	}
	if c.Security.Protocol == "" {
		c.Security.Protocol = "PLAINTEXT"
	}
	if len(c.Brokers) == 0 {
		return fmt.Errorf("kafka: option 'properties.bootstrap.servers' is required, e.g. 'properties.bootstrap.servers' = 'localhost:9092'")
	}
	if len(c.Topics) == 0 && c.TopicPattern == nil {
		return fmt.Errorf("kafka: option 'topic' (or 'topic-pattern' for a source) is required, e.g. 'topic' = 'orders'")
	}
	if c.StartupMode == StartGroupOffsets && c.GroupID == "" {
		return fmt.Errorf("kafka: 'scan.startup.mode' = 'group-offsets' needs option 'properties.group.id'; set it or choose another startup mode")
	}
	if c.BoundedMode == BoundedGroupOffsets && c.GroupID == "" {
		return fmt.Errorf("kafka: 'scan.bounded.mode' = 'group-offsets' needs option 'properties.group.id'; set it or choose another bounded mode")
	}
	if c.StartupMode == StartTimestamp && c.StartupTimestampMillis < 0 {
		return fmt.Errorf("kafka: 'scan.startup.mode' = 'timestamp' needs option 'scan.startup.timestamp-millis' (epoch milliseconds)")
	}
	if c.BoundedMode == BoundedTimestamp && c.BoundedTimestampMillis < 0 {
		return fmt.Errorf("kafka: 'scan.bounded.mode' = 'timestamp' needs option 'scan.bounded.timestamp-millis' (epoch milliseconds)")
	}
	singleTopic := len(c.Topics) == 1 && c.TopicPattern == nil
	if c.StartupMode == StartSpecificOffsets {
		if len(c.StartupOffsets) == 0 {
			return fmt.Errorf("kafka: 'scan.startup.mode' = 'specific-offsets' needs option 'scan.startup.specific-offsets', e.g. 'partition:0,offset:42;partition:1,offset:300'")
		}
		if !singleTopic {
			return fmt.Errorf("kafka: 'scan.startup.specific-offsets' works with a single 'topic' only; read the topics in separate tables")
		}
	}
	if c.BoundedMode == BoundedSpecificOffsets {
		if len(c.BoundedOffsets) == 0 {
			return fmt.Errorf("kafka: 'scan.bounded.mode' = 'specific-offsets' needs option 'scan.bounded.specific-offsets', e.g. 'partition:0,offset:42;partition:1,offset:300'")
		}
		if !singleTopic {
			return fmt.Errorf("kafka: 'scan.bounded.specific-offsets' works with a single 'topic' only; read the topics in separate tables")
		}
	}
	if c.DeliveryGuarantee == ExactlyOnce {
		if c.TransactionalIDPrefix == "" {
			return fmt.Errorf("kafka: 'sink.delivery-guarantee' = 'exactly-once' needs option 'sink.transactional-id-prefix' (unique per job, e.g. the job name)")
		}
		if a, ok := c.Properties["acks"]; ok && a != "all" && a != "-1" {
			return fmt.Errorf("kafka: 'sink.delivery-guarantee' = 'exactly-once' needs 'properties.acks' = 'all', got '%s'", a)
		}
		if strings.EqualFold(c.Properties["enable.idempotence"], "false") {
			return fmt.Errorf("kafka: 'sink.delivery-guarantee' = 'exactly-once' needs idempotence; remove 'properties.enable.idempotence' = 'false'")
		}
	}
	if err := c.Security.validate(); err != nil {
		return err
	}
	// Validate the tuning properties now, so a bad value fails at CREATE TABLE time.
	_, err := c.tuningOpts()
	return err
}

func validTopicName(t string) error {
	if len(t) > 249 {
		return fmt.Errorf("topic name '%s' is longer than 249 characters", t)
	}
	if t == "." || t == ".." {
		return fmt.Errorf("topic name '%s' is not allowed", t)
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("topic name '%s' has character %q; Kafka topic names use only letters, digits, '.', '_' and '-'", t, r)
		}
	}
	return nil
}

// millisOption reads an epoch-millisecond option; -1 when absent. It is an error to give it
// without its mode.
func millisOption(options map[string]string, key, modeKey, mode, want string) (int64, error) {
	v, ok := options[key]
	if !ok {
		return -1, nil
	}
	if mode != want {
		return 0, fmt.Errorf("kafka: option '%s' needs '%s' = '%s'", key, modeKey, want)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("kafka: option '%s' must be epoch milliseconds (a non-negative integer), got '%s'", key, v)
	}
	return n, nil
}

// offsetsOption reads Flink's 'partition:0,offset:42;partition:1,offset:300'.
func offsetsOption(options map[string]string, key, modeKey, mode string) (map[int32]int64, error) {
	v, ok := options[key]
	if !ok {
		return nil, nil
	}
	if mode != "specific-offsets" {
		return nil, fmt.Errorf("kafka: option '%s' needs '%s' = 'specific-offsets'", key, modeKey)
	}
	out := map[int32]int64{}
	bad := func(part string) error {
		return fmt.Errorf("kafka: option '%s': cannot read '%s'; write 'partition:0,offset:42;partition:1,offset:300'", key, part)
	}
	for _, part := range strings.Split(v, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, o := int64(-1), int64(-1)
		for _, kv := range strings.Split(part, ",") {
			name, val, ok := strings.Cut(strings.TrimSpace(kv), ":")
			if !ok {
				return nil, bad(part)
			}
			n, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64)
			if err != nil || n < 0 {
				return nil, bad(part)
			}
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "partition":
				p = n
			case "offset":
				o = n
			default:
				return nil, bad(part)
			}
		}
		if p < 0 || o < 0 || p > 1<<31-1 {
			return nil, bad(part)
		}
		if _, dup := out[int32(p)]; dup {
			return nil, fmt.Errorf("kafka: option '%s' lists partition %d twice", key, p)
		}
		out[int32(p)] = o
	}
	if len(out) == 0 {
		return nil, bad(v)
	}
	return out, nil
}

// envRegion is the AWS region from the environment, as the AWS SDKs read it.
func envRegion() string {
	if r := os.Getenv("AWS_REGION"); r != "" {
		return r
	}
	return os.Getenv("AWS_DEFAULT_REGION")
}
