package kinesis

import (
	"fmt"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/connectors"
)

// InitialPosition is where a source starts in the shards it reads first
// ('scan.stream.initpos'). Child shards always start at their beginning (TRIM_HORIZON).
type InitialPosition string

// The initial positions, with Flink's names.
const (
	// TrimHorizon starts at the oldest record each shard still holds.
	TrimHorizon InitialPosition = "TRIM_HORIZON"
	// Latest starts after the newest record: only records put after the start are read.
	// Shards already closed at the start are not read.
	Latest InitialPosition = "LATEST"
	// AtTimestamp starts at the first record whose ApproximateArrivalTimestamp is at or
	// after 'scan.stream.initpos-timestamp'.
	AtTimestamp InitialPosition = "AT_TIMESTAMP"
)

// Publisher is how a source receives records ('scan.stream.recordpublisher').
type Publisher string

// The record publishers, with Flink's names.
const (
	// Polling calls GetRecords on each shard (shared 2 MB/s read throughput per shard).
	Polling Publisher = "POLLING"
	// EFO is enhanced fan-out: a registered stream consumer that SubscribeToShard pushes
	// records to (a dedicated 2 MB/s per shard and consumer).
	EFO Publisher = "EFO"
)

// Backoff is a retry policy: attempt n (from 0) waits a random time in
// [0, min(Max, Base * ExpConst^n)] ("full jitter"), and at most MaxRetries retries are made.
type Backoff struct {
	MaxRetries int
	Base, Max  time.Duration
	ExpConst   float64
}

// Delay is how long to wait before retry attempt n (0 for the first retry), with jitter
// drawn from rnd (a value in [0, 1)).
func (b Backoff) Delay(n int, rnd float64) time.Duration {
	d := float64(b.Base) * math.Pow(b.ExpConst, float64(n))
	if d > float64(b.Max) || math.IsInf(d, 0) || math.IsNaN(d) {
		d = float64(b.Max)
	}
	// Full jitter, but never less than a tenth of the step: retries keep some distance.
	return time.Duration(d * (0.1 + 0.9*rnd))
}

// Config is a validated Kinesis table configuration, from ParseConfig.
type Config struct {
	Stream   string // 'stream'
	Region   string // 'aws.region', else $AWS_REGION, else "us-east-1" with an endpoint
	Endpoint string // 'aws.endpoint': a full URL, e.g. http://127.0.0.1:4567

	// Credentials is AUTO (the standard AWS chain: environment, shared files, SSO, web
	// identity, container and instance roles), BASIC (AccessKeyID and SecretKey) or PROFILE
	// (a named profile of the shared files).
	Credentials          string
	AccessKeyID          string // 'aws.credentials.basic.accesskeyid'
	SecretKey            string // 'aws.credentials.basic.secretkey'
	Profile, ProfilePath string // 'aws.credentials.profile.name', 'aws.credentials.profile.path'

	InitPos       InitialPosition // 'scan.stream.initpos'
	InitTimestamp time.Time       // 'scan.stream.initpos-timestamp', for AtTimestamp
	// Bounded is 'scan.bounded.mode' = 'latest': each shard is read up to where it stood
	// when the source started, then the source ends.
	Bounded bool

	Publisher       Publisher // 'scan.stream.recordpublisher'
	EFOConsumerName string    // 'scan.stream.efo.consumername'
	// EFORegistration is LAZY (register the consumer when it does not exist yet, the
	// default) or NONE (it must exist; EFOConsumerARN names it, or its name is looked up).
	EFORegistration string
	EFOConsumerARN  string        // 'scan.stream.efo.consumerarn'
	EFOTimeout      time.Duration // 'scan.stream.registerstreamconsumer.timeout'

	DiscoveryInterval  time.Duration // 'scan.shard.discovery.intervalmillis'
	GetRecordsMax      int32         // 'scan.shard.getrecords.maxrecordcount'
	GetRecordsInterval time.Duration // 'scan.shard.getrecords.intervalmillis'
	GetRecordsRetry    Backoff       // 'scan.shard.getrecords.*'
	GetIteratorRetry   Backoff       // 'scan.shard.getiterator.*'
	ListShardsRetry    Backoff       // 'scan.list.shards.*'
	SubscribeRetry     Backoff       // 'scan.shard.subscribetoshard.*'
	// StartupTimeout bounds every call a source or sink makes before it runs (finding the
	// stream and its shards): a wrong endpoint, region or credentials fail within it.
	StartupTimeout time.Duration // 'aws.startup-timeout'

	// Sink options.
	PartitionKey       []string      // 'sink.partition-key': columns of the partition key
	PartitionDelimiter string        // 'sink.partitioner-field-delimiter'
	BatchMaxSize       int           // 'sink.batch.max-size' (at most 500)
	FlushBufferSize    int           // 'sink.flush-buffer.size' in bytes (at most 5 MiB)
	FlushBufferTimeout time.Duration // 'sink.flush-buffer.timeout'
	FailOnError        bool          // 'sink.fail-on-error'
	PutRecordsRetry    Backoff       // 'sink.retry.*'
	// PutRecordsTimeout bounds how long one flush keeps retrying records that fail.
	PutRecordsTimeout time.Duration // 'sink.retry.timeout'

	// HTTPClient, when set, carries every request (tests put faults in front of the service).
	HTTPClient *http.Client
}

