#include "routing/metrics.hpp"

#include "store/histogram.hpp"
#include "store/s3/bucket.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>

namespace packyard::routing::metrics {
namespace {

namespace hist = store::histogram;
using counter = std::atomic<std::uint64_t>;

/// One writer per counter (its shard's thread): a relaxed load and store compile to a plain
/// add into memory, and a scrape on another thread still reads a whole value.
void bump(counter& c, std::uint64_t n = 1) noexcept {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

/// The statuses packyard answers (and a few a proxy in front of it might make expected); any
/// other shares the last slot.
constexpr std::array<unsigned, 35> statuses{
    200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 406, 408,
    409, 410, 411, 412, 413, 414, 415, 416, 422, 429, 431, 500, 501, 502, 503, 504, 505};
constexpr std::size_t status_slots = statuses.size() + 1;

constexpr auto status_index = [] {
    std::array<std::uint8_t, 600> index{};
    index.fill(static_cast<std::uint8_t>(statuses.size()));
    for (std::size_t i = 0; i < statuses.size(); ++i) {
        index[statuses[i]] = static_cast<std::uint8_t>(i);
    }
    return index;
}();

constexpr std::size_t methods = static_cast<std::size_t>(method::other) + 1;
constexpr std::size_t latency_buckets = hist::latency_bounds_us.size() + 1;

struct thread_cache {
    std::uint64_t serial = 0;
    void* shard = nullptr;
};
thread_local thread_cache cache;
std::atomic<std::uint64_t> next_serial{1};

} // namespace

/// What a request adds to its route, on one or two cache lines: the totals, then the latency
/// buckets in order, the fast ones first.
struct alignas(64) route_counters {
    counter micros{0};
    counter bytes_in{0};
    counter bytes_out{0};
    std::array<counter, latency_buckets> buckets{}; ///< not cumulative
};

struct registry::shard {
    shard(std::thread::id id, std::size_t request_slots, std::size_t routes)
        : owner(id)
        , requests(request_slots * status_slots)
        , per_route(routes) {}

