// Package config reads doorsync's TOML configuration (product.md →
// "Configuration contract") into a validated Config.
//
// What it guarantees, because operators rely on it:
//   - typos are errors: unknown keys are reported with the file, the line and
//     a "did you mean" suggestion;
//   - every problem is reported at once, each naming the key and the line;
//   - secrets (passwords, tokens) come from ${VAR}, a *_file or a literal, are
//     held in Secret, and never appear in errors, logs, %v output or JSON;
//   - defaults are applied here, once, so every command sees the same values.
//
// docs/configuration.md describes every key for operators.
package config
