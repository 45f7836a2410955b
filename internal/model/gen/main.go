// Command gen generates gatehouse's service models: from the botocore models
// stored in specs/<id>.json.gz it writes, per service, the package
// internal/model/<id> (the protocol.Service description with its
// operations, a Go struct per structure shape, the enums and the error
// constructors), and internal/model/models.go listing them all.
//
// It runs from internal/model through go generate. With -sync it first
// refreshes the specs from the installed botocore (the only step that needs
// Python); generation itself reads only the specs.
package main

import (
	"flag"
	"fmt"
	"os"
)

// modulePath is the import path of the gatehouse module.
const modulePath = "github.com/gatehouse/gatehouse"

// serviceConfig is what the generator knows of a service beyond its model.
type serviceConfig struct {
	// id is the botocore model directory name and the Go package name.
	id string
	// global is true for services AWS serves from a single global endpoint
	// (botocore's endpoints.json: isRegionalized false with an aws-global
	// partition endpoint): IAM, Organizations and Shield. STS has regional
	// endpoints besides its global one, so it is not global.
	global bool
}

// services are the services gatehouse serves, in the order models.All
// returns them.
var services = []serviceConfig{
	{id: "iam", global: true},
	{id: "sts"},
	{id: "organizations", global: true},
	{id: "kms"},
	{id: "wafv2"},
	{id: "shield", global: true},
	{id: "guardduty"},
	{id: "inspector2"},
	{id: "artifact"},
	{id: "cloudtrail"},
	{id: "elbv2"},
}

func main() {
	specs := flag.String("specs", "specs", "directory of the stored botocore models")
	out := flag.String("out", ".", "directory to write the model packages into (internal/model)")
	sync := flag.Bool("sync", false, "refresh the stored models from the installed botocore first")
	botocore := flag.String("botocore", "", "botocore package directory for -sync (default: located with python3)")
	flag.Parse()

	if *sync {
		if err := syncSpecs(*botocore, *specs); err != nil {
			fmt.Fprintln(os.Stderr, "gen: sync:", err)
			os.Exit(1)
		}
	}
	if err := generate(*specs, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
