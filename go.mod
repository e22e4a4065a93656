module github.com/stracectl/stracectl

go 1.26.8

require (
	github.com/alecthomas/kong v1.17.0
	github.com/cilium/ebpf v0.22.0
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.2
	golang.org/x/sys v0.43.0
)

require golang.org/x/text v0.14.0 // indirect

tool github.com/cilium/ebpf/cmd/bpf2go
