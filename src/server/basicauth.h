// SPDX-License-Identifier: MIT
// HTTP Basic authentication check (RFC 7617). Private to promqt.
#pragma once

#include <QByteArray>
#include <QString>

namespace promqt::detail {

class BasicAuth {
public:
    BasicAuth() = default;
    BasicAuth(const QString& user, const QString& password, const QString& realm);

    bool enabled() const { return !m_expected.isEmpty(); }
    /// True when `authorization` (the header value) carries the configured credentials. The
    /// comparison takes the same time wherever the first differing byte is, so response timing
    /// does not reveal how much of a guess was right.
    bool check(const QByteArray& authorization) const;
    /// The WWW-Authenticate value for a 401.
    QByteArray challenge() const;

private:
    QByteArray m_expected; ///< base64 of "user:password"
    QByteArray m_realm;
};

/// Compares two byte strings in time independent of their contents (length still leaks, which
/// for base64 credentials reveals only their approximate size).
bool constantTimeEquals(const QByteArray& a, const QByteArray& b);

} // namespace promqt::detail
