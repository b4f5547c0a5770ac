package cli

import (
	"github.com/doorsync/doorsync/internal/config"
)

// loadConfig finds and loads the configuration the global flags point to.
// Every failure is a configuration error (exit 2).
func (a *App) loadConfig(g *globalOptions) (*config.Config, error) {
	path, err := config.Find(g.configPath, a.LookupEnv, a.UserConfigDir, a.SystemConfigDir)
	if err != nil {
		return nil, usageError(err)
	}
	cfg, err := config.Load(path, a.LookupEnv)
	if err != nil {
		return nil, usageError(err)
	}
	if g.dbPath != "" {
		cfg.Database = g.dbPath
	}
	return cfg, nil
}
