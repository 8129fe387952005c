package kinesis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
)

// api is the client with the settings every call needs: which stream, which retry policy.
// The SDK's own retries are off: every retry is this package's, with its own backoff and
// jitter, so that a throttled shard backs off alone and an expired iterator is re-acquired
// from the last sequence number read (retry.go).
type api struct {
	cl  *kinesis.Client
	cfg *Config
}

// newAPI builds the Kinesis client of cfg: region, endpoint and credentials. It makes no call.
func newAPI(ctx context.Context, cfg *Config) (*api, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(cfg.Region),
		config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }),
	}
	switch cfg.Credentials {
	case "BASIC":
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretKey, "")))
	case "PROFILE":
		if cfg.Profile != "" {
			opts = append(opts, config.WithSharedConfigProfile(cfg.Profile))
		}
		if cfg.ProfilePath != "" {
			opts = append(opts, config.WithSharedCredentialsFiles([]string{cfg.ProfilePath}))
		}
	}
	if cfg.HTTPClient == nil {
		opts = append(opts, config.WithHTTPClient(awshttp.NewBuildableClient().WithDialerOptions(func(d *net.Dialer) {
			d.Timeout = 5 * time.Second
		})))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("kinesis: loading the AWS configuration: %v", err)
	}
	cl := kinesis.NewFromConfig(awsCfg, func(o *kinesis.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		if cfg.HTTPClient != nil {
			o.HTTPClient = cfg.HTTPClient
		}
	})
	return &api{cl: cl, cfg: cfg}, nil
}

// where names the endpoint for error messages.
func (a *api) where() string {
	if a.cfg.Endpoint != "" {
		return "endpoint " + a.cfg.Endpoint
	}
	return "region " + a.cfg.Region
}

// errorKind sorts the errors of Kinesis calls.
type errorKind int

const (
	// fatal errors are not retried: a missing stream, bad credentials, a bad request.
	fatal errorKind = iota
	// transient errors are retried with backoff: throttling, 5xx, network errors.
	transient
	// expiredIterator means the shard iterator is older than 5 minutes: get a new one.
	expiredIterator
)

// classify says what to do about err.
func classify(err error) errorKind {
	if err == nil {
		return fatal
	}
	var te *transientError
	var fe *fatalError
	switch {
	case errors.As(err, &te):
		return transient
	case errors.As(err, &fe):
		return fatal
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "ExpiredIteratorException":
			return expiredIterator
		case "ProvisionedThroughputExceededException", "LimitExceededException", "ThrottlingException",
			"KMSThrottlingException", "InternalFailure", "InternalFailureException", "InternalServerError",
			"ServiceUnavailable", "ServiceUnavailableException", "RequestTimeout", "RequestTimeoutException",
			"SlowDown", "RequestLimitExceeded", "TooManyRequestsException":
			return transient
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && (re.HTTPStatusCode() >= 500 || re.HTTPStatusCode() == 429) {
		return transient
	}
	if errors.Is(err, context.Canceled) {
		return fatal
	}
	// Network: timeouts, resets, refused connections (a peer restarting), cut responses.
	var ne net.Error
	var ue *url.Error
	var oe *net.OpError
	if errors.As(err, &ne) || errors.As(err, &ue) || errors.As(err, &oe) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, context.DeadlineExceeded) {
		return transient
	}
	var rf *aws.RequestCanceledError
	if errors.As(err, &rf) {
		return transient
	}
	return fatal
}

