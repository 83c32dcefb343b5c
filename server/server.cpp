#include "server/server.hpp"

#include "routing/gitlab_errors.hpp"
#include "routing/metrics.hpp"
#include "server/response_header.hpp"
#include "store/gc.hpp"
#include "store/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <unistd.h>

namespace packyard::server {
namespace net = boost::asio;
using tcp = net::ip::tcp;

server::server(const config& cfg, routing::app& app)
    : cfg_(cfg)
    , app_(app)
    , body_budget_(cfg.max_buffered_bodies) {
    for (unsigned i = 0; i < std::max(1U, cfg_.threads); ++i) {
        workers_.push_back(std::make_unique<worker>());
    }
    const auto busy = routing::message_response(503, "503 Service Unavailable");
    serialize_header(busy_response_, busy, false, 11, busy.body.size());
    busy_response_ += busy.body;
}

server::session_registration::session_registration(server& srv, worker& w, session_slot& slot)
    : srv_(srv)
    , w_(w) {
    w.sessions.push_front(&slot);
    it_ = w.sessions.begin();
    if (auto* m = srv.metrics()) {
        m->connection_accepted();
    }
}

server::session_registration::~session_registration() {
    w_.sessions.erase(it_);
    srv_.connections_.fetch_sub(1, std::memory_order_relaxed);
    if (auto* m = srv_.metrics()) {
        m->connection_closed();
    }
    if (w_.sessions.empty() && w_.drain) {
        w_.drain->cancel(); // the last busy session is done: the drain need not wait longer
    }
}

void server::refuse(tcp::socket& sock) const {
    // One small write that fits any socket buffer; a client that cannot take it loses it.
    (void)::send(sock.native_handle(), busy_response_.data(), busy_response_.size(),
                 MSG_DONTWAIT | MSG_NOSIGNAL);
    boost::system::error_code ignored;
    sock.close(ignored);
}

server::~server() = default;

std::string server::listen() {
    const auto addr = net::ip::make_address(cfg_.listen_host);
    std::uint16_t port = cfg_.listen_port;
    for (auto& w : workers_) {
        tcp::acceptor a(w->ioc);
        const tcp::endpoint ep(addr, port);
        a.open(ep.protocol());
        a.set_option(net::socket_base::reuse_address(true));
        // Every worker binds the same port; the kernel spreads connections across them.
        const int one = 1;
        if (::setsockopt(a.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
            throw std::system_error(errno, std::generic_category(), "SO_REUSEPORT");
        }
        a.bind(ep);
        a.listen(net::socket_base::max_listen_connections);
        port = a.local_endpoint().port(); // port 0: the first bind picks, the others follow
        w->acceptor.emplace(std::move(a));
    }
    const bool v6 = addr.is_v6();
    return (v6 ? "[" : "") + cfg_.listen_host + (v6 ? "]" : "") + ":" + std::to_string(port);
}

void server::start_accepting(worker& w) {
    net::co_spawn(
        w.ioc,
        [this, &w]() -> net::awaitable<void> {
            while (!stopping() && w.acceptor && w.acceptor->is_open()) {
                auto [ec, sock] =
                    co_await w.acceptor->async_accept(net::as_tuple(net::use_awaitable));
                if (ec) {
                    if (ec == net::error::operation_aborted || stopping()) {
                        break;
                    }
                    // EMFILE and friends: back off briefly instead of spinning.
                    net::steady_timer t(w.ioc, std::chrono::milliseconds(50));
                    co_await t.async_wait(net::as_tuple(net::use_awaitable));
                    continue;
                }
                if (connections_.fetch_add(1, std::memory_order_relaxed) >= cfg_.max_connections) {
                    connections_.fetch_sub(1, std::memory_order_relaxed);
                    if (auto* m = metrics()) {
                        m->connection_refused();
                    }
                    refuse(sock);
                    continue;
                }
                boost::system::error_code ignored;
                sock.set_option(tcp::no_delay(true), ignored);
                // The completion handler holds the slot too: the signal must outlive the
                // coroutine's cancellation slot, which co_spawn releases only as it completes.
                auto slot = std::make_shared<session_slot>();
                net::co_spawn(w.ioc, run_session(std::move(sock), *this, w, slot),
                              net::bind_cancellation_slot(
                                  slot->stop.slot(), [slot](const std::exception_ptr& e) {
                                      if (!e) {
                                          return;
                                      }
                                      try {
                                          std::rethrow_exception(e);
                                      } catch (const std::exception& ex) {
                                          log::message(std::string("session failed: ") + ex.what());
                                      }
                                  }));
            }
        },
        net::detached);
}

boost::asio::any_io_executor server::first_executor() {
    return workers_.front()->ioc.get_executor();
}

void server::wake_cleanup() {
    net::post(workers_.front()->ioc, [this] {
        if (cleanup_timer_) {
            cleanup_timer_->cancel();
        }
    });
}

net::awaitable<void> server::cleanup_loop() {
    auto& svc = app_.svc();
    while (!stopping()) {
        // Only a queue with work costs a writer job (a snapshot in a plain call, not held here).
        if (svc.blobs != nullptr && store::with_snapshot(svc.env, [](const auto& t) {
                                        return store::cleanup_backlog(t);
                                    }) > 0) {
            std::size_t handled = 0;
            const auto ec = co_await svc.writer.async_run(
                [&blobs = *svc.blobs, &handled](store::write_txn& t) -> std::error_code {
                    auto n = store::collect_garbage(t, blobs, 256);
                    if (!n) {
                        return n.error();
                    }
                    handled = *n;
                    return {};
                },
                net::use_awaitable);
            if (ec) {
                log::error("cleanup failed", ec);
            } else if (handled > 0) {
                continue;
            }
        }
        // Blob files kept while a backup copied them go once it is done.
        if (svc.blobs != nullptr && svc.blobs->deferred() > 0 && !svc.blobs->backup_running()) {
            const auto ec = co_await svc.writer.async_run(
                [&blobs = *svc.blobs](store::write_txn& t) -> std::error_code {
                    store::unlink_deferred(t, blobs);
                    return {};
                },
                net::use_awaitable);
            if (ec) {
                log::error("removing blobs kept for a backup failed", ec);
            }
        }
        cleanup_timer_->expires_after(std::chrono::seconds(1));
        co_await cleanup_timer_->async_wait(net::as_tuple(net::use_awaitable));
        // A backup killed mid-copy leaves its reader slot, whose snapshot pins old pages.
        svc.env.clear_stale_readers();
        bound_mapped_pages();
    }
}

void server::bound_mapped_pages() {
    if (cfg_.map_resident_mib == 0) {
        return;
    }
    // statm's third field counts resident file-backed pages: here, the LMDB map.
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size = 0;
    std::uint64_t resident = 0;
    std::uint64_t shared = 0;
    if (!(statm >> size >> resident >> shared)) {
        return;
    }
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    if (shared * page > cfg_.map_resident_mib << 20) {
        if (auto ec = app_.svc().env.release_mapped_pages()) {
            log::error("releasing mapped store pages failed", ec);
        }
    }
}

void server::run() {
    for (auto& w : workers_) {
        start_accepting(*w);
    }
    cleanup_timer_.emplace(workers_.front()->ioc);
    net::co_spawn(workers_.front()->ioc, cleanup_loop(), net::detached);
    signals_.emplace(workers_.front()->ioc, SIGINT, SIGTERM);
    signals_->async_wait([this](const boost::system::error_code& ec, int) {
        if (!ec) {
            stop();
        }
    });
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < workers_.size(); ++i) {
        threads.emplace_back([w = workers_[i].get()] { w->ioc.run(); });
    }
    workers_.front()->ioc.run();
    for (auto& t : threads) {
        t.join();
    }
}

void server::stop() {
    if (stopping_.exchange(true)) {
        return;
    }
    if (on_stop) {
        on_stop();
    }
    net::post(workers_.front()->ioc, [this] {
        if (signals_) {
            boost::system::error_code ignored;
            signals_->cancel(ignored);
        }
        if (cleanup_timer_) {
            cleanup_timer_->cancel();
        }
    });
    for (auto& wp : workers_) {
        worker* w = wp.get();
        net::post(w->ioc, [this, w] {
            if (w->acceptor) {
                boost::system::error_code ignored;
                w->acceptor->close(ignored);
            }
            // Closing a socket ends its session: idle ones now, busy ones at the deadline.
            // Copied first: a session unregisters from the list as it ends.
            const std::vector<session_slot*> idle(w->sessions.begin(), w->sessions.end());
            for (auto* s : idle) {
                if (!s->busy) {
                    s->cancel();
                }
            }
            net::co_spawn(w->ioc, drain(*w), net::detached);
        });
    }
}

net::awaitable<void> server::drain(worker& w) {
    w.drain.emplace(w.ioc, cfg_.drain_timeout);
    if (!w.sessions.empty()) {
        // Ends at the deadline, or earlier when the last session unregisters and cancels it.
        co_await w.drain->async_wait(net::as_tuple(net::use_awaitable));
    }
    // Stragglers (a half-sent header, a slow upload or download): closing the socket makes
    // each pending operation fail, so every session unwinds on its own and the io_context runs
    // out of work. Stopping the io_context instead would abandon sessions inside a writer job.
    const std::vector<session_slot*> left(w.sessions.begin(), w.sessions.end());
    for (auto* s : left) {
        s->cancel();
    }
}

} // namespace packyard::server
