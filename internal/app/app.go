// Package app assembles one gatehouse node from its parts: the store, the
// keyring, the accounts, the services, the audit trail and the request path.
// The gatehouse command and the in-process servers of tests both use it, so
// tests exercise exactly what users run.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/artifact"
	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/iam/awsmanaged"
	"github.com/gatehouse/gatehouse/internal/keyring"
	"github.com/gatehouse/gatehouse/internal/kms"
	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/server"
	artifactservice "github.com/gatehouse/gatehouse/internal/service/artifact"
	"github.com/gatehouse/gatehouse/internal/service/cloudtrail"
	iamservice "github.com/gatehouse/gatehouse/internal/service/iam"
	kmsservice "github.com/gatehouse/gatehouse/internal/service/kms"
	orgservice "github.com/gatehouse/gatehouse/internal/service/organizations"
	"github.com/gatehouse/gatehouse/internal/service/sts"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// DefaultDevAccountID is dev mode's default account, as moto and LocalStack use.
const DefaultDevAccountID = "000000000000"

// Config configures a node.
type Config struct {
	// DataDir holds the database and, unless RootKeyFile says otherwise,
	// the root key.
	DataDir string
	// RootKeyFile is the root key's path; "" means <DataDir>/root.key. The
	// GATEHOUSE_ROOT_KEY environment variable overrides both.
	RootKeyFile string
	// AccountID is the management account id to create on first start;
	// "" means random.
	AccountID string
	// RootEmail is the management root user's email on first start.
	RootEmail string
	// Dev turns on dev mode (see server.Config).
	Dev          bool
	DevAccountID string
	// Enforce is the enforcement mode of authorization: "on", "soft" or
	// "off" (see authz.Mode); "" means off in dev mode and on otherwise.
	// Outside dev mode only on is allowed.
	Enforce string
	Logger  *slog.Logger
}

// App is an assembled node.
type App struct {
	// Handler serves every API and gatehouse endpoint.
	Handler http.Handler
	// ManagementAccountID is the bootstrap account.
	ManagementAccountID string
	// Created holds the root credentials when this start bootstrapped the
	// data directory; nil on later starts.
	Created *RootCredentials
	// CredentialsFile is where the root credentials were written.
	CredentialsFile string
	// Bus carries every trail event to in-process subscribers.
	Bus *audit.Bus
	// Enforcement is the authorization enforcement mode the node runs in.
	Enforcement authz.Mode

	store    store.Store
	recorder *audit.Recorder
	dir      *iam.Directory
	orgs     *organizations.Store
	artifact *artifact.Store
	kms      *kms.Store
	// stopUsage stops the background work (startMaintenance); usageDone
	// is closed when it has finished.
	stopUsage context.CancelFunc
	usageDone chan struct{}
}

// RootCredentials are the bootstrap root user's secrets.
type RootCredentials = account.RootCredentials

// Open assembles a node over cfg.DataDir, bootstrapping it on first use.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.DevAccountID == "" {
		cfg.DevAccountID = DefaultDevAccountID
	}
	if !account.ValidAccountID(cfg.DevAccountID) {
		return nil, fmt.Errorf("default account %q is not a 12-digit account id", cfg.DevAccountID)
	}
	if _, err := authz.ResolveMode(cfg.Enforce, cfg.Dev); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	keyFile := cfg.RootKeyFile
	if keyFile == "" {
		keyFile = filepath.Join(cfg.DataDir, "root.key")
	}
	kr, err := keyring.LoadOrCreate(keyFile)
	if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	a, err := assemble(ctx, cfg, st, kr)
	if err != nil {
		return nil, errors.Join(err, st.Close())
	}
	return a, nil
}

