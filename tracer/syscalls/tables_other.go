//go:build !amd64 && !arm64

// Architectures without generated tables: no syscall has a name here, so
// tracing (eBPF, which needs the tables, and -e, which checks names) is
// unavailable, while parse, stats and diff build and work as anywhere.

package syscalls

// Values of the UAPI headers the printer needs; unused without tables.
const (
	atFdcwd         = -100
	oCreat          = 64
	oTmpfileFlag    = 4194304
	oAccmode        = 3
	atStatxSyncType = 24576
	cloneSignalMask = 255
	mapType         = 15
	mapHugeShift    = 26
	mapHugeMask     = 63
	sigRtMin        = 32
	sigRtMax        = 64
)

var syscallTable = [...]syscallEntry{}

var signalNames = [...]string{}

var ioctlTable = [...]ioctlEntry{}

var (
	openAccessModes  xlat
	openModeFlags    xlat
	atFlags          xlat
	faccessatFlags   xlat
	accessModes      xlat
	statxSyncTypes   xlat
	statxMasks       xlat
	renameFlags      xlat
	mmapProt         xlat
	mmapFlags        xlat
	whenceCodes      xlat
	sigprocmaskCmds  xlat
	fdFlags          xlat
	clockNames       xlat
	fcntlCmds        xlat
	cloneFlags       xlat
	wait4Options     xlat
	archPrctlCodes   xlat
	rlimitResources  xlat
	getrandomFlags   xlat
	madviseAdvice    xlat
	futexOps         xlat
	futexBitset      xlat
	xattrFlags       xlat
	fadviseAdvice    xlat
	addressFamilies  xlat
	socketTypes      xlat
	socketTypeFlags  xlat
	inetProtocols    xlat
	netlinkProtocols xlat
)
