#include "routing/allow_list.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>

namespace packyard::routing {
namespace ip = boost::asio::ip;

allow_list allow_list::loopback() {
    std::string ignored;
    return *parse("127.0.0.0/8,::1/128", ignored);
}

std::optional<allow_list> allow_list::parse(std::string_view text, std::string& error) {
    allow_list out;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t end = std::min(text.find_first_of(", ", at), text.size());
        const std::string entry(text.substr(at, end - at));
        at = end + 1;
        if (entry.empty()) {
            continue;
        }
        boost::system::error_code ec;
        const auto slash = entry.find('/');
        if (slash == std::string::npos) {
            const auto a = ip::make_address(entry, ec);
            if (!ec && a.is_v4()) {
                out.v4_.emplace_back(a.to_v4(), 32);
            } else if (!ec) {
                out.v6_.emplace_back(a.to_v6(), 128);
            }
        } else if (entry.find(':') == std::string::npos) {
            const auto n = ip::make_network_v4(entry, ec);
            if (!ec) {
                out.v4_.push_back(n.canonical());
            }
        } else {
            const auto n = ip::make_network_v6(entry, ec);
            if (!ec) {
                out.v6_.push_back(n.canonical());
            }
        }
        if (ec) {
            error = "'" + entry + "' is neither an address nor a network (CIDR)";
            return std::nullopt;
        }
    }
    return out;
}

bool allow_list::allows(std::string_view address) const {
    boost::system::error_code ec;
    const auto a = ip::make_address(std::string(address), ec);
    if (ec) {
        return false;
    }
    const auto in_v4 = [this](const ip::address_v4& v4) {
        return std::any_of(v4_.begin(), v4_.end(), [&v4](const ip::network_v4& n) {
            return ip::network_v4(v4, n.prefix_length()).canonical() == n;
        });
    };
    if (a.is_v4()) {
        return in_v4(a.to_v4());
    }
    const auto v6 = a.to_v6();
    if (v6.is_v4_mapped() && in_v4(ip::make_address_v4(ip::v4_mapped, v6))) {
        return true;
    }
    return std::any_of(v6_.begin(), v6_.end(), [&v6](const ip::network_v6& n) {
        return ip::network_v6(v6, n.prefix_length()).canonical() == n;
    });
}

} // namespace packyard::routing
