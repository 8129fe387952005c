package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode"

	"github.com/aws/aws-msk-iam-sasl-signer-go/signer"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// jaasExample is the JAAS value shown in errors, per mechanism.
func jaasExample(mechanism string) string {
	switch mechanism {
	case "PLAIN":
		return `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";`
	case "AWS_MSK_IAM":
		return `software.amazon.msk.auth.iam.IAMLoginModule required;`
	}
	return `org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";`
}

// validate checks that the protocol, the TLS settings and the SASL settings agree.
func (s *Security) validate() error {
	if s.Protocol == "" {
		s.Protocol = "PLAINTEXT"
	}
	if !s.TLS() {
		for key, v := range map[string]string{
			"ssl.truststore.location":     s.TruststoreLocation,
			"ssl.truststore.certificates": s.TruststoreCertificates,
			"ssl.keystore.location":       s.KeystoreLocation,
		} {
			if v != "" {
				return fmt.Errorf("kafka: option 'properties.%s' needs 'properties.security.protocol' = 'SSL' or 'SASL_SSL' (it is '%s')", key, s.Protocol)
			}
		}
	}
	switch {
	case s.SASL() && s.SASLMechanism == "":
		return fmt.Errorf("kafka: 'properties.security.protocol' = '%s' needs 'properties.sasl.mechanism' (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or AWS_MSK_IAM)", s.Protocol)
	case !s.SASL() && s.SASLMechanism != "":
		return fmt.Errorf("kafka: option 'properties.sasl.mechanism' needs 'properties.security.protocol' = 'SASL_SSL' or 'SASL_PLAINTEXT' (it is '%s')", s.Protocol)
	}
	switch s.SASLMechanism {
	case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
		if s.Username == "" {
			return fmt.Errorf("kafka: 'properties.sasl.mechanism' = '%s' needs 'properties.sasl.jaas.config' = '%s'", s.SASLMechanism, jaasExample(s.SASLMechanism))
		}
	case "AWS_MSK_IAM":
		if s.AWSRegion == "" {
			return fmt.Errorf("kafka: 'properties.sasl.mechanism' = 'AWS_MSK_IAM' needs the cluster's region: set 'properties.aws.region' (e.g. 'us-east-1') or the environment variable AWS_REGION")
		}
	case "":
	default:
		return fmt.Errorf("kafka: option 'properties.sasl.mechanism' = '%s' is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, AWS_MSK_IAM", s.SASLMechanism)
	}
	return nil
}

// fromJAAS reads the credentials of a parsed JAAS config for s.SASLMechanism.
func (s *Security) fromJAAS(module string, opts map[string]string) error {
	short := module[strings.LastIndexByte(module, '.')+1:]
	want := map[string]string{
		"PLAIN":         "PlainLoginModule",
		"SCRAM-SHA-256": "ScramLoginModule",
		"SCRAM-SHA-512": "ScramLoginModule",
		"AWS_MSK_IAM":   "IAMLoginModule",
	}[s.SASLMechanism]
	if s.SASLMechanism == "AWS_MSK_IAM" && short == "OAuthBearerLoginModule" {
		short = want // Java's OAUTHBEARER spelling of MSK IAM: nothing to read
	}
	if short != want {
		return fmt.Errorf("kafka: option 'properties.sasl.jaas.config' uses %s, but 'properties.sasl.mechanism' = '%s' needs %s: write '%s'",
			module, s.SASLMechanism, want, jaasExample(s.SASLMechanism))
	}
	if s.SASLMechanism == "AWS_MSK_IAM" {
		s.AWSProfile = opts["awsProfileName"]
		s.AWSRoleARN = opts["awsRoleArn"]
		s.AWSRoleSessionName = opts["awsRoleSessionName"]
		return nil
	}
	s.Username, s.Password = opts["username"], opts["password"]
	if s.Username == "" {
		return fmt.Errorf("kafka: option 'properties.sasl.jaas.config' has no username; write '%s'", jaasExample(s.SASLMechanism))
	}
	if _, ok := opts["password"]; !ok {
		return fmt.Errorf("kafka: option 'properties.sasl.jaas.config' has no password; write '%s'", jaasExample(s.SASLMechanism))
	}
	return nil
}

// parseJAAS reads one JAAS login module entry: `Module flag key="value" key2=value2;`.
// Quoted values may hold spaces, ';' and backslash escapes.
func parseJAAS(src string) (module string, opts map[string]string, err error) {
	rs := []rune(src)
	i := 0
	skip := func() {
		for i < len(rs) && unicode.IsSpace(rs[i]) {
			i++
		}
	}
	word := func() string {
		start := i
		for i < len(rs) && !unicode.IsSpace(rs[i]) && rs[i] != ';' && rs[i] != '=' {
			i++
		}
		return string(rs[start:i])
	}
	syntax := func(msg string) error {
		return fmt.Errorf("%s; the syntax is `LoginModuleClass required key=\"value\" ...;`, e.g. %s", msg, jaasExample("PLAIN"))
	}
	skip()
	if module = word(); module == "" {
		return "", nil, syntax("no login module class")
	}
	skip()
	switch flag := word(); strings.ToLower(flag) {
	case "required", "requisite", "sufficient", "optional":
	default:
		return "", nil, syntax(fmt.Sprintf("expected the flag 'required' after %s, got '%s'", module, flag))
	}
	opts = map[string]string{}
	for {
		skip()
		if i == len(rs) {
			return module, opts, nil // a missing final ';' is forgiven
		}
		if rs[i] == ';' {
			i++
			skip()
			if i != len(rs) {
				return "", nil, syntax("only one login module is supported; text follows the ';'")
			}
			return module, opts, nil
		}
		key := word()
		if key == "" || i == len(rs) || rs[i] != '=' {
			return "", nil, syntax(fmt.Sprintf("expected key=value at '%s'", string(rs[i-len([]rune(key)):])))
		}
		i++ // '='
		var val strings.Builder
		if i < len(rs) && rs[i] == '"' {
			i++
			closed := false
			for i < len(rs) {
				r := rs[i]
				i++
				if r == '\\' && i < len(rs) {
					val.WriteRune(rs[i])
					i++
					continue
				}
				if r == '"' {
					closed = true
					break
				}
				val.WriteRune(r)
			}
			if !closed {
				return "", nil, syntax(fmt.Sprintf("the value of %s has no closing quote", key))
			}
		} else {
			val.WriteString(word())
		}
		opts[key] = val.String()
	}
}

