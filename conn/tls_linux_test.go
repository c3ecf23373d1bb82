package conn_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ringwire/ringwire/conn"
)

// testPKI is a CA and two certificates it signed, made for one test.
type testPKI struct {
	pool           *x509.CertPool
	server, client tls.Certificate
}

func newPKI(t *testing.T) *testPKI {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ringwire test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	pki := &testPKI{pool: x509.NewCertPool()}
	pki.pool.AddCert(ca)
	leaf := func(serial int64, usage x509.ExtKeyUsage) tls.Certificate {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: "ringwire test"},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	}
	pki.server = leaf(2, x509.ExtKeyUsageServerAuth)
	pki.client = leaf(3, x509.ExtKeyUsageClientAuth)
	return pki
}

// lineEcho answers each line with the line and the client's certificate name.
func lineEcho(tc *tls.Conn) error {
	r := bufio.NewReader(tc)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		peer := tc.ConnectionState().PeerCertificates[0].Subject.CommonName
		if _, err := io.WriteString(tc, peer+": "+line); err != nil {
			return err
		}
	}
}

// TestTLSMutual: a TLS 1.3 handshake with client certificates and an echo,
// with conn at both ends: the server's TLS option, and crypto/tls over a
// Conn from Dial.
func TestTLSMutual(t *testing.T) {
	for _, m := range modes {
		if !m.inline { // TLS is served on goroutines
			t.Run(m.String(), func(t *testing.T) { testTLSMutual(t, m) })
		}
	}
}

func testTLSMutual(t *testing.T, m mode) {
	requireBackend(t, m.backend)
	pki := newPKI(t)
	s := &conn.Server{
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{pki.server},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    pki.pool,
			MinVersion:   tls.VersionTLS13,
		},
		TLSHandler: lineEcho,
	}
	addr := serve(t, s, m)
	p := newPoller(t, m.backend)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := conn.Dial(ctx, "tcp", addr, &conn.DialOptions{Poller: p})
	if err != nil {
		t.Fatal(err)
	}
	tc := tls.Client(raw, &tls.Config{
		Certificates: []tls.Certificate{pki.client},
		RootCAs:      pki.pool,
		ServerName:   "127.0.0.1",
		MinVersion:   tls.VersionTLS13,
	})
	defer tc.Close()
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tc.HandshakeContext(ctx); err != nil {
		t.Fatal(err)
	}
	if v := tc.ConnectionState().Version; v != tls.VersionTLS13 {
		t.Fatalf("TLS version %x", v)
	}
	r := bufio.NewReader(tc)
	for _, line := range []string{"hello\n", strings.Repeat("0123456789abcdef", 1250) + "\n"} {
		if _, err := io.WriteString(tc, line); err != nil {
			t.Fatal(err)
		}
		got, err := r.ReadString('\n')
		if err != nil || got != "ringwire test: "+line {
			t.Fatalf("echo: %d bytes, %v", len(got), err)
		}
	}

	// Without a client certificate the handshake fails, and only that
	// connection ends.
	raw2, err := conn.Dial(ctx, "tcp", addr, &conn.DialOptions{Poller: p})
	if err != nil {
		t.Fatal(err)
	}
	tc2 := tls.Client(raw2, &tls.Config{RootCAs: pki.pool, ServerName: "127.0.0.1"})
	defer tc2.Close()
	tc2.SetDeadline(time.Now().Add(10 * time.Second))
	err = tc2.HandshakeContext(ctx)
	if err == nil {
		_, err = tc2.Read(make([]byte, 1)) // TLS 1.3: the server's refusal arrives after
	}
	if err == nil {
		t.Fatal("a client without a certificate was served")
	}
	io.WriteString(tc, "again\n")
	if got, err := r.ReadString('\n'); err != nil || got != "ringwire test: again\n" {
		t.Fatalf("echo after another client failed: %q, %v", got, err)
	}
}