// retry runs call until it succeeds, fails with a fatal error, ctx ends or b's retries are
// used up; transient errors wait b's backoff with jitter. onRetry, when not nil, learns of
// each retried error (for counting). An expired iterator is returned to the caller at once.
func retry(ctx context.Context, b Backoff, call func(context.Context) error, onRetry func(error)) error {
	for n := 0; ; n++ {
		err := call(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if classify(err) != transient || n >= b.MaxRetries {
			return err
		}
		if onRetry != nil {
			onRetry(err)
		}
		t := time.NewTimer(b.Delay(n, rand.Float64()))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// startupError explains an error of a call made before reading or writing starts, with the
// fix: a missing stream, wrong credentials, an unreachable endpoint.
func (a *api) startupError(table, what string, err error) error {
	stream := a.cfg.Stream
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "ResourceNotFoundException":
			return fmt.Errorf("table '%s': Kinesis stream '%s' does not exist in %s; check option 'stream' and 'aws.region' (or create the stream)", table, stream, a.where())
		case "UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException", "SignatureDoesNotMatch",
			"IncompleteSignature", "MissingAuthenticationToken", "ExpiredTokenException", "ExpiredToken":
			return fmt.Errorf("table '%s': Kinesis in %s rejected the credentials (%s: %s); check 'aws.credentials.provider' and its keys, or the AWS credentials of the environment", table, a.where(), ae.ErrorCode(), ae.ErrorMessage())
		case "AccessDeniedException":
			return fmt.Errorf("table '%s': not allowed to %s stream '%s' in %s: %s; grant the credentials' IAM identity access to the stream", table, what, stream, a.where(), ae.ErrorMessage())
		}
		return fmt.Errorf("table '%s': %s stream '%s' in %s: %s: %s", table, what, stream, a.where(), ae.ErrorCode(), ae.ErrorMessage())
	}
	msg := err.Error()
	if strings.Contains(msg, "failed to retrieve credentials") || strings.Contains(msg, "no EC2 IMDS role found") || strings.Contains(msg, "get credentials") {
		return fmt.Errorf("table '%s': no AWS credentials found for stream '%s' (%v); set $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY, a profile, or 'aws.credentials.provider' = 'BASIC' with 'aws.credentials.basic.accesskeyid' and 'aws.credentials.basic.secretkey'", table, stream, err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("table '%s': no answer from Kinesis in %s within 'aws.startup-timeout' (%v) to %s stream '%s'; check 'aws.endpoint' / 'aws.region' and the network (%v)", table, a.where(), a.cfg.StartupTimeout, what, stream, err)
	}
	if classify(err) == transient {
		return fmt.Errorf("table '%s': cannot reach Kinesis in %s to %s stream '%s': %v; check 'aws.endpoint' / 'aws.region' and the network", table, a.where(), what, stream, err)
	}
	return fmt.Errorf("table '%s': %s stream '%s' in %s: %v", table, what, stream, a.where(), err)
}

// describe checks that the stream exists and can be read or written, and returns its ARN.
// It is bounded by 'aws.startup-timeout'; transient errors are retried within it.
func (a *api) describe(ctx context.Context, table, what string) (arn string, err error) {
	ctx, cancel := context.WithTimeout(ctx, a.cfg.StartupTimeout)
	defer cancel()
	var out *kinesis.DescribeStreamSummaryOutput
	b := Backoff{MaxRetries: 1 << 20, Base: 200 * time.Millisecond, Max: 2 * time.Second, ExpConst: 2}
	var last error
	err = retry(ctx, b, func(ctx context.Context) error {
		var err error
		out, err = a.cl.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(a.cfg.Stream)})
		if err != nil && classify(err) == transient && isConnectionRefused(err) {
			return &fatalError{err} // nothing listens there: retrying will not help
		}
		return err
	}, func(err error) { last = err })
	if err != nil {
		var fe *fatalError
		if errors.As(err, &fe) {
			err = fe.err
		} else if errors.Is(err, context.DeadlineExceeded) && last != nil {
			err = fmt.Errorf("%w; last error: %v", err, last)
		}
		return "", a.startupError(table, what, err)
	}
	d := out.StreamDescriptionSummary
	if d == nil {
		return "", fmt.Errorf("table '%s': Kinesis in %s described stream '%s' without a summary", table, a.where(), a.cfg.Stream)
	}
	if d.StreamStatus == types.StreamStatusCreating || d.StreamStatus == types.StreamStatusDeleting {
		return "", fmt.Errorf("table '%s': Kinesis stream '%s' is %s; wait until it is ACTIVE", table, a.cfg.Stream, d.StreamStatus)
	}
	return aws.ToString(d.StreamARN), nil
}

// fatalError marks an error retry must not retry.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }

func isConnectionRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "connection refused") ||
		strings.Contains(err.Error(), "no such host")
}
