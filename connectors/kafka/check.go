package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Check connects to cfg's brokers and verifies that the topics exist (or, for
// 'topic-pattern', that at least one topic matches), all within cfg.ConnectTimeout (default
// 5 s) unless ctx ends first. A missing topic is an error unless
// 'properties.allow.auto.create.topics' is on and the broker creates it. Errors say what is
// wrong and where, e.g.
//
//	kafka: cannot reach broker 127.0.0.1:9999 within 5s: connection refused
//	kafka: topic 'bids' does not exist (available: a, b); create it or set ...
//
// NewReader and NewWriter run the same check before they start.
func Check(ctx context.Context, cfg *Config) error {
	cl, _, err := connect(ctx, cfg)
	if cl != nil {
		cl.Close()
	}
	return err
}

// topicPartitions maps a topic to its partition count.
type topicPartitions map[string]int32

// sortedTopics returns the topics of tp sorted.
func (tp topicPartitions) sortedTopics() []string {
	out := make([]string, 0, len(tp))
	for t := range tp {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// connect validates cfg, checks that a broker is reachable, creates a client with extra
// options and resolves cfg's topics with their partition counts. On error the returned client,
// if not nil, must be closed.
func connect(ctx context.Context, cfg *Config, extra ...kgo.Opt) (*kgo.Client, topicPartitions, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	opts, err := cfg.ClientOpts()
	if err != nil {
		return nil, nil, err
	}
	if err := reachable(ctx, cfg); err != nil {
		return nil, nil, err
	}
	hook := &connectErrors{}
	cl, err := kgo.NewClient(append(append(opts, kgo.WithHooks(hook)), extra...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("kafka: bad client configuration: %v", err)
	}
	tps, err := resolveTopics(ctx, cl, cfg, hook)
	if err != nil {
		return cl, nil, err
	}
	return cl, tps, nil
}

// reachable dials every seed broker over TCP at once and fails, naming each address and why,
// when none answers within cfg.ConnectTimeout.
func reachable(ctx context.Context, cfg *Config) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	type result struct {
		addr string
		err  error
	}
	results := make(chan result, len(cfg.Brokers))
	var d net.Dialer
	for _, b := range cfg.Brokers {
		go func(addr string) {
			c, err := d.DialContext(ctx, "tcp", addr)
			if err == nil {
				c.Close()
			}
			results <- result{addr, err}
		}(b)
	}
	var failures, reasons []string
	for range cfg.Brokers {
		r := <-results
		if r.err == nil {
			return nil // one is enough: the client finds the others through metadata
		}
		failures = append(failures, r.addr+": "+dialReason(r.err))
		reasons = append(reasons, dialReason(r.err))
	}
	if err := ctx.Err(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("kafka: connecting to %s: %w", strings.Join(cfg.Brokers, ", "), err)
	}
	if len(failures) == 1 {
		return fmt.Errorf("kafka: cannot reach broker %s within %s: %s", cfg.Brokers[0], cfg.ConnectTimeout, reasons[0])
	}
	sort.Strings(failures)
	return fmt.Errorf("kafka: cannot reach any broker within %s: %s", cfg.ConnectTimeout, strings.Join(failures, "; "))
}

// dialReason shortens a dial error to its cause: "connection refused", "i/o timeout",
// "no such host", ...
func dialReason(err error) string {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "no answer (timed out)"
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return "no such host " + dnsErr.Name
		}
		return dnsErr.Error()
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		return opErr.Err.Error()
	}
	return err.Error()
}

