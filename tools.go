//go:build tools

package tools
import (
 _ "github.com/slack-go/slack"
 _ "github.com/slack-go/slack/socketmode"
 _ "github.com/robfig/cron/v3"
 _ "github.com/dgraph-io/badger/v4"
 _ "github.com/goccy/go-yaml"
 _ "github.com/prometheus/client_golang/prometheus"
 _ "github.com/gorilla/websocket"
)
