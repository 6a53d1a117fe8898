// SPDX-License-Identifier: MIT
#include <promqt/version.h>

namespace promqt {
const char* version() { return PROMQT_VERSION_STRING; }
} // namespace promqt
