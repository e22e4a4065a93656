module github.com/stracectl/stracectl

go 1.26.8

require github.com/alecthomas/kong v1.17.0

require github.com/goccy/go-json v0.12.0
