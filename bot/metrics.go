package bot

import (
	"net/http"
	"regexp"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/quotabot/quotabot/store"
)

// Metrics are the bot's Prometheus metrics, in a registry of their own:
// nothing is registered globally, so two bots (two tests) never collide.
type Metrics struct {
	reg          *prometheus.Registry
	commands     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	actions      *prometheus.CounterVec
	events       *prometheus.CounterVec
	refused      *prometheus.CounterVec
	duplicates   *prometheus.CounterVec
	followUps    *prometheus.CounterVec
	busy         *prometheus.CounterVec
	ledgerErrors prometheus.Counter
	connections  prometheus.Counter
}

// NewMetrics returns the metrics in a new registry, with the Go runtime's
// and the process's own collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "quotabot_commands_total",
			Help: "Slash commands answered, by command and outcome (ok, refused, error).",
		}, []string{"command", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "quotabot_command_duration_seconds",
			Help: "Time from receiving a slash command to its reply being ready.",
			// A durable write is a few milliseconds; Slack's patience ends
			// at 3 seconds.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"command"}),
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "quotabot_actions_total",
			Help: "Button presses handled, by outcome (ok, error, unknown).",
		}, []string{"outcome"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "quotabot_events_total",
			Help: "Events API events received, by type.",
		}, []string{"type"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			// The name predates Socket Mode's checks; kept so that
			// dashboards keep working.
			Name: "quotabot_http_refused_total",
			Help: "Requests refused before reaching the command core, by transport (http, socket) and reason.",
		}, []string{"transport", "reason"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "quotabot_duplicates_total",
			Help: "Repeated deliveries recognised and not acted on, by kind (command, event, action).",
		}, []string{"kind"}),
		followUps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "quotabot_response_url_posts_total",
			Help: "Replies posted to response_url, by outcome (posted, failed).",
		}, []string{"outcome"}),
		busy: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "quotabot_busy_total",
			Help: "Commands, presses and events turned away because MaxInFlight were in flight, by transport and kind.",
		}, []string{"transport", "kind"}),
		ledgerErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "quotabot_ledger_errors_total",
			Help: "Commands, presses and health checks the store failed.",
		}),
		connections: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "quotabot_socket_connections_total",
			Help: "Socket Mode connections opened, reconnections included.",
		}),
	}
	m.reg.MustRegister(m.commands, m.latency, m.actions, m.events, m.refused, m.duplicates,
		m.followUps, m.busy, m.ledgerErrors, m.connections,
		// The memory classes and the GC's goal and soft limit, beside the
		// go_memstats_* set: what an operator needs to tell the heap from
		// what the runtime holds, and the CPU the collector takes, to see
		// whether GOMEMLIMIT is too tight.
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsGC, collectors.MetricsMemory,
			collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/cpu/classes/(gc/|total)`)})),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry the metrics are in, for adding more.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics as Prometheus text.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// StoreStats reports the store's levels, its disk's free-space guard and
// how often its clock stepped back; *store.Ledger does.
type StoreStats interface {
	Levels() []store.LevelStats
	Disk() store.DiskStatus
	ClockStepsBack() int64
}

var _ StoreStats = (*store.Ledger)(nil)

// WatchStore adds the store's figures to the metrics, read at every
// scrape: the tables and bytes in each level, the disk's free space
// against the reserve, the clock's steps back. Watching a second store is
// refused.
func (m *Metrics) WatchStore(s StoreStats) error {
	return m.reg.Register(storeCollector{s})
}

var (
	levelTablesDesc = prometheus.NewDesc("quotabot_badger_level_tables",
		"Tables in each level of Badger's LSM tree; a growing level 0 means compaction is behind.", []string{"level"}, nil)
	levelBytesDesc = prometheus.NewDesc("quotabot_badger_level_bytes",
		"Bytes on disk in each level of Badger's LSM tree.", []string{"level"}, nil)
	levelTargetDesc = prometheus.NewDesc("quotabot_badger_level_target_bytes",
		"Size past which Badger compacts a level into the next.", []string{"level"}, nil)
	clockBackDesc = prometheus.NewDesc("quotabot_clock_steps_back_total",
		"Times the clock read earlier than it did for the entry before; entries are dated as it reads.", nil, nil)
	diskFullDesc = prometheus.NewDesc("quotabot_disk_full",
		"1 while the disk holding the data is too full for the next write, and writes are refused; else 0.", nil, nil)
	diskFreeDesc = prometheus.NewDesc("quotabot_disk_free_bytes",
		"Bytes free on the disk holding the data.", nil, nil)
	diskNeedDesc = prometheus.NewDesc("quotabot_disk_reserve_bytes",
		"Bytes the next write may need with the flush and compaction it can set off; below it writes are refused.", nil, nil)
)

// storeCollector reads the levels when scraped, so that nothing polls the
// store between scrapes.
type storeCollector struct{ s StoreStats }

func (c storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- levelTablesDesc
	ch <- levelBytesDesc
	ch <- levelTargetDesc
	ch <- clockBackDesc
	ch <- diskFullDesc
	ch <- diskFreeDesc
	ch <- diskNeedDesc
}

func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	for _, l := range c.s.Levels() {
		lvl := strconv.Itoa(l.Level)
		ch <- prometheus.MustNewConstMetric(levelTablesDesc, prometheus.GaugeValue, float64(l.Tables), lvl)
		ch <- prometheus.MustNewConstMetric(levelBytesDesc, prometheus.GaugeValue, float64(l.Bytes), lvl)
		ch <- prometheus.MustNewConstMetric(levelTargetDesc, prometheus.GaugeValue, float64(l.TargetBytes), lvl)
	}
	ch <- prometheus.MustNewConstMetric(clockBackDesc, prometheus.CounterValue, float64(c.s.ClockStepsBack()))
	// Nothing while the guard cannot read the disk (a store in memory).
	if st := c.s.Disk(); st.Known {
		full := 0.0
		if st.Full {
			full = 1
		}
		ch <- prometheus.MustNewConstMetric(diskFullDesc, prometheus.GaugeValue, full)
		ch <- prometheus.MustNewConstMetric(diskFreeDesc, prometheus.GaugeValue, float64(st.Free))
		ch <- prometheus.MustNewConstMetric(diskNeedDesc, prometheus.GaugeValue, float64(st.Need))
	}
}
