#include "server/check_command.hpp"

#include "server/blob_options.hpp"
#include "store/check.hpp"
#include "store/data_lock.hpp"
#include "store/env.hpp"
#include "store/error.hpp"

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sstream>

namespace packyard::server {
namespace po = boost::program_options;
namespace {

constexpr std::size_t max_examples = 100000;

const char* remedy_name(store::remedy r) noexcept {
    switch (r) {
    case store::remedy::rebuild:
        return "rebuild";
    case store::remedy::remove:
        return "remove";
    case store::remedy::requeue:
        return "requeue";
    case store::remedy::none:
        break;
    }
    return "none";
}

const char* remedy_words(store::remedy r) noexcept {
    switch (r) {
    case store::remedy::rebuild:
        return "--repair rebuilds it from the rows";
    case store::remedy::remove:
        return "--repair removes them";
    case store::remedy::requeue:
        return "--repair puts the queue right";
    case store::remedy::none:
        break;
    }
    return "not repairable";
}

// ---- text

void print_result(std::ostream& out, const store::check_result& r) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-24s %12llu %-11s ", r.name.c_str(),
                  static_cast<unsigned long long>(r.checked), r.unit.c_str());
    out << line;
    if (r.problems == 0) {
        out << (r.note.empty() ? "ok" : r.note) << '\n';
        return;
    }
    out << (r.at_least ? "at least " : "") << r.problems
        << (r.problems == 1 ? " problem" : " problems") << " (" << remedy_words(r.fix) << ")\n";
    for (const auto& e : r.examples) {
        out << "      " << e << '\n';
    }
    if (r.problems > r.examples.size() && !r.examples.empty()) {
        out << "      ... and " << r.problems - r.examples.size() << " more\n";
    }
    if (!r.note.empty()) {
        out << "      (" << r.note << ")\n";
    }
}

void print_summary(std::ostream& out, const store::check_report& r, double seconds) {
    std::size_t failing = 0;
    for (const auto& c : r.results) {
        failing += c.problems > 0 ? 1 : 0;
    }
    char took[32];
    std::snprintf(took, sizeof took, "%.1f s", seconds);
    if (failing == 0) {
        out << "clean: " << r.results.size() << " checks, no problem (" << took << ")\n";
        return;
    }
    const auto total = r.problems();
    const auto fixed = total - r.unrepairable();
    out << total << (total == 1 ? " problem" : " problems") << " in " << failing << " of "
        << r.results.size() << " checks: " << fixed << " repairable by --repair, "
        << r.unrepairable() << " not (" << took << ")\n";
}

void print_repair(std::ostream& out, const store::repair_report& rep) {
    out << "repair:";
    bool any = false;
    for (const auto& t : rep.rebuilt) {
        out << (any ? "," : "") << " rebuilt " << t.name;
        if (t.entries > 0) {
            out << " (" << t.entries << " entries)";
        }
        any = true;
    }
    auto item = [&](std::uint64_t n, const char* what) {
        if (n > 0) {
            out << (any ? "," : "") << ' ' << what << ' ' << n;
            any = true;
        }
    };
    item(rep.entries_removed, "removed entries of rows that are gone:");
    item(rep.queued, "queued for cleanup:");
    item(rep.unqueued, "taken off the cleanup queue:");
    item(rep.orphans_removed, "removed orphan blobs:");
    item(rep.temps_removed, "removed temp files:");
    out << (any ? "\n" : " nothing to change\n");
}

