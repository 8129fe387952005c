package kafka

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/internal/testpeer"
)

// selfSigned makes a self-signed certificate (its own CA) for the names and IPs, and writes
// cert.pem and cert+key.pem into a temporary folder.
func selfSigned(t *testing.T, cn string, dns []string, ips []net.IP) (cert tls.Certificate, certFile, bundleFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              dns,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	dir := t.TempDir()
	certFile = filepath.Join(dir, cn+".pem")
	bundleFile = filepath.Join(dir, cn+"-bundle.pem")
	require.NoError(t, os.WriteFile(certFile, certPEM, 0o600))
	require.NoError(t, os.WriteFile(bundleFile, append(append([]byte{}, certPEM...), keyPEM...), 0o600))
	cert, err = tls.X509KeyPair(certPEM, keyPEM)
	require.NoError(t, err)
	return cert, certFile, bundleFile
}

// roundTrip writes 10 records with cfg's settings and reads them back with a bounded reader.
func roundTrip(t *testing.T, cfg *Config) {
	t.Helper()
	w, err := NewWriter(testCtx(t), cfg)
	require.NoError(t, err)
	defer w.Close()
	var recs []*kgo.Record
	for i := 0; i < 10; i++ {
		recs = append(recs, &kgo.Record{Value: []byte(fmt.Sprint(i))})
	}
	require.NoError(t, w.Write(recs))
	require.NoError(t, w.Flush(testCtx(t)))
	rc := *cfg
	rc.BoundedMode = BoundedLatest
	r, err := NewReader(testCtx(t), &rc)
	require.NoError(t, err)
	defer r.Close()
	n := 0
	for !r.Done() {
		f, err := r.Poll(testCtx(t))
		require.NoError(t, err)
		n += f.NumRecords()
	}
	assert.GreaterOrEqual(t, n, 10)
}

