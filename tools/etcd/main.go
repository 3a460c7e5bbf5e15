// Command etcd is upstream's etcd server, built from go.etcd.io/etcd/server/v3 at the pinned
// version: the module has no main package of its own (upstream's lives in a module the proxy
// does not serve), so this is the one line that calls it.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