// ---- JSON

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(json_writer& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_results(json_writer& w, const store::check_report& r) {
    w.Key("checks");
    w.StartArray();
    for (const auto& c : r.results) {
        w.StartObject();
        w.Key("name");
        write_string(w, c.name);
        w.Key("unit");
        write_string(w, c.unit);
        w.Key("checked");
        w.Uint64(c.checked);
        w.Key("problems");
        w.Uint64(c.problems);
        w.Key("at_least");
        w.Bool(c.at_least);
        w.Key("repair");
        w.String(remedy_name(c.fix));
        w.Key("examples");
        w.StartArray();
        for (const auto& e : c.examples) {
            write_string(w, e);
        }
        w.EndArray();
        if (!c.note.empty()) {
            w.Key("note");
            write_string(w, c.note);
        }
        w.EndObject();
    }
    w.EndArray();
    w.Key("problems");
    w.Uint64(r.problems());
    w.Key("unrepairable");
    w.Uint64(r.unrepairable());
}

void write_repair(json_writer& w, const store::repair_report& rep) {
    w.Key("repair");
    w.StartObject();
    w.Key("rebuilt");
    w.StartArray();
    for (const auto& t : rep.rebuilt) {
        w.StartObject();
        w.Key("table");
        write_string(w, t.name);
        w.Key("entries");
        w.Uint64(t.entries);
        w.EndObject();
    }
    w.EndArray();
    w.Key("entries_removed");
    w.Uint64(rep.entries_removed);
    w.Key("queued");
    w.Uint64(rep.queued);
    w.Key("unqueued");
    w.Uint64(rep.unqueued);
    w.Key("orphans_removed");
    w.Uint64(rep.orphans_removed);
    w.Key("temps_removed");
    w.Uint64(rep.temps_removed);
    w.EndObject();
}

/// Everything a run found and did, for print_text or print_json.
struct outcome {
    store::check_report found;
    std::optional<store::repair_report> repaired;
    std::optional<store::check_report> after;
    bool server_running = false;
    double seconds = 0;
};

void print_text(const check_config& cfg, const outcome& o) {
    std::cout << "packyard check " << cfg.data_dir.string()
              << (cfg.repair ? " (repair)"
                             : (o.server_running ? " (read-only, beside a running server)"
                                                 : " (read-only)"))
              << '\n';
    for (const auto& r : o.found.results) {
        print_result(std::cout, r);
    }
    print_summary(std::cout, o.found, o.seconds);
    if (o.repaired) {
        print_repair(std::cout, *o.repaired);
    }
    if (o.after) {
        std::cout << "after the repair: ";
        if (o.after->problems() == 0) {
            std::cout << "clean\n";
        } else {
            std::cout << o.after->problems() << " left\n";
            for (const auto& r : o.after->results) {
                if (r.problems > 0) {
                    print_result(std::cout, r);
                }
            }
        }
    }
}

void print_json(const check_config& cfg, const outcome& o) {
    rapidjson::StringBuffer buf;
    json_writer w(buf);
    w.StartObject();
    w.Key("data");
    write_string(w, cfg.data_dir.string());
    w.Key("server_running");
    w.Bool(o.server_running);
    w.Key("hashes");
    w.Bool(cfg.hashes);
    w.Key("seconds");
    w.Double(o.seconds);
    write_results(w, o.found);
    if (o.repaired) {
        write_repair(w, *o.repaired);
    }
    if (o.after) {
        w.Key("after_repair");
        w.StartObject();
        write_results(w, *o.after);
        w.EndObject();
    }
    w.EndObject();
    std::cout << buf.GetString() << '\n';
}

/// Exit status 2 with a message: the check did not run.
int cannot_run(const std::string& why) {
    std::cerr << "packyard check: " << why << '\n';
    return 2;
}

int run(const check_config& cfg) {
    const auto db_dir = cfg.data_dir / "db";
    std::error_code fs_ec;
    if (!std::filesystem::exists(db_dir / "data.mdb", fs_ec)) {
        return cannot_run("no store in " + cfg.data_dir.string() + " (" +
                          (db_dir / "data.mdb").string() + " does not exist)");
    }
    outcome o;
    store::check_options opts;
    opts.hashes = cfg.hashes;
    opts.examples = cfg.examples;
    std::optional<store::data_lock> lock;
    if (cfg.repair) {
        // The server's own lock: while this process holds it, no server starts on the folder.
        auto l = store::data_lock::take(cfg.data_dir);
        if (!l) {
            if (l.error() == std::errc::resource_unavailable_try_again) {
                const auto pid = store::data_lock::holder(cfg.data_dir);
                return cannot_run(cfg.data_dir.string() + " is in use by packyard" +
                                  (pid ? " (pid " + std::to_string(*pid) + ")" : std::string()) +
                                  "; stop the server before --repair");
            }
            return cannot_run("cannot lock " + store::lock_path(cfg.data_dir).string() + ": " +
                              l.error().message());
        }
        lock.emplace(std::move(*l));
    } else {
        o.server_running = store::data_lock::held(cfg.data_dir);
        opts.server_running = o.server_running;
    }
    store::env_options eo;
    eo.dir = db_dir;
    eo.read_only = !cfg.repair;
    auto env = store::environment::open(eo);
    if (env && (*env)->found_schema_version() < store::schema_version) {
        env = make_error_code(store::errc::schema_too_old);
    }
    if (!env) {
        if (env.error() == store::errc::schema_too_old) {
            return cannot_run(
                cfg.data_dir.string() +
                " has an older layout: start packyard serve on it once to upgrade it");
        }
        if (env.error() == store::errc::schema_too_new) {
            return cannot_run(cfg.data_dir.string() +
                              " was written by a newer packyard; check it with that one");
        }
        return cannot_run("cannot open the store in " + db_dir.string() + ": " +
                          env.error().message());
    }
    store::blob_store blobs(cfg.data_dir);
    auto opened = open_blob_location(cfg.data_dir, cfg.s3);
    if (!opened.error.empty()) {
        return cannot_run(opened.error);
    }
    auto bucket = std::move(opened.bucket);
    if (bucket) {
        std::string why;
        blobs.use_bucket(bucket.get());
        // A repair deletes what this folder's rows do not name: only on this folder's prefix.
        if (cfg.repair && read_store_id(cfg.data_dir).empty()) {
            return cannot_run("--repair with a bucket needs a folder a server has opened on it "
                              "(DATA/blob-store names the folder's id)");
        }
        if (cfg.repair && claim_prefix(*bucket, cfg.data_dir, why).empty()) {
            return cannot_run(why);
        }
    }
    const auto started = std::chrono::steady_clock::now();
    o.found = store::check_store(**env, blobs, opts);
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    int status = o.found.problems() == 0 ? 0 : 1;
    if (cfg.repair && o.found.problems() > o.found.unrepairable()) {
        auto repaired = store::repair_store(**env, blobs, o.found);
        if (!repaired) {
            cfg.json ? print_json(cfg, o) : print_text(cfg, o);
            std::cerr << "packyard check: the repair failed, the store is as it was: "
                      << repaired.error().message() << '\n';
            return 1;
        }
        o.repaired = *repaired;
        // Read again what the repair wrote. Blob bytes it does not touch: their hashes stand.
        auto again = opts;
        again.hashes = false;
        o.after = store::check_store(**env, blobs, again);
        if (const auto* hashed = o.found.find("blob_hashes")) {
            for (auto& r : o.after->results) {
                r = r.name == hashed->name ? *hashed : r;
            }
        }
        status = o.after->problems() == 0 ? 0 : 1;
    }
    cfg.json ? print_json(cfg, o) : print_text(cfg, o);
    return status;
}

} // namespace

