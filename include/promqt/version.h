// SPDX-License-Identifier: MIT
#pragma once

/// promqt's version as "major.minor.patch".
#define PROMQT_VERSION_STRING "0.1.0"

namespace promqt {
/// The version of the promqt library the program runs with (may differ from the headers').
const char* version();
} // namespace promqt
