#pragma once

// The network core: one single-threaded io_context per thread, each with its own SO_REUSEPORT
// acceptor, so a connection lives on one thread from accept to close and nothing on the request
// path takes a lock (docs/decisions/0001-threading.md).

#include "routing/app.hpp"
#include "routing/limits.hpp"
#include "server/byte_budget.hpp"
#include "server/config.hpp"
#include "server/small_files.hpp"

#include <atomic>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace packyard::server {

/// A live connection as shutdown sees it; touched only on its worker's thread.
struct session_slot {
    /// Bound to the session coroutine: emitting it (terminal) cancels the operation the session
    /// waits on, and the session ends at its next step.
    boost::asio::cancellation_signal stop;
    bool busy = false; ///< a request is being handled
    void cancel() { stop.emit(boost::asio::cancellation_type::terminal); }
};

/// One thread, its io_context, its acceptor and its connections.
struct worker {
    /// Declared before ioc so that it outlives it: destroying an io_context destroys the
    /// coroutine frames still queued on it, and a session frame unregisters from this list.
    std::list<session_slot*> sessions;
    boost::asio::io_context ioc{1};
    std::optional<boost::asio::ip::tcp::acceptor> acceptor;
    /// While stopping: expires at the drain deadline, or is cancelled by the last session to end.
    std::optional<boost::asio::steady_timer> drain;
};

class server {
public:
    server(const config& cfg, routing::app& app);
    server(const server&) = delete;
    server& operator=(const server&) = delete;
    ~server();

    /// Binds every worker's acceptor; returns the bound "host:port".
    std::string listen();
    /// Runs all workers until stopped; returns when every worker is done.
    void run();
    /// Graceful stop: no new connections, idle ones close, busy ones finish (bounded).
    void stop();

    /// Threads for blocking file work (an upload's fsync) off the I/O threads.
    boost::asio::thread_pool& blocking_pool() noexcept { return blocking_; }
    /// Called once when the server begins to stop (any thread): background work that keeps an
    /// io_context busy ends here, so run() can return once requests have drained.
    std::function<void()> on_stop;
    /// The first I/O thread's executor (background work that must run on the event loop).
    boost::asio::any_io_executor first_executor();
    /// Asks the background cleanup to run now (any thread).
    void wake_cleanup();

    const config& cfg() const noexcept { return cfg_; }
    routing::app& app() noexcept { return app_; }
    /// The counters behind /-/metrics; null with --metrics false.
    routing::metrics::registry* metrics() noexcept { return app_.svc().metrics; }
    bool stopping() const noexcept { return stopping_.load(std::memory_order_relaxed); }
    /// Small request bodies held in memory, all connections together (--max-buffered-bodies).
    byte_budget& body_budget() noexcept { return body_budget_; }
    /// Small stored files kept in memory for downloads (server/small_files.hpp).
    small_files& small_file_cache() noexcept { return small_files_; }
    /// Registers a connection with its worker; the returned guard unregisters it and, when it is
    /// the last one of a stopping worker, ends that worker's drain wait.
    class session_registration {
    public:
        session_registration(server& srv, worker& w, session_slot& slot);
        ~session_registration();
        session_registration(const session_registration&) = delete;
        session_registration& operator=(const session_registration&) = delete;

    private:
        server& srv_;
        worker& w_;
        std::list<session_slot*>::iterator it_;
    };

private:
    void start_accepting(worker& w);
    /// Removes what deletes queued (files, packages, unreferenced blobs), on worker 0.
    boost::asio::awaitable<void> cleanup_loop();
    /// Keeps the store map's mapped pages under --map-resident-mib (checked once a second).
    void bound_mapped_pages();

    /// Answers 503 and closes a connection accepted past --max-connections, without a session.
    void refuse(boost::asio::ip::tcp::socket& sock) const;
    /// Lets the worker's busy sessions finish until the drain deadline, then cuts the rest.
    boost::asio::awaitable<void> drain(worker& w);

    config cfg_;
    routing::app& app_;
    std::vector<std::unique_ptr<worker>> workers_;
    std::atomic<std::size_t> connections_{0};
    byte_budget body_budget_;
    small_files small_files_{limits::small_file_cache};
    std::string busy_response_;
    std::atomic<bool> stopping_{false};
    std::optional<boost::asio::signal_set> signals_;
    std::optional<boost::asio::steady_timer> cleanup_timer_;
    boost::asio::thread_pool blocking_{2};
};

/// Serves one connection until it closes (session.cpp); slot is bound to its cancellation.
boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket, server& srv,
                                         worker& w, std::shared_ptr<session_slot> slot);

} // namespace packyard::server