// TestTLS: SSL with a PEM truststore works; the broker certificate must name the host unless
// endpoint identification is ” (which still verifies the chain); missing trust, plaintext to
// a TLS listener and TLS to a plaintext one are clear errors; a keystore PEM authenticates the
// client to a broker that requires client certificates; SASL_SSL combines TLS and SASL.
func TestTLS(t *testing.T) {
	loopback := []net.IP{net.ParseIP("127.0.0.1")}
	serverCert, caFile, _ := selfSigned(t, "broker", nil, loopback)
	addr := testpeer.StartKafkaWith(t, kfake.SeedTopics(2, "sec"), kfake.TLS(&tls.Config{Certificates: []tls.Certificate{serverCert}}))

	roundTrip(t, config(t, addr, "topic", "sec", "properties.security.protocol", "SSL", "properties.ssl.truststore.location", caFile))
	pemText, err := os.ReadFile(caFile)
	require.NoError(t, err)
	require.NoError(t, Check(testCtx(t), config(t, addr, "topic", "sec", "properties.security.protocol", "SSL", "properties.ssl.truststore.certificates", string(pemText))))

	short := "properties.socket.connection.setup.timeout.ms"
	err = Check(testCtx(t), config(t, addr, "topic", "sec", "properties.security.protocol", "SSL", short, "2000"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "kafka: TLS with "+addr+" failed")
	assert.Contains(t, err.Error(), "set 'properties.ssl.truststore.location' to a PEM file with the CA")

	start := time.Now()
	err = Check(testCtx(t), config(t, addr, "topic", "sec", short, "1000"))
	require.Error(t, err, "plaintext to a TLS listener")
	assert.Contains(t, err.Error(), "check 'properties.security.protocol'")
	assert.Less(t, time.Since(start), 3*time.Second)

	plain := testpeer.StartKafka(t, 1, "sec")
	err = Check(testCtx(t), config(t, plain, "topic", "sec", "properties.security.protocol", "SSL", "properties.ssl.truststore.location", caFile, short, "2000"))
	require.Error(t, err, "TLS to a plaintext listener")
	assert.Contains(t, err.Error(), "check 'properties.security.protocol'")

	_, err = ParseConfig(map[string]string{"topic": "x", "properties.bootstrap.servers": addr, "properties.security.protocol": "SSL", "properties.ssl.truststore.location": "/nonexistent.pem"})
	require.NoError(t, err, "files are read when connecting, not when parsing")
	err = Check(testCtx(t), config(t, addr, "topic", "sec", "properties.security.protocol", "SSL", "properties.ssl.truststore.location", "/nonexistent.pem"))
	assert.ErrorContains(t, err, "kafka: cannot read 'properties.ssl.truststore.location' = '/nonexistent.pem'")

	// A certificate for another name: refused by default, accepted with endpoint
	// identification off, but still refused when its chain is not trusted.
	otherCert, otherCA, _ := selfSigned(t, "kafka.internal", []string{"kafka.internal"}, nil)
	other := testpeer.StartKafkaWith(t, kfake.SeedTopics(2, "sec"), kfake.TLS(&tls.Config{Certificates: []tls.Certificate{otherCert}}))
	err = Check(testCtx(t), config(t, other, "topic", "sec", "properties.security.protocol", "SSL", "properties.ssl.truststore.location", otherCA, short, "2000"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "'properties.ssl.endpoint.identification.algorithm' = ''")
	roundTrip(t, config(t, other, "topic", "sec", "properties.security.protocol", "SSL", "properties.ssl.truststore.location", otherCA,
		"properties.ssl.endpoint.identification.algorithm", ""))
	err = Check(testCtx(t), config(t, other, "topic", "sec", "properties.security.protocol", "SSL", "properties.ssl.truststore.location", caFile,
		"properties.ssl.endpoint.identification.algorithm", "", short, "2000"))
	require.Error(t, err, "an untrusted chain fails even without host name verification")
	assert.Contains(t, err.Error(), "certificate signed by unknown authority")

	// Mutual TLS.
	clientCert, _, clientBundle := selfSigned(t, "eddy-client", nil, nil)
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(clientCert.Leaf)
	mtls := testpeer.StartKafkaWith(t, kfake.SeedTopics(2, "sec"), kfake.TLS(&tls.Config{Certificates: []tls.Certificate{serverCert},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs}))
	roundTrip(t, config(t, mtls, "topic", "sec", "properties.security.protocol", "SSL", "properties.ssl.truststore.location", caFile,
		"properties.ssl.keystore.location", clientBundle))
	err = Check(testCtx(t), config(t, mtls, "topic", "sec", "properties.security.protocol", "SSL", "properties.ssl.truststore.location", caFile, short, "2000"))
	require.Error(t, err, "no client certificate")
	err = Check(testCtx(t), config(t, mtls, "topic", "sec", "properties.security.protocol", "SSL", "properties.ssl.truststore.location", caFile,
		"properties.ssl.keystore.location", caFile))
	assert.ErrorContains(t, err, "must hold a PEM certificate and its unencrypted PEM private key")

	// SASL over TLS.
	saslTLS := testpeer.StartKafkaWith(t, kfake.SeedTopics(2, "sec"), kfake.TLS(&tls.Config{Certificates: []tls.Certificate{serverCert}}),
		kfake.EnableSASL(), kfake.Superuser("PLAIN", "alice", "secret"))
	roundTrip(t, config(t, saslTLS, "topic", "sec", "properties.security.protocol", "SASL_SSL", "properties.ssl.truststore.location", caFile,
		"properties.sasl.mechanism", "PLAIN",
		"properties.sasl.jaas.config", `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="secret";`))
}

// TestSASL: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 with credentials from Kafka's JAAS syntax
// write and read; a wrong password, a mechanism the user lacks and no SASL at all are errors
// that say what to check.
func TestSASL(t *testing.T) {
	addr := testpeer.StartKafkaWith(t, kfake.SeedTopics(2, "s"), kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "plainuser", "p1"),
		kfake.Superuser("SCRAM-SHA-256", "scram256", "p2"),
		kfake.Superuser("SCRAM-SHA-512", "scram512", "p3"))
	jaas := func(module, user, pass string) string {
		return fmt.Sprintf(`org.apache.kafka.common.security.%s required username="%s" password="%s";`, module, user, pass)
	}
	sasl := func(mech, module, user, pass string, kv ...string) *Config {
		return config(t, addr, append([]string{"topic", "s", "properties.security.protocol", "SASL_PLAINTEXT",
			"properties.sasl.mechanism", mech, "properties.sasl.jaas.config", jaas(module, user, pass)}, kv...)...)
	}
	roundTrip(t, sasl("PLAIN", "plain.PlainLoginModule", "plainuser", "p1"))
	roundTrip(t, sasl("SCRAM-SHA-256", "scram.ScramLoginModule", "scram256", "p2"))
	roundTrip(t, sasl("SCRAM-SHA-512", "scram.ScramLoginModule", "scram512", "p3"))

	short := []string{"properties.socket.connection.setup.timeout.ms", "2000"}
	for _, c := range []*Config{
		sasl("PLAIN", "plain.PlainLoginModule", "plainuser", "wrong", short...),
		sasl("SCRAM-SHA-256", "scram.ScramLoginModule", "scram256", "wrong", short...),
		sasl("SCRAM-SHA-512", "scram.ScramLoginModule", "scram256", "p2", short...), // no such SCRAM-SHA-512 user
	} {
		start := time.Now()
		err := Check(testCtx(t), c)
		require.Error(t, err)
		assert.Contains(t, err.Error(), fmt.Sprintf("kafka: SASL %s authentication as '%s' failed at %s", c.Security.SASLMechanism, c.Security.Username, addr))
		assert.Contains(t, err.Error(), "'properties.sasl.jaas.config'")
		assert.Less(t, time.Since(start), 3*time.Second)
	}

	err := Check(testCtx(t), config(t, addr, "topic", "s", short[0], short[1]))
	require.Error(t, err, "no SASL against a SASL listener")
	assert.Contains(t, err.Error(), "check 'properties.security.protocol'")
}

// TestMSKIAMRejectedByKfake: kfake offers PLAIN and SCRAM only, so an AWS_MSK_IAM client is
// refused at the SASL handshake; the error names the mechanism, how it was sent and what to
// check (no AWS access: the credentials are fake and signing is local).
func TestMSKIAMRejectedByKfake(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	addr := testpeer.StartKafkaWith(t, kfake.SeedTopics(1, "m"), kfake.EnableSASL(), kfake.Superuser("PLAIN", "u", "p"))
	start := time.Now()
	err := Check(testCtx(t), config(t, addr, "topic", "m", "properties.security.protocol", "SASL_PLAINTEXT",
		"properties.sasl.mechanism", "AWS_MSK_IAM", "properties.aws.region", "us-east-1",
		"properties.socket.connection.setup.timeout.ms", "2000"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "kafka: broker "+addr+" does not accept SASL mechanism AWS_MSK_IAM (sent as OAUTHBEARER with an MSK IAM token)")
	assert.Contains(t, err.Error(), "UNSUPPORTED_SASL_MECHANISM")
	assert.Less(t, time.Since(start), 3*time.Second)
}
