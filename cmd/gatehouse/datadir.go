package main

import (
	"context"
	"flag"

	"github.com/gatehouse/gatehouse/internal/app"
)

// dataFlags are the flags every admin command uses to find a node's state;
// they match serve's --data and --root-key-file.
type dataFlags struct {
	dataDir, rootKeyFile *string
}

func addDataFlags(fs *flag.FlagSet) dataFlags {
	return dataFlags{
		dataDir:     fs.String("data", env("GATEHOUSE_DATA", "./gatehouse-data"), "data directory (GATEHOUSE_DATA)"),
		rootKeyFile: fs.String("root-key-file", env("GATEHOUSE_ROOT_KEY_FILE", ""), "root key file; default <data>/root.key (GATEHOUSE_ROOT_KEY_FILE)"),
	}
}

// open opens the node's state for an admin command.
func (f dataFlags) open(ctx context.Context) (*app.Data, error) {
	return app.OpenData(ctx, app.DataConfig{DataDir: *f.dataDir, RootKeyFile: *f.rootKeyFile})
}
