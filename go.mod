module github.com/stracectl/stracectl

go 1.26.8

require github.com/alecthomas/kong v1.17.0

require golang.org/x/sys v0.43.0