check_command_line parse_check_command(int argc, char** argv) {
    check_command_line out;
    std::string format;
    bool no_hashes = false;
    const char* env_data = std::getenv("PACKYARD_DATA");
    po::options_description d("packyard check options");
    d.add_options()("help", "show this help")(
        "data",
        po::value<std::string>()->default_value(env_data != nullptr ? env_data : "packyard-data"),
        "data folder to check (default: PACKYARD_DATA, else packyard-data)")(
        "repair", po::bool_switch(&out.cfg.repair),
        "rebuild every index and counter that differs from the rows, remove orphan blobs and "
        "temp files; the server must be stopped")(
        "no-hashes", po::bool_switch(&no_hashes),
        "check that blobs exist with their sizes, without reading their bytes (with a bucket: "
        "a listing instead of a GET of every object)")(
        "format", po::value<std::string>(&format)->default_value("text"),
        "text or json")("examples", po::value<std::size_t>(&out.cfg.examples)->default_value(10),
                        "problems described per check (the rest are counted)");
    blob_flags blob_args;
    add_blob_options(d, blob_args);
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc - 1, argv + 1, d), vm);
        po::notify(vm);
        if (vm.count("help") != 0U) {
            std::ostringstream s;
            s << "Usage: packyard check [options]\n\n"
                 "Checks a data folder: every file row's blob (present, of its size, with its\n"
                 "SHA-256), no blob without a row, every index and counter equal to what the\n"
                 "rows imply. Read-only unless --repair; safe beside a running server.\n"
                 "Exit status: 0 clean, 1 problems found (or left after --repair), 2 the check\n"
                 "could not run.\n\n"
              << d;
            out.what = check_command_line::kind::help;
            out.text = s.str();
            return out;
        }
        out.cfg.data_dir = vm["data"].as<std::string>();
    } catch (const std::exception& e) {
        out.what = check_command_line::kind::error;
        out.text = e.what();
        return out;
    }
    if (format != "text" && format != "json") {
        out.what = check_command_line::kind::error;
        out.text = "--format must be text or json";
        return out;
    }
    if (out.cfg.examples > max_examples) {
        out.what = check_command_line::kind::error;
        out.text = "--examples must be at most " + std::to_string(max_examples);
        return out;
    }
    out.cfg.json = format == "json";
    out.cfg.hashes = !no_hashes;
    auto chosen = resolve_blob_flags(blob_args);
    if (!chosen.error.empty()) {
        out.what = check_command_line::kind::error;
        out.text = chosen.error;
        return out;
    }
    out.cfg.s3 = std::move(chosen.s3);
    return out;
}

int run_check(const check_config& cfg) {
    try {
        return run(cfg);
    } catch (const std::exception& e) {
        // LMDB could not read the store (store::failure): that is a finding, not a usage error.
        std::cerr << "packyard check: the store could not be read: " << e.what() << '\n';
        return 1;
    }
}

} // namespace packyard::server
