// SPDX-License-Identifier: MIT
#include "server/basicauth.h"

namespace promqt::detail {

BasicAuth::BasicAuth(const QString& user, const QString& password, const QString& realm) {
    if (user.isEmpty())
        return;
    m_expected = (user + QLatin1Char(':') + password).toUtf8().toBase64();
    // The realm is a quoted-string: keep it printable and unquoted-safe.
    for (char c : realm.toUtf8())
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
            m_realm += c;
}

bool constantTimeEquals(const QByteArray& a, const QByteArray& b) {
    // Compare over the longer length so the loop's duration does not depend on where they differ.
    const qsizetype n = std::max(a.size(), b.size());
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (qsizetype i = 0; i < n; ++i) {
        const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
        diff |= static_cast<unsigned char>(x ^ y);
    }
    return diff == 0;
}

bool BasicAuth::check(const QByteArray& authorization) const {
    if (!enabled())
        return true;
    const QByteArray value = authorization.trimmed();
    const qsizetype space = value.indexOf(' ');
    if (space <= 0 || value.left(space).compare("Basic", Qt::CaseInsensitive) != 0)
        return false;
    return constantTimeEquals(value.mid(space + 1).trimmed(), m_expected);
}

QByteArray BasicAuth::challenge() const {
    return "Basic realm=\"" + m_realm + "\", charset=\"UTF-8\"";
}

} // namespace promqt::detail