// OptionDoc documents one option.
type OptionDoc struct{ Key, Default, Doc string }

// OptionDocs lists every option of the 'kinesis' connector (besides 'format' and its
// options), with Flink's names; docs/kinesis.md explains them.
func OptionDocs() []OptionDoc {
	return []OptionDoc{
		{"stream", "", "name of the Kinesis data stream (required)"},
		{"aws.region", "", "AWS region of the stream; default $AWS_REGION, or us-east-1 with 'aws.endpoint'"},
		{"aws.endpoint", "", "Kinesis endpoint URL, for local or private endpoints (e.g. http://127.0.0.1:4567)"},
		{"aws.credentials.provider", "AUTO", "AUTO (the standard AWS chain), BASIC (the two keys below) or PROFILE"},
		{"aws.credentials.basic.accesskeyid", "", "access key id for 'aws.credentials.provider' = 'BASIC'"},
		{"aws.credentials.basic.secretkey", "", "secret key for 'aws.credentials.provider' = 'BASIC'"},
		{"aws.credentials.profile.name", "", "profile for 'aws.credentials.provider' = 'PROFILE' (default: default)"},
		{"aws.credentials.profile.path", "", "shared credentials file for PROFILE (default ~/.aws/credentials)"},
		{"aws.startup-timeout", "30 s", "how long finding the stream and its shards may take before the job fails"},
		{"scan.stream.initpos", "LATEST", "where to start: TRIM_HORIZON, LATEST or AT_TIMESTAMP"},
		{"scan.stream.initpos-timestamp", "", "for AT_TIMESTAMP: '2026-11-01T00:00:00.000Z', '2026-11-01 00:00:00.000' (UTC) or epoch seconds"},
		{"scan.bounded.mode", "unbounded", "'latest': read each shard up to where it stood when the job started, then end"},
		{"scan.stream.recordpublisher", "POLLING", "POLLING (GetRecords) or EFO (enhanced fan-out, SubscribeToShard)"},
		{"scan.stream.efo.consumername", "", "EFO: name of the stream consumer (registered when missing)"},
		{"scan.stream.efo.registration", "LAZY", "EFO: LAZY registers the consumer when missing; NONE expects it"},
		{"scan.stream.efo.consumerarn", "", "EFO with registration NONE: the consumer's ARN"},
		{"scan.stream.registerstreamconsumer.timeout", "60", "EFO: seconds to wait for a new consumer to become ACTIVE"},
		{"scan.shard.discovery.intervalmillis", "10000", "how often to look for new shards (resharding), in ms or with a unit"},
		{"scan.shard.getrecords.maxrecordcount", "10000", "most records one GetRecords returns (1 to 10000)"},
		{"scan.shard.getrecords.intervalmillis", "200", "least time between two GetRecords on one shard, in ms or with a unit"},
		{"scan.shard.getrecords.maxretries", "10", "retries of a GetRecords that is throttled or fails transiently"},
		{"scan.shard.getrecords.backoff.base", "300", "first retry delay of GetRecords, ms"},
		{"scan.shard.getrecords.backoff.max", "1000", "largest retry delay of GetRecords, ms"},
		{"scan.shard.getrecords.backoff.expconst", "1.5", "growth factor of the GetRecords retry delay"},
		{"scan.shard.getiterator.maxretries", "10", "retries of a GetShardIterator that is throttled or fails transiently"},
		{"scan.shard.getiterator.backoff.base", "300", "first retry delay of GetShardIterator, ms"},
		{"scan.shard.getiterator.backoff.max", "1000", "largest retry delay of GetShardIterator, ms"},
		{"scan.shard.getiterator.backoff.expconst", "1.5", "growth factor of the GetShardIterator retry delay"},
		{"scan.list.shards.maxretries", "10", "retries of a ListShards that is throttled or fails transiently"},
		{"scan.list.shards.backoff.base", "1000", "first retry delay of ListShards, ms"},
		{"scan.list.shards.backoff.max", "5000", "largest retry delay of ListShards, ms"},
		{"scan.list.shards.backoff.expconst", "1.5", "growth factor of the ListShards retry delay"},
		{"scan.shard.subscribetoshard.maxretries", "10", "EFO: retries of a SubscribeToShard that fails transiently"},
		{"scan.shard.subscribetoshard.backoff.base", "1000", "EFO: first retry delay of SubscribeToShard, ms"},
		{"scan.shard.subscribetoshard.backoff.max", "2000", "EFO: largest retry delay of SubscribeToShard, ms"},
		{"scan.shard.subscribetoshard.backoff.expconst", "1.5", "EFO: growth factor of the SubscribeToShard retry delay"},
		{"sink.partition-key", "", "sink: column(s) 'a;b' whose values make the partition key (default: the PRIMARY KEY, else random)"},
		{"sink.partitioner-field-delimiter", "|", "sink: separator of the values of a partition key of several columns"},
		{"sink.batch.max-size", "500", "sink: most records in one PutRecords (1 to 500)"},
		{"sink.flush-buffer.size", "5242880", "sink: most bytes in one PutRecords (at most 5 MiB)"},
		{"sink.flush-buffer.timeout", "5000", "sink: longest time a record waits in the buffer, in ms or with a unit"},
		{"sink.fail-on-error", "false", "sink: true fails the job when a record is rejected instead of retrying it"},
		{"sink.retry.timeout", "5 min", "sink: how long rejected records are retried before the job fails"},
	}
}

