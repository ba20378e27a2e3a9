#include "connections/ConnectionRecord.h"

using namespace Qt::StringLiterals;

namespace keystead {

QString connectionStatusName(ConnectionStatus status)
{
    switch (status) {
    case ConnectionStatus::Connected: return u"CONNECTED"_s;
    case ConnectionStatus::Disconnected: return u"DISCONNECTED"_s;
    }
    return u"DISCONNECTED"_s;
}

std::optional<ConnectionStatus> connectionStatusFromName(const QString &name)
{
    if (name.compare(u"CONNECTED"_s, Qt::CaseInsensitive) == 0)
        return ConnectionStatus::Connected;
    if (name.compare(u"DISCONNECTED"_s, Qt::CaseInsensitive) == 0)
        return ConnectionStatus::Disconnected;
    return std::nullopt;
}

QString ConnectionRecord::durationText(const QDateTime &now) const
{
    if (!connected.isValid())
        return u"PT00:00:00"_s;
    const QDateTime end = disconnected.isValid() ? disconnected : now;
    // A clock that stepped back never makes a negative duration.
    const qint64 seconds = std::max<qint64>(0, connected.secsTo(end));
    // Hours are not folded into days: the seed writes "PT27:03:05" for a long connection.
    return u"PT%1:%2:%3"_s.arg(seconds / 3600, 2, 10, QLatin1Char('0'))
        .arg((seconds / 60) % 60, 2, 10, QLatin1Char('0'))
        .arg(seconds % 60, 2, 10, QLatin1Char('0'));
}

const QStringList &seedTrailEventTypes()
{
    static const QStringList types{
        u"stdin"_s,
        u"stdout"_s,
        u"stderr"_s,
        u"forward-request"_s,
        u"reverse-request"_s,
        u"forward-reply"_s,
        u"reverse-reply"_s,
        u"forward-global-request"_s,
        u"reverse-global-request"_s,
        u"forward-new-channel-request"_s,
        u"reverse-new-channel-request"_s,
        u"forward-global-reply"_s,
        u"reverse-global-reply"_s,
        u"forward-new-channel-reply"_s,
        u"reverse-new-channel-reply"_s,
    };
    return types;
}

const QStringList &trailEventTypes()
{
    static const QStringList types = seedTrailEventTypes()
        + QStringList{u"client-version"_s, u"key-offered"_s,  u"key-proven"_s,    u"banner"_s,     u"message"_s,
                      u"auth"_s,           u"channel-open"_s, u"channel-close"_s, u"disconnect"_s, u"terminate"_s};
    return types;
}

} // namespace keystead
