#include "ListenAddress.h"

using namespace Qt::StringLiterals;

namespace keystead {

Result<ListenAddress> ListenAddress::parse(const QString &text)
{
    const QString trimmed = text.trimmed();
    const qsizetype colon = trimmed.lastIndexOf(u':');
    if (colon <= 0)
        return Error::invalid(u"\"%1\" is not HOST:PORT"_s.arg(text));
    QString host = trimmed.left(colon);
    const QString portText = trimmed.mid(colon + 1);
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    else if (host.contains(u':'))
        return Error::invalid(u"\"%1\": write an IPv6 address in brackets, e.g. [::1]:8420"_s.arg(text));

    bool portOk = false;
    const uint port = portText.toUInt(&portOk);
    if (!portOk || port > 65535)
        return Error::invalid(u"\"%1\": the port must be a number from 0 to 65535"_s.arg(text));

    ListenAddress listen;
    listen.port = static_cast<quint16>(port);
    if (host.compare(u"localhost"_s, Qt::CaseInsensitive) == 0)
        listen.address = QHostAddress(QHostAddress::LocalHost);
    else if (!listen.address.setAddress(host))
        return Error::invalid(u"\"%1\": \"%2\" is not an IP address"_s.arg(text, host));
    return listen;
}

QString ListenAddress::toString() const
{
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        return u"[%1]:%2"_s.arg(address.toString()).arg(port);
    return u"%1:%2"_s.arg(address.toString()).arg(port);
}

} // namespace keystead