// clientOpts returns the TLS and SASL franz-go options.
func (s *Security) clientOpts() ([]kgo.Opt, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	var opts []kgo.Opt
	if s.TLS() {
		tc, err := s.tlsConfig()
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	if s.SASL() {
		opts = append(opts, kgo.SASL(s.mechanism()))
	}
	return opts, nil
}

// tlsConfig builds the client TLS config: roots from the truststore (else the system's), the
// client certificate from the keystore, and chain-only verification when host name
// verification is off.
func (s *Security) tlsConfig() (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	var roots *x509.CertPool
	if s.TruststoreLocation != "" {
		pem, err := os.ReadFile(s.TruststoreLocation)
		if err != nil {
			return nil, fmt.Errorf("kafka: cannot read 'properties.ssl.truststore.location' = '%s': %v", s.TruststoreLocation, err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kafka: 'properties.ssl.truststore.location' = '%s' holds no PEM certificate; point it at a PEM file of CA certificates (convert a JKS store with keytool -exportcert -rfc)", s.TruststoreLocation)
		}
	}
	if s.TruststoreCertificates != "" {
		if roots == nil {
			roots = x509.NewCertPool()
		}
		if !roots.AppendCertsFromPEM([]byte(s.TruststoreCertificates)) {
			return nil, fmt.Errorf("kafka: 'properties.ssl.truststore.certificates' holds no PEM certificate (-----BEGIN CERTIFICATE----- ...)")
		}
	}
	tc.RootCAs = roots
	if s.KeystoreLocation != "" {
		pem, err := os.ReadFile(s.KeystoreLocation)
		if err != nil {
			return nil, fmt.Errorf("kafka: cannot read 'properties.ssl.keystore.location' = '%s': %v", s.KeystoreLocation, err)
		}
		cert, err := tls.X509KeyPair(pem, pem)
		if err != nil {
			return nil, fmt.Errorf("kafka: 'properties.ssl.keystore.location' = '%s' must hold a PEM certificate and its unencrypted PEM private key: %v", s.KeystoreLocation, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	if s.NoHostnameVerification {
		// Kafka's ssl.endpoint.identification.algorithm='' skips the host name check only:
		// verify the chain ourselves.
		tc.InsecureSkipVerify = true
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("broker sent no certificate")
			}
			vo := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
			for _, c := range cs.PeerCertificates[1:] {
				vo.Intermediates.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(vo)
			return err
		}
	}
	return tc, nil
}

// mechanism returns the franz-go SASL mechanism. AWS_MSK_IAM is sent as OAUTHBEARER with a
// token from aws-msk-iam-sasl-signer-go, which MSK's IAM listeners accept.
func (s *Security) mechanism() sasl.Mechanism {
	switch s.SASLMechanism {
	case "PLAIN":
		return plain.Auth{User: s.Username, Pass: s.Password}.AsMechanism()
	case "SCRAM-SHA-256":
		return scram.Auth{User: s.Username, Pass: s.Password}.AsSha256Mechanism()
	case "SCRAM-SHA-512":
		return scram.Auth{User: s.Username, Pass: s.Password}.AsSha512Mechanism()
	case "AWS_MSK_IAM":
		sec := *s
		return oauth.Oauth(func(ctx context.Context) (oauth.Auth, error) {
			token, err := sec.mskToken(ctx)
			return oauth.Auth{Token: token}, err
		})
	}
	return nil
}

// errMSKToken marks a failure to sign an MSK IAM token.
var errMSKToken = errors.New("kafka: AWS_MSK_IAM: cannot sign an MSK auth token")

// mskToken signs an MSK IAM auth token with the credentials the JAAS options select: a role
// to assume, a profile, or the default AWS credential chain.
func (s *Security) mskToken(ctx context.Context) (string, error) {
	var (
		token string
		err   error
		from  string
	)
	switch {
	case s.AWSRoleARN != "":
		from = "role " + s.AWSRoleARN
		token, _, err = signer.GenerateAuthTokenFromRole(ctx, s.AWSRegion, s.AWSRoleARN, s.AWSRoleSessionName)
	case s.AWSProfile != "":
		from = "profile " + s.AWSProfile
		token, _, err = signer.GenerateAuthTokenFromProfile(ctx, s.AWSRegion, s.AWSProfile)
	default:
		from = "the default AWS credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws, the instance role)"
		token, _, err = signer.GenerateAuthToken(ctx, s.AWSRegion)
	}
	if err != nil {
		return "", fmt.Errorf("%w for region %s with credentials from %s: %v", errMSKToken, s.AWSRegion, from, err)
	}
	return token, nil
}