func assemble(ctx context.Context, cfg Config, st store.Store, kr *keyring.Keyring) (*App, error) {
	creds := account.NewCredentials(st, kr)
	mgmtID, created, err := account.Bootstrap(ctx, st, creds, account.BootstrapConfig{AccountID: cfg.AccountID, Email: cfg.RootEmail})
	if err != nil {
		return nil, err
	}
	a := &App{ManagementAccountID: mgmtID, Created: created, store: st, Bus: audit.NewBus()}
	a.CredentialsFile = filepath.Join(cfg.DataDir, "root-credentials")
	if created != nil {
		if err := account.WriteCredentialsFile(a.CredentialsFile, created); err != nil {
			return nil, err
		}
	}
	if cfg.Dev {
		if err := account.EnsureAccount(ctx, st, cfg.DevAccountID, "default"); err != nil {
			return nil, err
		}
	}

	a.recorder = audit.NewRecorder(st, a.Bus, audit.Options{Logger: cfg.Logger})
	dir := iam.NewDirectory(st, kr, creds, awsmanaged.Policies())
	a.dir = dir
	registry := call.NewRegistry()
	stsService := sts.New(dir, kr, sts.Options{Logger: cfg.Logger, Dev: cfg.Dev})
	stsService.Register(registry)
	iamService := iamservice.New(dir, cfg.Logger)
	iamService.Register(registry)
	cloudtrail.New(st).Register(registry)
	orgs := organizations.New(dir)
	a.orgs = orgs
	// IAM's centralized root access and STS's AssumeRoot read the
	// organization of an account through the same facts.
	iamService.SetOrganizations(organizations.IAMFacts{Store: orgs})
	stsService.SetOrganizations(organizations.IAMFacts{Store: orgs})
	orgservice.New(orgs, creds, cfg.Logger).Register(registry)
	arts := artifact.New(orgs, artifact.Options{})
	a.artifact = arts
	artifactservice.New(arts, cfg.Logger).Register(registry)
	keys := kms.New(st, kr)
	a.kms = keys
	kmsservice.New(keys, cfg.Logger).Register(registry)
	a.startMaintenance(cfg.Logger)

	mode, err := authz.ResolveMode(cfg.Enforce, cfg.Dev)
	if err != nil {
		return nil, err
	}
	a.Enforcement = mode
	// The unsigned STS operations evaluate their trust policies in their
	// handlers, where enforcement modes other than on let requests through.
	stsService.EnforceTrust = mode == authz.On
	authorizer, err := authz.New(authz.Config{Directory: dir, Services: model.All(), Mode: mode, Organizations: orgs, Logger: cfg.Logger,
		// KMS key policies, aliases, grants and key condition keys.
		Resolvers: map[string]authz.ResourceResolver{"kms": kms.NewResolver(keys)}})
	if err != nil {
		return nil, err
	}

	srv := server.New(server.Config{Dev: cfg.Dev, DevAccountID: cfg.DevAccountID, ManagementAccountID: mgmtID, Logger: cfg.Logger}, server.Deps{
		Store:       st,
		Services:    model.All(),
		Registry:    registry,
		Credentials: creds,
		Authorizer:  authorizer,
		Recorder:    a.recorder,
		Reset: func(ctx context.Context) error {
			if err := a.recorder.Flush(ctx); err != nil {
				return err
			}
			if err := account.ResetKeepingBootstrap(ctx, st, creds); err != nil {
				return err
			}
			dir.Invalidate()
			orgs.Invalidate()
			keys.Invalidate()
			return account.EnsureAccount(ctx, st, cfg.DevAccountID, "default")
		},
		Sessions: stsService.Sessions(),
		Endpoints: map[string]http.Handler{
			artifact.DownloadPathPrefix: arts.DownloadHandler(cfg.Logger),
		},
	})
	a.Handler = srv
	return a, nil
}

// Close flushes the trail and closes the store. Call it after the HTTP
// server has finished its in-flight requests.
func (a *App) Close(ctx context.Context) error {
	a.stopUsage()
	<-a.usageDone
	return errors.Join(a.dir.FlushUsage(ctx), a.recorder.Close(ctx), a.store.Close())
}

// usageFlushInterval is how often last-use times of access keys and roles
// are written to the store. GetAccessKeyLastUsed and GetRole read unflushed
// uses from memory, so the interval only bounds what a crash can lose.
const usageFlushInterval = 5 * time.Second

// kmsSweepInterval is how often keys whose deletion or automatic rotation
// is due are deleted or rotated. Requests see due keys at once anyway
// (kms.Store.LiveKey checks the dates on every use); the sweep handles
// keys nobody uses.
const kmsSweepInterval = time.Minute

// startMaintenance starts the node's background work: the writer of
// last-use times and the KMS sweep. Close stops it.
func (a *App) startMaintenance(log *slog.Logger) {
	ctx, cancel := context.WithCancel(context.Background())
	a.stopUsage, a.usageDone = cancel, make(chan struct{})
	go func() {
		defer close(a.usageDone)
		usage := time.NewTicker(usageFlushInterval)
		defer usage.Stop()
		sweep := time.NewTicker(kmsSweepInterval)
		defer sweep.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-usage.C:
				if err := a.dir.FlushUsage(ctx); err != nil && ctx.Err() == nil {
					log.Error("write last-use times of access keys and roles", "error", err)
				}
			case now := <-sweep.C:
				if _, err := a.kms.DeleteDueKeys(ctx, now.UTC()); err != nil && ctx.Err() == nil {
					log.Error("delete KMS keys whose deletion is due", "error", err)
				}
				if _, err := a.kms.RotateDueKeys(ctx, now.UTC()); err != nil && ctx.Err() == nil {
					log.Error("rotate KMS keys whose rotation is due", "error", err)
				}
				if _, err := a.kms.ExpireImportedMaterial(ctx, now.UTC()); err != nil && ctx.Err() == nil {
					log.Error("delete expired imported KMS key material", "error", err)
				}
			}
		}
	}()
}

// Organizations returns the node's AWS Organizations state.
func (a *App) Organizations() *organizations.Store { return a.orgs }

// Directory returns the node's IAM directory.
func (a *App) Directory() *iam.Directory { return a.dir }

// Artifact returns the node's AWS Artifact state (reports, agreements).
func (a *App) Artifact() *artifact.Store { return a.artifact }

// KMS returns the node's KMS state.
func (a *App) KMS() *kms.Store { return a.kms }
