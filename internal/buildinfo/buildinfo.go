// Package buildinfo reports the version of the running pprl binary, which
// outputs record in their manifests.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// version is set at link time by the Makefile
// (-ldflags "-X github.com/pprl/pprl/internal/buildinfo.version=...").
var version = ""

// Version returns pprl's version: the link-time version if set, else the
// module version, else "dev".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// GoVersion returns the Go toolchain version the binary was built with.
func GoVersion() string { return runtime.Version() }
