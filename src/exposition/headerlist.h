// SPDX-License-Identifier: MIT
// A tolerant reader for comma-separated HTTP header lists with parameters (Accept,
// Accept-Encoding): `element *( OWS ";" OWS name "=" ( token / quoted-string ) )`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace promqt::detail {

struct HeaderParameter {
    std::string_view name;  ///< as sent; compare case-insensitively
    std::string value;      ///< unquoted (quoted-pair escapes resolved)
};

struct HeaderElement {
    std::string_view value; ///< "text/plain", "gzip", "*/*" … as sent
    std::vector<HeaderParameter> parameters;
    /// Quality 0…1000 (thousandths): 1000 when there is no q parameter.
    int quality = 1000;
};

/// Splits `header` into its elements. An element that is malformed — bad characters, a
/// parameter without '=', an unterminated quote, or a q value that is not an RFC 9110 qvalue
/// ("0", "0.5", "1.000"; at most three decimals, not above 1) — is skipped, not guessed at,
/// while the rest of the header is still used. `isValidValue` checks the element's own value.
std::vector<HeaderElement> parseHeaderList(std::string_view header, bool (*isValidValue)(std::string_view));

/// RFC 9110 `token` characters.
bool isTokenChar(char c);

/// ASCII case-insensitive equality.
bool equalsIgnoringCase(std::string_view a, std::string_view b);

} // namespace promqt::detail
