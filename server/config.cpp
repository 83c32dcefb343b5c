#include "server/config.hpp"

#include "routing/limits.hpp"
#include "server/backup_command.hpp"
#include "server/blob_options.hpp"

#include <boost/program_options.hpp>
#include <sstream>
#include <thread>

namespace packyard::server {
namespace po = boost::program_options;
namespace {

constexpr std::string_view top_usage =
    "Usage: packyard <command> [options]\n"
    "\n"
    "A package registry that speaks GitLab's Packages API (v4).\n"
    "\n"
    "Commands:\n"
    "  serve      run the server (packyard serve --help for its options)\n"
    "  routes     print the route table\n"
    "  backup     copy a store, live, into a new folder (packyard backup --help)\n"
    "  restore    place a backup into a new data folder (packyard restore --help)\n"
    "  check      check a data folder's integrity (packyard check --help)\n"
    "  migrate-blobs  copy a data folder's blobs into an S3 bucket (packyard migrate-blobs "
    "--help)\n"
    "\n"
    "Options:\n"
    "  --help     show this help\n"
    "  --version  print the version\n";

/// Option values that need checking before they become the config's durations.
struct seconds_options {
    long header = limits::header_timeout.count();
    long idle = limits::idle_timeout.count();
    long body = limits::body_timeout.count();
    long upload = limits::upload_timeout.count();
    long drain = limits::drain_timeout.count();
};

po::options_description serve_options(config& c, std::string& listen, std::string& log,
                                      std::string& read_role, seconds_options& secs,
                                      bool& access_log, std::string& metrics_allow) {
    po::options_description d(
        "packyard serve options (each also PACKYARD_<NAME>, e.g. PACKYARD_DATA)");
    d.add_options()("help", "show this help")(
        "data", po::value<std::string>()->default_value("packyard-data"),
        "data folder (LMDB in DATA/db, blobs in DATA/blobs)")(
        "listen", po::value<std::string>(&listen)->default_value("127.0.0.1:8080"),
        "HOST:PORT to listen on; port 0 picks a free one and prints it")(
        "external-url", po::value<std::string>(&c.app.external_url),
        "base URL for Link headers and web_url (default: http:// + the Host header)")(
        "threads", po::value<unsigned>(&c.threads)->default_value(0),
        "I/O threads (0: one per hardware thread)")(
        "max-upload-size",
        po::value<std::uint64_t>(&c.app.max_upload_size)->default_value(limits::max_upload_size),
        "largest accepted upload in bytes")(
        "log-format", po::value<std::string>(&log)->default_value("text"),
        "text or json")("access-log", po::value<bool>(&access_log)->default_value(true),
                        "one log line per request (true/false)")(
        "header-timeout", po::value<long>(&secs.header)->default_value(secs.header),
        "seconds a client may take to send a request header (and each read of a body)")(
        "idle-timeout", po::value<long>(&secs.idle)->default_value(secs.idle),
        "seconds an idle keep-alive connection stays open")(
        "body-timeout", po::value<long>(&secs.body)->default_value(secs.body),
        "seconds a whole JSON or form body may take to arrive (408 past it)")(
        "upload-timeout", po::value<long>(&secs.upload)->default_value(secs.upload),
        "seconds a whole upload may take to arrive (408 past it)")(
        "shutdown-timeout", po::value<long>(&secs.drain)->default_value(secs.drain),
        "seconds requests in progress may take to finish after SIGTERM; then they are cut off")(
        "max-connections",
        po::value<std::size_t>(&c.max_connections)->default_value(limits::max_connections),
        "open connections at most (a new one past it gets 503); also bounded by the open-file "
        "limit, which is raised to its hard limit at start")(
        "max-buffered-bodies",
        po::value<std::uint64_t>(&c.max_buffered_bodies)
            ->default_value(limits::max_buffered_bodies),
        "bytes of JSON and form request bodies held in memory at once, all connections together "
        "(503 past it)")(
        "map-size", po::value<std::uint64_t>(&c.map_size)->default_value(1ULL << 40),
        "LMDB map size in bytes, reserved at start (address space, not memory): the most "
        "metadata the store can hold. Under valgrind use 16 GiB (17179869184) or less")(
        "map-resident-mib", po::value<std::uint64_t>(&c.map_resident_mib)->default_value(128),
        "MiB of the LMDB map kept mapped in; past it, cold pages are unmapped (they stay in the "
        "page cache). 0: never")(
        "packages-read-min-role", po::value<std::string>(&read_role)->default_value("guest"),
        "least role that reads packages of a private project: guest or reporter")(
        "metrics", po::value<bool>(&c.metrics)->default_value(true),
        "count requests and serve /-/metrics (true/false)")(
        "metrics-allow",
        po::value<std::string>(&metrics_allow)->default_value("127.0.0.0/8,::1/128"),
        "addresses that may read /-/metrics: networks (CIDR) or addresses, separated by commas; "
        "others get 404");
    return d;
}

} // namespace

command parse_command_line(int argc, char** argv) {
    command out;
    if (argc < 2) {
        out.what = command::kind::help;
        out.text = top_usage;
        return out;
    }
    const std::string first = argv[1];
    if (first == "--help" || first == "-h" || first == "help") {
        out.text = top_usage;
        return out;
    }
    if (first == "--version") {
        out.what = command::kind::version;
        return out;
    }
    if (first == "routes") {
        out.what = command::kind::routes;
        return out;
    }
    if (first == "backup" || first == "restore") {
        return parse_copy_command(argc, argv);
    }
    if (first == "migrate-blobs") {
        out.what = command::kind::migrate_blobs;
        return out;
    }
    if (first == "check") {
        auto c = parse_check_command(argc, argv);
        out.what = c.what == check_command_line::kind::run
                       ? command::kind::check
                       : (c.what == check_command_line::kind::help ? command::kind::help
                                                                   : command::kind::error);
        out.check = std::move(c.cfg);
        out.text = std::move(c.text);
        return out;
    }
    if (first != "serve") {
        out.what = command::kind::error;
        out.text = "unknown command '" + first + "'\n\n" + std::string(top_usage);
        return out;
    }
    std::string listen;
    std::string log;
    std::string read_role;
    seconds_options secs;
    bool access_log = true;
    std::string metrics_allow;
    auto desc = serve_options(out.cfg, listen, log, read_role, secs, access_log, metrics_allow);
    blob_flags blobs;
    add_blob_options(desc, blobs);
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc - 1, argv + 1, desc), vm);
        po::store(po::parse_environment(desc,
                                        [&desc](const std::string& env) -> std::string {
                                            if (env.rfind("PACKYARD_", 0) != 0) {
                                                return {};
                                            }
                                            std::string name = env.substr(9);
                                            for (char& ch : name) {
                                                ch = ch == '_'
                                                         ? '-'
                                                         : static_cast<char>(std::tolower(
                                                               static_cast<unsigned char>(ch)));
                                            }
                                            return desc.find_nothrow(name, false) ? name
                                                                                  : std::string();
                                        }),
                  vm);
        po::notify(vm);
        if (vm.count("help") != 0U) {
            std::ostringstream s;
            s << "Usage: packyard serve [options]\n\n" << desc;
            out.what = command::kind::help;
            out.text = s.str();
            return out;
        }
        out.cfg.data_dir = vm["data"].as<std::string>();
    } catch (const std::exception& e) {
        out.what = command::kind::error;
        out.text = e.what();
        return out;
    }
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) {
        out.what = command::kind::error;
        out.text = "--listen must be HOST:PORT";
        return out;
    }
    out.cfg.listen_host = listen.substr(0, colon);
    if (out.cfg.listen_host.size() > 2 && out.cfg.listen_host.front() == '[') {
        out.cfg.listen_host = out.cfg.listen_host.substr(1, out.cfg.listen_host.size() - 2);
    }
    try {
        const unsigned long port = std::stoul(listen.substr(colon + 1));
        if (port > 65535) {
            throw std::out_of_range("port");
        }
        out.cfg.listen_port = static_cast<std::uint16_t>(port);
    } catch (const std::exception&) {
        out.what = command::kind::error;
        out.text = "--listen: bad port in '" + listen + "'";
        return out;
    }
    if (log != "text" && log != "json") {
        out.what = command::kind::error;
        out.text = "--log-format must be text or json";
        return out;
    }
    out.cfg.log = log == "json" ? log::format::json : log::format::text;
    if (read_role == "reporter") {
        out.cfg.app.packages_read_min = store::access_level::reporter;
    } else if (read_role != "guest") {
        out.what = command::kind::error;
        out.text = "--packages-read-min-role must be guest or reporter";
        return out;
    }
    if (secs.header <= 0 || secs.idle <= 0 || secs.body <= 0 || secs.upload <= 0 ||
        secs.drain <= 0) {
        out.what = command::kind::error;
        out.text = "timeouts must be positive";
        return out;
    }
    out.cfg.header_timeout = std::chrono::seconds(secs.header);
    out.cfg.idle_timeout = std::chrono::seconds(secs.idle);
    out.cfg.body_timeout = std::chrono::seconds(secs.body);
    out.cfg.upload_timeout = std::chrono::seconds(secs.upload);
    out.cfg.drain_timeout = std::chrono::seconds(secs.drain);
    if (out.cfg.max_connections == 0) {
        out.what = command::kind::error;
        out.text = "--max-connections must be at least 1";
        return out;
    }
    out.cfg.access_log = access_log;
    std::string allow_error;
    if (auto allowed = routing::allow_list::parse(metrics_allow, allow_error)) {
        out.cfg.app.metrics_allow = std::move(*allowed);
    } else {
        out.what = command::kind::error;
        out.text = "--metrics-allow: " + allow_error;
        return out;
    }
    auto chosen = resolve_blob_flags(blobs);
    if (!chosen.error.empty()) {
        out.what = command::kind::error;
        out.text = chosen.error;
        return out;
    }
    out.cfg.s3 = std::move(chosen.s3);
    if (out.cfg.threads == 0) {
        out.cfg.threads = std::max(1U, std::thread::hardware_concurrency());
    }
    out.what = command::kind::serve;
    return out;
}

} // namespace packyard::server
