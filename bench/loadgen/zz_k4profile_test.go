package loadgen_test

import (
	"context"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bench/loadgen"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

func TestK4ProfileKMSEncrypt(t *testing.T) {
	if os.Getenv("K4PROFILE") == "" {
		t.Skip()
	}
	srv := testserver.Start(t, testserver.Options{})
	u, _ := url.Parse(srv.URL)
	addr := u.Host
	root := loadgen.Credentials{AccessKeyID: srv.Root.AccessKeyID, SecretAccessKey: srv.Root.SecretAccessKey}
	sc, _ := loadgen.Lookup(os.Getenv("K4PROFILE"))
	req, creds, err := sc.PrepareAs(context.Background(), addr, root)
	if err != nil {
		t.Fatal(err)
	}
	res, err := loadgen.Run(context.Background(), loadgen.Config{
		Addr: addr, Connections: 16, Warmup: time.Second, Duration: 8 * time.Second,
		Pool: loadgen.SignedPool(req, addr, creds, 256), ExpectStatus: req.Status,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
}