// resolveTopics fetches metadata within cfg.ConnectTimeout and returns the partition count of
// each of cfg's topics (those matching TopicPattern for a pattern).
func resolveTopics(ctx context.Context, cl *kgo.Client, cfg *Config, hook *connectErrors) (topicPartitions, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	hook.watch(cancel)
	defer hook.watch(nil)
	if cfg.TopicPattern != nil {
		all, err := metadata(ctx, cl, cfg, hook, nil)
		if err != nil {
			return nil, err
		}
		out := topicPartitions{}
		for t, n := range all {
			if cfg.TopicPattern.MatchString(t) {
				out[t] = n
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("kafka: no topic matches 'topic-pattern' = '%s' (available: %s); create one or fix the pattern",
				strings.TrimSuffix(strings.TrimPrefix(cfg.TopicPattern.String(), "^(?:"), ")$"), available(all))
		}
		return out, nil
	}
	for {
		found, err := metadata(ctx, cl, cfg, hook, cfg.Topics)
		if err != nil {
			return nil, err
		}
		var missing []string
		for _, t := range cfg.Topics {
			if _, ok := found[t]; !ok {
				missing = append(missing, t)
			}
		}
		if len(missing) == 0 {
			return found, nil
		}
		if cfg.AllowAutoTopicCreation {
			// A broker that creates topics may answer LEADER_NOT_AVAILABLE until the new
			// topic has leaders: ask again until the deadline.
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("kafka: topic '%s' does not exist and the broker did not create it within %s; create it, or enable auto.create.topics.enable on the broker",
					missing[0], cfg.ConnectTimeout)
			case <-time.After(100 * time.Millisecond):
				continue
			}
		}
		all, err := metadata(ctx, cl, cfg, hook, nil)
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("kafka: topic '%s' does not exist (available: %s); create it or set 'properties.allow.auto.create.topics' = 'true' (needs auto.create.topics.enable on the broker)",
			missing[0], available(all))
	}
}

// available lists topic names for an error message: sorted, internal topics left out, at
// most 20.
func available(all topicPartitions) string {
	var names []string
	for t := range all {
		if !strings.HasPrefix(t, "__") {
			names = append(names, t)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	sort.Strings(names)
	if len(names) > 20 {
		return strings.Join(names[:20], ", ") + fmt.Sprintf(" and %d more", len(names)-20)
	}
	return strings.Join(names, ", ")
}

// metadata asks for topics (nil: all) and returns those that exist with their partition
// counts. Topics whose metadata has an error are left out; other failures are explained.
func metadata(ctx context.Context, cl *kgo.Client, cfg *Config, hook *connectErrors, topics []string) (topicPartitions, error) {
	req := kmsg.NewPtrMetadataRequest()
	if topics != nil {
		for _, t := range topics {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(t)
			req.Topics = append(req.Topics, rt)
		}
		req.AllowAutoTopicCreation = cfg.AllowAutoTopicCreation
	}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		if last := hook.last(); last != nil && ctx.Err() != nil {
			// The client retried a failing connection until the deadline: its last
			// failure says why.
			err = last
		}
		return nil, explain(ctx, cfg, err)
	}
	out := topicPartitions{}
	for _, t := range resp.Topics {
		if t.Topic == nil || t.ErrorCode != 0 || len(t.Partitions) == 0 {
			if err := kerr.ErrorForCode(t.ErrorCode); errors.Is(err, kerr.TopicAuthorizationFailed) {
				return nil, fmt.Errorf("kafka: not authorized to describe topic '%s' (%v); grant the user Describe/Read/Write ACLs on it", *t.Topic, err)
			}
			continue
		}
		out[*t.Topic] = int32(len(t.Partitions))
	}
	return out, nil
}

// connectErrors remembers the last failed connection attempt of a client (dial, TLS
// handshake, ApiVersions or SASL), which the client retries silently until the request's
// deadline. While watching, it ends the wait early when retrying cannot help: at once for a
// certificate or SASL rejection, after three failed attempts in a row for anything else (a
// broker that closes the connection during SASL, as some do for a bad password).
type connectErrors struct {
	mu     sync.Mutex
	err    error
	fails  int
	cancel context.CancelFunc
}

// OnBrokerConnect implements kgo.HookBrokerConnect.
func (h *connectErrors) OnBrokerConnect(_ kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		h.fails = 0
		return
	}
	h.err = err
	h.fails++
	if h.cancel != nil && (h.fails >= 3 || definitive(err)) {
		h.cancel()
	}
}

// watch sets the function that ends the current wait (nil: stop watching).
func (h *connectErrors) watch(cancel context.CancelFunc) {
	h.mu.Lock()
	h.cancel, h.fails = cancel, 0
	h.mu.Unlock()
}

