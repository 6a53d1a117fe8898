// SPDX-License-Identifier: MIT
// Hexadecimal digits, shared by the HTTP parser (percent-decoding, chunk sizes) and the query
// parser of the exposition layer. Private to promqt.
#pragma once

namespace promqt::detail {

/// The value of the hexadecimal digit `c` (either case), or -1 when it is none.
constexpr int hexDigitValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace promqt::detail