    std::thread::id owner;
    std::vector<counter> requests; ///< request slot × status slot
    std::vector<route_counters> per_route;
    std::array<counter, upload_failure_kinds> uploads{};
    counter accepted{0};
    counter refused{0};
    counter closed{0};
};

std::string_view label(upload_failure why) noexcept {
    switch (why) {
    case upload_failure::denied:
        return "denied";
    case upload_failure::invalid:
        return "invalid";
    case upload_failure::too_large:
        return "too_large";
    case upload_failure::malformed:
        return "malformed";
    case upload_failure::timeout:
        return "timeout";
    case upload_failure::aborted:
        return "aborted";
    case upload_failure::busy:
        return "busy";
    case upload_failure::disk:
        return "disk";
    case upload_failure::internal:
        return "internal";
    }
    return "internal";
}

upload_failure reason_of(unsigned status) noexcept {
    switch (status) {
    case 401:
    case 403:
    case 404:
        return upload_failure::denied;
    case 408:
        return upload_failure::timeout;
    case 413:
        return upload_failure::too_large;
    case 503:
        return upload_failure::busy;
    case 507:
        return upload_failure::disk;
    default:
        return status >= 500 ? upload_failure::internal : upload_failure::invalid;
    }
}

registry::registry(std::span<const route> table)
    : table_(table)
    , routes_(table.size())
    , serial_(next_serial.fetch_add(1)) {}

registry::~registry() = default;

std::size_t registry::status_slot(unsigned status) noexcept {
    return status < status_index.size() ? status_index[status] : statuses.size();
}

std::size_t registry::request_slot(int route, method verb) const noexcept {
    // A row is never HEAD itself (HEAD matches GET rows), so a matched route has two slots: its
    // own method and HEAD. Without a row, one slot per method.
    if (route >= 0 && static_cast<std::size_t>(route) < routes_) {
        return static_cast<std::size_t>(route) * 2 + (verb == method::head ? 1 : 0);
    }
    return routes_ * 2 + static_cast<std::size_t>(verb);
}

registry::shard& registry::local() {
    if (cache.serial == serial_) [[likely]] {
        return *static_cast<shard*>(cache.shard);
    }
    return attach();
}

registry::shard& registry::attach() {
    std::lock_guard lock(mu_);
    const auto me = std::this_thread::get_id();
    auto it = std::find_if(shards_.begin(), shards_.end(),
                           [me](const auto& s) { return s->owner == me; });
    if (it == shards_.end()) {
        shards_.push_back(std::make_unique<shard>(me, routes_ * 2 + methods, routes_ + 1));
        it = std::prev(shards_.end());
    }
    cache = {serial_, it->get()};
    return **it;
}

void registry::request(int route, method verb, unsigned status, std::uint64_t micros,
                       std::uint64_t bytes_in, std::uint64_t bytes_out) noexcept {
    shard& s = local();
    const std::size_t r = route >= 0 && static_cast<std::size_t>(route) < routes_
                              ? static_cast<std::size_t>(route)
                              : routes_;
    bump(s.requests[request_slot(route, verb) * status_slots + status_slot(status)]);
    route_counters& rc = s.per_route[r];
    bump(rc.micros, micros);
    bump(rc.bytes_in, bytes_in);
    bump(rc.bytes_out, bytes_out);
    bump(rc.buckets[hist::bucket_of(hist::latency_bounds_us, micros)]);
}

void registry::upload_failed(upload_failure why) noexcept {
    bump(local().uploads[static_cast<std::size_t>(why)]);
}

void registry::connection_accepted() noexcept {
    bump(local().accepted);
}

void registry::connection_refused() noexcept {
    bump(local().refused);
}

void registry::connection_closed() noexcept {
    bump(local().closed);
}

// ---- scrape

struct registry::totals {
    std::vector<std::uint64_t> requests;
    std::vector<std::uint64_t> duration; ///< route × latency bucket
    std::vector<std::uint64_t> duration_us;
    std::vector<std::uint64_t> bytes_in;
    std::vector<std::uint64_t> bytes_out;
    std::array<std::uint64_t, upload_failure_kinds> uploads{};
    std::uint64_t accepted = 0;
    std::uint64_t refused = 0;
    std::uint64_t closed = 0;
};

registry::totals registry::sum() const {
    const auto add = [](std::uint64_t& to, const counter& from) {
        to += from.load(std::memory_order_relaxed);
    };
    totals t;
    t.requests.resize((routes_ * 2 + methods) * status_slots);
    t.duration.resize((routes_ + 1) * latency_buckets);
    t.duration_us.resize(routes_ + 1);
    t.bytes_in.resize(routes_ + 1);
    t.bytes_out.resize(routes_ + 1);
    std::lock_guard lock(mu_);
    for (const auto& s : shards_) {
        // Connections closed are read before those accepted, so the gauge of open ones (their
        // difference) is never below what it was.
        t.closed += s->closed.load(std::memory_order_relaxed);
        t.accepted += s->accepted.load(std::memory_order_relaxed);
        t.refused += s->refused.load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < t.requests.size(); ++i) {
            add(t.requests[i], s->requests[i]);
        }
        for (std::size_t r = 0; r <= routes_; ++r) {
            const route_counters& rc = s->per_route[r];
            add(t.duration_us[r], rc.micros);
            add(t.bytes_in[r], rc.bytes_in);
            add(t.bytes_out[r], rc.bytes_out);
            for (std::size_t b = 0; b < latency_buckets; ++b) {
                add(t.duration[r * latency_buckets + b], rc.buckets[b]);
            }
        }
        for (std::size_t i = 0; i < upload_failure_kinds; ++i) {
            t.uploads[i] += s->uploads[i].load(std::memory_order_relaxed);
        }
    }
    return t;
}

namespace {

void append_number(std::string& out, std::uint64_t v) {
    char digits[24];
    out.append(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
}

/// Microseconds as decimal seconds, exactly ("0.00025", "2.5", "60").
void append_seconds(std::string& out, std::uint64_t micros) {
    append_number(out, micros / 1'000'000);
    std::uint64_t frac = micros % 1'000'000;
    if (frac == 0) {
        return;
    }
    char digits[7] = {'.', '0', '0', '0', '0', '0', '0'};
    for (int i = 6; i > 0; --i) {
        digits[i] = static_cast<char>('0' + frac % 10);
        frac /= 10;
    }
    int len = 7;
    while (digits[len - 1] == '0') {
        --len;
    }
    out.append(digits, static_cast<std::size_t>(len));
}

/// A label value: backslash, double quote and line feed escaped (the exposition format's rule).
void append_label_value(std::string& out, std::string_view v) {
    for (const char c : v) {
        if (c == '\\' || c == '"') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out.push_back(c);
        }
    }
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

void sample(std::string& out, std::string_view name, std::uint64_t v) {
    out += name;
    out += ' ';
    append_number(out, v);
    out += '\n';
}

void gauge(std::string& out, std::string_view name, std::string_view help, std::uint64_t v) {
    header(out, name, "gauge", help);
    sample(out, name, v);
}

void counter_line(std::string& out, std::string_view name, std::string_view help, std::uint64_t v) {
    header(out, name, "counter", help);
    sample(out, name, v);
}

/// The series of one histogram: cumulative buckets, +Inf, sum and count. labels: "" or
/// `route="..."` (without braces); bounds in microseconds render as seconds when seconds.
void histogram_series(std::string& out, std::string_view name, std::string_view labels,
                      std::span<const std::uint64_t> bounds, std::span<const std::uint64_t> counts,
                      std::uint64_t sum, bool seconds) {
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b <= bounds.size(); ++b) {
        cumulative += counts[b];
        out += name;
        out += "_bucket{";
        if (!labels.empty()) {
            out += labels;
            out += ',';
        }
        out += "le=\"";
        if (b == bounds.size()) {
            out += "+Inf";
        } else if (seconds) {
            append_seconds(out, bounds[b]);
        } else {
            append_number(out, bounds[b]);
        }
        out += "\"} ";
        append_number(out, cumulative);
        out += '\n';
    }
    for (const auto* part : {"_sum", "_count"}) {
        out += name;
        out += part;
        if (!labels.empty()) {
            out += '{';
            out += labels;
            out += '}';
        }
        out += ' ';
        if (part == std::string_view("_count")) {
            append_number(out, cumulative);
        } else if (seconds) {
            append_seconds(out, sum);
        } else {
            append_number(out, sum);
        }
        out += '\n';
    }
}

} // namespace

namespace {

/// The object store's calls, per operation (--blob-store s3).
void render_bucket(std::string& out, const store::s3::bucket& b) {
    using store::s3::op;
    constexpr auto ops = static_cast<std::size_t>(op::count_);
    const auto& client = b.http();
    auto each = [&](std::string_view name, std::string_view type, std::string_view help,
                    auto&& value) {
        header(out, name, type, help);
        for (std::size_t i = 0; i < ops; ++i) {
            out += name;
            out += "{operation=\"";
            out += store::s3::op_name(static_cast<op>(i));
            out += "\"} ";
            append_number(out, value(client.stats(static_cast<op>(i))));
            out += '\n';
        }
    };
    each("packyard_s3_requests_total", "counter",
         "Object-store calls that ended, by S3 operation (retries inside one call not counted).",
         [](const store::s3::op_stats& s) { return s.calls.load(std::memory_order_relaxed); });
    each("packyard_s3_request_failures_total", "counter",
         "Object-store calls that ended without a usable answer (no connection, a timeout, 5xx "
         "after the retries).",
         [](const store::s3::op_stats& s) { return s.failures.load(std::memory_order_relaxed); });
    each("packyard_s3_retries_total", "counter",
         "Attempts after the first, by S3 operation (each after a backoff).",
         [](const store::s3::op_stats& s) { return s.retries.load(std::memory_order_relaxed); });
    header(out, "packyard_s3_request_duration_seconds", "histogram",
           "Time of an object-store call, retries and backoff included, by S3 operation.");
    for (std::size_t i = 0; i < ops; ++i) {
        const auto& s = client.stats(static_cast<op>(i));
        std::array<std::uint64_t, hist::latency_bounds_us.size() + 1> counts{};
        for (std::size_t k = 0; k < counts.size(); ++k) {
            counts[k] = s.latency[k].load(std::memory_order_relaxed);
        }
        const std::string labels =
            "operation=\"" + std::string(store::s3::op_name(static_cast<op>(i))) + "\"";
        histogram_series(out, "packyard_s3_request_duration_seconds", labels,
                         hist::latency_bounds_us, counts,
                         s.latency_sum_us.load(std::memory_order_relaxed), true);
    }
    gauge(out, "packyard_s3_queued_deletes",
          "Object deletes waiting to be sent (after the commit that dropped the last reference).",
          b.queued_deletes());
}

} // namespace

std::string registry::render(const store_figures& store) const {
    const totals t = sum();
    std::string out;
    out.reserve(16384);
    const auto route_label = [this](std::size_t r) {
        return r < routes_ ? table_[r].pattern : std::string_view("unmatched");
    };
    const auto route_labels = [&](std::size_t r) {
        std::string labels = "route=\"";
        append_label_value(labels, route_label(r));
        labels += '"';
        return labels;
    };

    header(out, "packyard_http_requests_total", "counter",
           "Requests answered, by route pattern (unmatched: no row of the route table), method "
           "and status.");
    for (std::size_t slot = 0; slot < routes_ * 2 + methods; ++slot) {
        const std::size_t r = slot < routes_ * 2 ? slot / 2 : routes_;
        const method verb = slot < routes_ * 2 ? (slot % 2 == 1 ? method::head : table_[r].verb)
                                               : static_cast<method>(slot - routes_ * 2);
        for (std::size_t st = 0; st < status_slots; ++st) {
            const std::uint64_t n = t.requests[slot * status_slots + st];
            if (n == 0) {
                continue;
            }
            out += "packyard_http_requests_total{";
            out += route_labels(r);
            out += ",method=\"";
            out += method_name(verb);
            out += "\",status=\"";
            if (st < statuses.size()) {
                append_number(out, statuses[st]);
            } else {
                out += "other";
            }
            out += "\"} ";
            append_number(out, n);
            out += '\n';
        }
    }

    // Routes never requested are left out of the per-route families, as they are above.
    std::vector<std::uint64_t> seen(routes_ + 1);
    for (std::size_t r = 0; r <= routes_; ++r) {
        for (std::size_t b = 0; b < latency_buckets; ++b) {
            seen[r] += t.duration[r * latency_buckets + b];
        }
    }
    header(out, "packyard_http_request_duration_seconds", "histogram",
           "Time from a request's first header byte to its last response byte, by route.");
    for (std::size_t r = 0; r <= routes_; ++r) {
        if (seen[r] > 0) {
            histogram_series(out, "packyard_http_request_duration_seconds", route_labels(r),
                             hist::latency_bounds_us,
                             std::span(t.duration).subspan(r * latency_buckets, latency_buckets),
                             t.duration_us[r], true);
        }
    }
    const auto per_route = [&](std::string_view name, std::string_view help,
                               const std::vector<std::uint64_t>& values) {
        header(out, name, "counter", help);
        for (std::size_t r = 0; r <= routes_; ++r) {
            if (seen[r] > 0) {
                out += name;
                out += '{';
                out += route_labels(r);
                out += "} ";
                append_number(out, values[r]);
                out += '\n';
            }
        }
    };
    per_route("packyard_http_received_bytes_total",
              "Request bytes read (header and body, as sent on the wire), by route.", t.bytes_in);
    per_route("packyard_http_sent_bytes_total",
              "Response bytes written (header and body), by route.", t.bytes_out);

    counter_line(out, "packyard_http_connections_total", "Connections accepted.", t.accepted);
    counter_line(out, "packyard_http_connections_refused_total",
                 "Connections answered 503 and closed past --max-connections.", t.refused);
    gauge(out, "packyard_http_open_connections", "Connections open now.",
          t.accepted - std::min(t.accepted, t.closed));

    header(out, "packyard_upload_failures_total", "counter",
           "Uploads refused or failed, by reason (docs/operations.md, Monitoring).");
    for (std::size_t i = 0; i < upload_failure_kinds; ++i) {
        out += "packyard_upload_failures_total{reason=\"";
        out += label(static_cast<upload_failure>(i));
        out += "\"} ";
        append_number(out, t.uploads[i]);
        out += '\n';
    }

    const auto& w = store.writer;
    counter_line(out, "packyard_writer_batches_total", "Write batches committed (one fsync each).",
                 w.batches);
    counter_line(out, "packyard_writer_failed_batches_total",
                 "Write batches whose transaction could not begin or commit.", w.failed_batches);
    counter_line(out, "packyard_writer_jobs_total", "Write jobs in committed batches.", w.jobs);
    gauge(out, "packyard_writer_queued_jobs", "Write jobs waiting for the writer now.", w.queued);
    header(out, "packyard_writer_batch_jobs", "histogram", "Jobs per committed batch.");
    histogram_series(out, "packyard_writer_batch_jobs", {}, hist::batch_bounds, w.jobs_per_batch,
                     w.jobs, false);
    header(out, "packyard_writer_commit_duration_seconds", "histogram",
           "Time of a batch's durable commit: the blobs folder's fsync and LMDB's commit.");
    histogram_series(out, "packyard_writer_commit_duration_seconds", {}, hist::latency_bounds_us,
                     w.commit_us, w.commit_us_sum, true);

    gauge(out, "packyard_lmdb_map_size_bytes", "The LMDB map reserved (--map-size).",
          store.map.map_size);
    gauge(out, "packyard_lmdb_page_size_bytes", "The LMDB page size.", store.map.page_size);
    gauge(out, "packyard_lmdb_pages_used",
          "Pages up to the last one written: the data file's high-water mark.",
          store.map.pages_used);
    gauge(out, "packyard_lmdb_readers", "LMDB reader slots held by a thread.", store.map.readers);
    gauge(out, "packyard_lmdb_active_readers", "LMDB reader slots holding a snapshot now.",
          store.map.active_readers);
    gauge(out, "packyard_lmdb_max_readers", "LMDB reader slots at most.", store.map.max_readers);
    gauge(out, "packyard_blobs", "Blob files stored (one per distinct content).",
          store.blobs.blobs);
    gauge(out, "packyard_blobs_bytes", "Bytes of every blob file.", store.blobs.bytes);
    gauge(out, "packyard_cleanup_backlog", "Deleted files and packages waiting for the cleanup.",
          store.cleanup_backlog);
    if (store.bucket != nullptr) {
        render_bucket(out, *store.bucket);
    }
    return out;
}

} // namespace packyard::routing::metrics