// Options is the connector's option list for connectors.Factory.
func Options() []connectors.OptionSpec {
	var out []connectors.OptionSpec
	for _, d := range OptionDocs() {
		out = append(out, connectors.OptionSpec{Key: d.Key, Default: d.Default, Doc: d.Doc, Required: d.Key == "stream"})
	}
	fo := connectors.FormatOptions()
	for i := range fo {
		if fo[i].Key == "format" {
			fo[i].Doc = "record data format: json, csv or raw"
		}
	}
	return append(out, fo...)
}

// ParseConfig validates a table's WITH options. Errors start with "kinesis: " and name the
// option and the values it accepts.
func ParseConfig(options map[string]string) (*Config, error) {
	get := func(k string) string { return strings.TrimSpace(options[k]) }
	c := &Config{
		Stream:             get("stream"),
		Region:             get("aws.region"),
		Endpoint:           get("aws.endpoint"),
		Credentials:        strings.ToUpper(get("aws.credentials.provider")),
		AccessKeyID:        get("aws.credentials.basic.accesskeyid"),
		SecretKey:          get("aws.credentials.basic.secretkey"),
		Profile:            get("aws.credentials.profile.name"),
		ProfilePath:        get("aws.credentials.profile.path"),
		InitPos:            InitialPosition(strings.ToUpper(get("scan.stream.initpos"))),
		Publisher:          Publisher(strings.ToUpper(get("scan.stream.recordpublisher"))),
		EFOConsumerName:    get("scan.stream.efo.consumername"),
		EFORegistration:    strings.ToUpper(get("scan.stream.efo.registration")),
		EFOConsumerARN:     get("scan.stream.efo.consumerarn"),
		PartitionDelimiter: "|",
	}
	if v, ok := options["sink.partitioner-field-delimiter"]; ok {
		c.PartitionDelimiter = v
	}
	if c.Stream == "" {
		return nil, fmt.Errorf("kinesis: option 'stream' (the stream name) is required")
	}
	if len(c.Stream) > 128 {
		return nil, fmt.Errorf("kinesis: stream name '%s' is longer than 128 characters", c.Stream)
	}
	for _, r := range c.Stream {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return nil, fmt.Errorf("kinesis: stream name '%s' has character %q; Kinesis stream names use letters, digits, '.', '_' and '-' (give the name, not the ARN)", c.Stream, r)
		}
	}
	if c.Region == "" {
		c.Region = os.Getenv("AWS_REGION")
		if c.Region == "" {
			c.Region = os.Getenv("AWS_DEFAULT_REGION")
		}
	}
	if c.Region == "" && c.Endpoint != "" {
		c.Region = "us-east-1" // requests are signed for a region even on a local endpoint
	}
	if c.Region == "" {
		return nil, fmt.Errorf("kinesis: set option 'aws.region' (e.g. 'us-east-1'), or 'aws.endpoint' for a local endpoint, or $AWS_REGION")
	}
	if c.Endpoint != "" && !strings.HasPrefix(c.Endpoint, "http://") && !strings.HasPrefix(c.Endpoint, "https://") {
		return nil, fmt.Errorf("kinesis: option 'aws.endpoint' must be a URL starting with http:// or https://, got '%s'", c.Endpoint)
	}
	switch c.Credentials {
	case "":
		c.Credentials = "AUTO"
	case "AUTO", "PROFILE":
	case "BASIC":
		if c.AccessKeyID == "" || c.SecretKey == "" {
			return nil, fmt.Errorf("kinesis: 'aws.credentials.provider' = 'BASIC' needs 'aws.credentials.basic.accesskeyid' and 'aws.credentials.basic.secretkey'")
		}
	default:
		return nil, fmt.Errorf("kinesis: option 'aws.credentials.provider' is AUTO, BASIC or PROFILE, got '%s'", options["aws.credentials.provider"])
	}
	if c.Credentials != "BASIC" && (c.AccessKeyID != "" || c.SecretKey != "") {
		return nil, fmt.Errorf("kinesis: 'aws.credentials.basic.*' are used only with 'aws.credentials.provider' = 'BASIC'")
	}

	switch c.InitPos {
	case "":
		c.InitPos = Latest
	case TrimHorizon, Latest, AtTimestamp:
	default:
		return nil, fmt.Errorf("kinesis: option 'scan.stream.initpos' is TRIM_HORIZON, LATEST or AT_TIMESTAMP, got '%s'", options["scan.stream.initpos"])
	}
	if ts := get("scan.stream.initpos-timestamp"); ts != "" {
		if c.InitPos != AtTimestamp {
			return nil, fmt.Errorf("kinesis: option 'scan.stream.initpos-timestamp' needs 'scan.stream.initpos' = 'AT_TIMESTAMP'")
		}
		t, err := parseTimestamp(ts)
		if err != nil {
			return nil, err
		}
		c.InitTimestamp = t
	} else if c.InitPos == AtTimestamp {
		return nil, fmt.Errorf("kinesis: 'scan.stream.initpos' = 'AT_TIMESTAMP' needs 'scan.stream.initpos-timestamp'")
	}
	switch strings.ToLower(get("scan.bounded.mode")) {
	case "", "unbounded":
	case "latest":
		c.Bounded = true
	default:
		return nil, fmt.Errorf("kinesis: option 'scan.bounded.mode' is 'unbounded' or 'latest', got '%s'", options["scan.bounded.mode"])
	}

	switch c.Publisher {
	case "":
		c.Publisher = Polling
	case Polling:
	case EFO:
		switch c.EFORegistration {
		case "":
			c.EFORegistration = "LAZY"
		case "LAZY", "NONE":
		case "EAGER":
			c.EFORegistration = "LAZY" // one job, one source: registering at start is lazy registration
		default:
			return nil, fmt.Errorf("kinesis: option 'scan.stream.efo.registration' is LAZY or NONE, got '%s'", options["scan.stream.efo.registration"])
		}
		if c.EFOConsumerName == "" && c.EFOConsumerARN == "" {
			return nil, fmt.Errorf("kinesis: 'scan.stream.recordpublisher' = 'EFO' needs 'scan.stream.efo.consumername' (or 'scan.stream.efo.consumerarn')")
		}
	default:
		return nil, fmt.Errorf("kinesis: option 'scan.stream.recordpublisher' is POLLING or EFO, got '%s'", options["scan.stream.recordpublisher"])
	}
	if c.Publisher != EFO {
		for _, k := range []string{"scan.stream.efo.consumername", "scan.stream.efo.registration", "scan.stream.efo.consumerarn"} {
			if get(k) != "" {
				return nil, fmt.Errorf("kinesis: option '%s' needs 'scan.stream.recordpublisher' = 'EFO'", k)
			}
		}
	}

	var err error
	dur := func(key string, def time.Duration, min time.Duration) time.Duration {
		if err != nil {
			return def
		}
		v := get(key)
		if v == "" {
			return def
		}
		d, perr := connectors.ParseDuration(v)
		if perr != nil {
			err = fmt.Errorf("kinesis: option '%s': %v", key, perr)
			return def
		}
		if d < min {
			err = fmt.Errorf("kinesis: option '%s' must be at least %v, got '%s'", key, min, v)
		}
		return d
	}
	integer := func(key string, def, min, max int) int {
		if err != nil {
			return def
		}
		v := get(key)
		if v == "" {
			return def
		}
		n, perr := strconv.Atoi(v)
		if perr != nil || n < min || n > max {
			err = fmt.Errorf("kinesis: option '%s' must be an integer from %d to %d, got '%s'", key, min, max, v)
			return def
		}
		return n
	}
	float := func(key string, def float64) float64 {
		if err != nil {
			return def
		}
		v := get(key)
		if v == "" {
			return def
		}
		f, perr := strconv.ParseFloat(v, 64)
		if perr != nil || f < 1 {
			err = fmt.Errorf("kinesis: option '%s' must be a number of at least 1, got '%s'", key, v)
			return def
		}
		return f
	}
	backoff := func(prefix string, retries int, base, max time.Duration) Backoff {
		b := Backoff{
			MaxRetries: integer(prefix+".maxretries", retries, 0, 1_000_000),
			Base:       dur(prefix+".backoff.base", base, time.Millisecond),
			Max:        dur(prefix+".backoff.max", max, time.Millisecond),
			ExpConst:   float(prefix+".backoff.expconst", 1.5),
		}
		if err == nil && b.Max < b.Base {
			err = fmt.Errorf("kinesis: option '%s.backoff.max' must not be less than '%s.backoff.base'", prefix, prefix)
		}
		return b
	}
	c.StartupTimeout = dur("aws.startup-timeout", 30*time.Second, 100*time.Millisecond)
	c.EFOTimeout = time.Duration(integer("scan.stream.registerstreamconsumer.timeout", 60, 1, 3600)) * time.Second
	c.DiscoveryInterval = dur("scan.shard.discovery.intervalmillis", 10*time.Second, 10*time.Millisecond)
	c.GetRecordsMax = int32(integer("scan.shard.getrecords.maxrecordcount", 10000, 1, 10000))
	c.GetRecordsInterval = dur("scan.shard.getrecords.intervalmillis", 200*time.Millisecond, 0)
	c.GetRecordsRetry = backoff("scan.shard.getrecords", 10, 300*time.Millisecond, time.Second)
	c.GetIteratorRetry = backoff("scan.shard.getiterator", 10, 300*time.Millisecond, time.Second)
	c.ListShardsRetry = backoff("scan.list.shards", 10, time.Second, 5*time.Second)
	c.SubscribeRetry = backoff("scan.shard.subscribetoshard", 10, time.Second, 2*time.Second)
	c.BatchMaxSize = integer("sink.batch.max-size", 500, 1, 500)
	c.FlushBufferSize = integer("sink.flush-buffer.size", 5<<20, 1, 5<<20)
	c.FlushBufferTimeout = dur("sink.flush-buffer.timeout", 5*time.Second, 0)
	c.PutRecordsTimeout = dur("sink.retry.timeout", 5*time.Minute, 0)
	c.PutRecordsRetry = Backoff{MaxRetries: math.MaxInt32, Base: 100 * time.Millisecond, Max: 5 * time.Second, ExpConst: 2}
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(get("sink.fail-on-error")) {
	case "", "false":
	case "true":
		c.FailOnError = true
	default:
		return nil, fmt.Errorf("kinesis: option 'sink.fail-on-error' is true or false, got '%s'", options["sink.fail-on-error"])
	}
	for _, k := range strings.Split(get("sink.partition-key"), ";") {
		if k = strings.TrimSpace(k); k != "" {
			c.PartitionKey = append(c.PartitionKey, k)
		}
	}
	return c, nil
}

// parseTimestamp reads 'scan.stream.initpos-timestamp': Flink's default format
// (yyyy-MM-dd'T'HH:mm:ss.SSSXXX), other ISO-8601 forms, eddy's 'yyyy-MM-dd HH:mm:ss.SSS' (UTC)
// or epoch seconds with an optional fraction, as Flink accepts.
func parseTimestamp(v string) (time.Time, error) {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.000Z07:00", time.RFC3339Nano, "2006-01-02 15:04:05.000", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("kinesis: option 'scan.stream.initpos-timestamp' = '%s' is not a time; write '2026-11-01T00:00:00.000Z', '2026-11-01 00:00:00.000' (UTC) or epoch seconds", v)
}
