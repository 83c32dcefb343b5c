#pragma once

// Who may read /-/metrics: GitLab's monitoring allow list (config/initializers/1_settings.rb:
// Settings.monitoring['ip_whitelist'], ['127.0.0.1/8'] by default; Omnibus ships
// gitlab_rails['monitoring_whitelist'] = ['127.0.0.0/8', '::1/128']). Anyone else gets 404, as
// from app/controllers/concerns/requires_allowlisted_monitoring_client.rb.

#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace packyard::routing {

class allow_list {
public:
    /// Omnibus GitLab's default: 127.0.0.0/8 and ::1/128.
    static allow_list loopback();
    /// Networks in CIDR notation or single addresses, separated by commas or spaces (Boost.Asio
    /// parses each; host bits are dropped, as Ruby's IPAddr does). Empty: nobody. The error
    /// names the entry that does not parse.
    static std::optional<allow_list> parse(std::string_view text, std::string& error);

    /// Whether the peer address (as the server prints it) is in a network of the list. An
    /// IPv4-mapped IPv6 peer (a dual-stack socket) is matched against the IPv4 networks too,
    /// as GitLab's compat_ip_allowlist does.
    bool allows(std::string_view address) const;

private:
    std::vector<boost::asio::ip::network_v4> v4_;
    std::vector<boost::asio::ip::network_v6> v6_;
};

} // namespace packyard::routing