func (h *connectErrors) last() error {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// definitive reports whether a connection failure will repeat on retry.
func definitive(err error) bool {
	var (
		certErr   *tls.CertificateVerificationError
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		recordErr tls.RecordHeaderError
		alertErr  tls.AlertError
	)
	return errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) ||
		errors.As(err, &recordErr) || errors.As(err, &alertErr) ||
		errors.Is(err, kerr.SaslAuthenticationFailed) || errors.Is(err, kerr.UnsupportedSaslMechanism) ||
		errors.Is(err, kerr.IllegalSaslState) || errors.Is(err, errMSKToken)
}

// explain turns a failed first request into an error that says what to check.
func explain(ctx context.Context, cfg *Config, err error) error {
	brokers := strings.Join(cfg.Brokers, ", ")
	sec := &cfg.Security
	var (
		certErr    *tls.CertificateVerificationError
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		recordErr  tls.RecordHeaderError
		alertErr   tls.AlertError
		kafkaError *kerr.Error
	)
	switch {
	case errors.As(err, &hostErr):
		return fmt.Errorf("kafka: TLS with %s failed: %v; use the broker's name as in its certificate, or set 'properties.ssl.endpoint.identification.algorithm' = '' to skip the host name check", brokers, err)
	case errors.As(err, &unknownCA), errors.As(err, &certErr):
		return fmt.Errorf("kafka: TLS with %s failed: %v; set 'properties.ssl.truststore.location' to a PEM file with the CA that signed the broker certificate", brokers, err)
	case errors.As(err, &recordErr):
		return fmt.Errorf("kafka: TLS with %s failed: the broker does not speak TLS (%v); set 'properties.security.protocol' = 'PLAINTEXT' or 'SASL_PLAINTEXT'", brokers, err)
	case errors.As(err, &alertErr):
		return fmt.Errorf("kafka: TLS with %s failed: the broker refused the handshake (%v); check 'properties.ssl.keystore.location' if it requires client certificates", brokers, err)
	case errors.Is(err, kerr.UnsupportedSaslMechanism):
		m := sec.SASLMechanism
		if m == "AWS_MSK_IAM" {
			m = "AWS_MSK_IAM (sent as OAUTHBEARER with an MSK IAM token)"
		}
		return fmt.Errorf("kafka: broker %s does not accept SASL mechanism %s: %v; check 'properties.sasl.mechanism' against the mechanisms the broker enables", brokers, m, err)
	case errors.Is(err, kerr.SaslAuthenticationFailed), errors.Is(err, kerr.IllegalSaslState):
		return fmt.Errorf("kafka: SASL %s authentication as '%s' failed at %s: %v; check the credentials in 'properties.sasl.jaas.config'", sec.SASLMechanism, sec.Username, brokers, err)
	case sec.SASL() && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)):
		who := sec.Username
		if who == "" {
			who = "the AWS identity"
		}
		return fmt.Errorf("kafka: SASL %s authentication as '%s' failed at %s: the broker closed the connection (%v); check the credentials in 'properties.sasl.jaas.config' and 'properties.sasl.mechanism'", sec.SASLMechanism, who, brokers, err)
	case !sec.SASL() && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)):
		return fmt.Errorf("kafka: broker %s closed the connection (%v); it may require TLS or SASL: check 'properties.security.protocol'", brokers, err)
	case errors.As(err, &kafkaError):
		return fmt.Errorf("kafka: metadata request to %s failed: %v", brokers, err)
	case ctx.Err() != nil:
		hint := "check 'properties.security.protocol' (a TLS listener does not answer plaintext)"
		if sec.TLS() {
			hint = "check 'properties.security.protocol' (a plaintext listener does not answer a TLS handshake)"
		}
		return fmt.Errorf("kafka: broker %s accepted a connection but gave no metadata within %s (%v); %s", brokers, cfg.ConnectTimeout, err, hint)
	}
	return fmt.Errorf("kafka: metadata request to %s failed: %v", brokers, err)
}
