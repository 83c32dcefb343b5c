#pragma once

// PEP 503 simple pages as GitLab renders them (app/presenters/packages/pypi/
// simple_presenter_base.rb and its two subclasses), and their PEP 691 JSON forms (the
// simple_*_json_presenter.rb files). GitLab's HTML is a Ruby heredoc: its indentation is part of
// the bytes, the anchors are joined with nothing between them, only the title and
// data-requires-python are escaped.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace packyard::routing::pypi {

/// One anchor of a simple page.
struct simple_link {
    std::string href; ///< absolute URL, with "#sha256=…" on file links
    std::string text; ///< the file name, or the package name on the index
    std::string requires_python;
    /// Beyond GitLab (PEP 658/714): the SHA-256 of the file's core metadata when packyard
    /// serves it at href + ".metadata".
    std::optional<std::string> core_metadata_sha256;
};

/// The HTML page: "Links for <title>" and the anchors.
std::string render_simple_html(std::string_view title, const std::vector<simple_link>& links);

/// PEP 691 JSON of a project's index: the normalized names, unique and sorted.
std::string render_index_json(std::vector<std::string> normalized_names);

/// One file of a package page in PEP 691 JSON.
struct json_file {
    std::string filename;
    std::string url; ///< with the "#sha256=…" fragment, as GitLab keeps it
    std::string sha256;
    std::string requires_python; ///< omitted when empty
    std::optional<std::string> core_metadata_sha256;
};

/// PEP 691 JSON of a package page.
std::string render_package_json(std::string_view normalized_name,
                                const std::vector<json_file>& files);

/// Whether an Accept header asks for PEP 691 JSON: an item starting with
/// application/vnd.pypi.simple.v1+json or ….latest+json, q-values ignored (GitLab's
/// json_format_requested?).
bool wants_json(std::string_view accept) noexcept;

} // namespace packyard::routing::pypi
