#pragma once

// What the parts of CollectConnection (CollectConnection.cpp, ...Auth.cpp,
// ...Channel.cpp, ...Trail.cpp) share. Not for use outside them.

#include <QString>

namespace keystead::collectconnection {

// Connection identifiers are short; anything longer is not worth a look-up.
inline constexpr qsizetype kMaxUsernameLength = 128;

// Text a client sent, made safe to show on a terminal or store.
inline QString printable(const QString &text, qsizetype maxLength)
{
    QString shown;
    shown.reserve(qMin(text.size(), maxLength));
    for (const QChar c : text) {
        if (shown.size() >= maxLength)
            break;
        shown += (c.isPrint() && c != u'\x7f') ? c : u'?';
    }
    return shown;
}

inline QString withNewline(const QString &text)
{
    return text.endsWith(u'\n') ? text : text + u'\n';
}

// Trail events outside any channel.
inline QString connectionChannel()
{
    return QStringLiteral("connection");
}

inline QString fromLibssh(const char *text, qsizetype maxLength = 255)
{
    return text ? printable(QString::fromUtf8(text), maxLength) : QString();
}

} // namespace keystead::collectconnection
